//! The generated shop is realistic enough that every example segment has members on 1,000
//! customers, and consistent enough that the importer can load it: shares of prospects,
//! one-time, lapsed, new, VIP and price-sensitive buyers, abandoned carts and browsing, and the
//! arithmetic and references between the files.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDateTime};
use segflow::generate::{generate_shop, GenerateOptions};

const DAY: i64 = 86_400;
/// Two evaluation times in different seasons: 2025-11-15 12:00 and 2026-06-01 08:30 UTC.
const NOWS: [i64; 2] = [1_763_208_000_000, 1_780_302_600_000];

struct Order {
    customer: String,
    placed_at: i64,
    total: i64,
    discount: i64,
}

struct Event {
    customer: String,
    kind: String,
    at: i64,
    value: Option<i64>,
}

/// The generated files, read back with a CSV reader as the importer would.
struct Shop {
    now: i64,
    customers: Vec<HashMap<String, String>>,
    products: HashMap<String, i64>,
    orders: HashMap<String, Order>,
    /// Per order: the sum of quantity × unit price over its items, in cents.
    line_sums: HashMap<String, i64>,
    events: Vec<Event>,
}

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn secs(text: &str) -> i64 {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .unwrap()
        .and_utc()
        .timestamp()
}

fn cents(text: &str) -> i64 {
    let (whole, frac) = text.split_once('.').unwrap();
    assert_eq!(frac.len(), 2, "money {text} has two decimals");
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

fn generate(customers: usize, seed: u64, now_ms: i64) -> Shop {
    let tmp = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        customers,
        seed,
        now: now_ms,
    };
    generate_shop(&opts, tmp.path()).unwrap();
    let dir = tmp.path();
    let products = rows(&dir.join("products.csv"))
        .into_iter()
        .map(|p| (p["product_id"].clone(), cents(&p["price"])))
        .collect();
    let orders = rows(&dir.join("orders.csv"))
        .into_iter()
        .map(|o| {
            assert_eq!(o["currency"], "USD");
            assert!(["paid", "refunded", "cancelled"].contains(&o["status"].as_str()));
            assert!(["web", "mobile", "pos"].contains(&o["channel"].as_str()));
            let order = Order {
                customer: o["customer_id"].clone(),
                placed_at: secs(&o["placed_at"]),
                total: cents(&o["total"]),
                discount: cents(&o["discount"]),
            };
            (o["order_id"].clone(), order)
        })
        .collect();
    let mut line_sums: HashMap<String, i64> = HashMap::new();
    let mut pairs = HashSet::new();
    for item in rows(&dir.join("items.csv")) {
        let quantity: i64 = item["quantity"].parse().unwrap();
        assert!(quantity >= 1);
        *line_sums.entry(item["order_id"].clone()).or_default() += quantity * cents(&item["price"]);
        let pair = (item["order_id"].clone(), item["product_id"].clone());
        assert!(pairs.insert(pair), "an order lists a product twice");
    }
    let events = rows(&dir.join("events.csv"))
        .into_iter()
        .map(|e| Event {
            customer: e["customer_id"].clone(),
            kind: e["type"].clone(),
            at: secs(&e["occurred_at"]),
            value: (!e["prop.value"].is_empty()).then(|| cents(&e["prop.value"])),
        })
        .collect();
    Shop {
        now: now_ms / 1000,
        customers: rows(&dir.join("customers.csv")),
        products,
        orders,
        line_sums,
        events,
    }
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole as f64
}

fn assert_within(name: &str, value: f64, lo: f64, hi: f64) {
    assert!(
        value >= lo && value <= hi,
        "{name} = {value:.3}, expected {lo}..{hi}"
    );
}

/// Each customer's order times, sorted, and per-customer discounted-order counts.
fn orders_by_customer(shop: &Shop) -> HashMap<&str, Vec<&Order>> {
    let mut by: HashMap<&str, Vec<&Order>> = HashMap::new();
    for order in shop.orders.values() {
        by.entry(order.customer.as_str()).or_default().push(order);
    }
    for list in by.values_mut() {
        list.sort_by_key(|o| o.placed_at);
    }
    by
}

fn check_behaviour(shop: &Shop) {
    let n = shop.customers.len();
    let now = shop.now;
    let by = orders_by_customer(shop);
    let buyers = by.len();
    let last = |l: &Vec<&Order>| l.last().unwrap().placed_at;
    assert_within("prospect share", share(n - buyers, n), 0.18, 0.32);
    let one_time = by.values().filter(|l| l.len() == 1).count();
    assert_within("one-time share", share(one_time, n), 0.20, 0.36);
    let lapsed = by.values().filter(|l| last(l) < now - 180 * DAY).count();
    assert_within("lapsed share", share(lapsed, n), 0.20, 0.45);
    let active = by.values().filter(|l| last(l) >= now - 90 * DAY).count();
    assert_within(
        "active (ordered in 90 days) share",
        share(active, n),
        0.20,
        0.45,
    );
    let new = by
        .values()
        .filter(|l| l[0].placed_at >= now - 30 * DAY)
        .count();
    assert_within(
        "first order within 30 days share",
        share(new, n),
        0.03,
        0.15,
    );
    assert_within("orders per customer", share(shop.orders.len(), n), 4.0, 7.5);
    let frequent = by.values().filter(|l| l.len() >= 20).count();
    assert!(frequent >= 10, "a long tail of frequent buyers: {frequent}");
    let vip = by
        .values()
        .filter(|l| {
            l.iter()
                .filter(|o| o.placed_at >= now - 365 * DAY)
                .map(|o| o.total)
                .sum::<i64>()
                > 100_000
        })
        .count();
    assert_within("spent > 1000 in a year share", share(vip, n), 0.03, 0.30);
    // Price-sensitive buyers: most of their orders are discounted.
    let repeat: Vec<_> = by.values().filter(|l| l.len() >= 2).collect();
    let sensitive = repeat
        .iter()
        .filter(|l| l.iter().filter(|o| o.discount > 0).count() * 2 > l.len())
        .count();
    assert_within(
        "price-sensitive share of repeat buyers",
        share(sensitive, repeat.len()),
        0.07,
        0.25,
    );
    let discounted = shop.orders.values().filter(|o| o.discount > 0).count();
    assert_within(
        "discounted order share",
        share(discounted, shop.orders.len()),
        0.05,
        0.30,
    );
    let holiday = shop
        .orders
        .values()
        .filter(|o| {
            let month = chrono::DateTime::from_timestamp(o.placed_at, 0)
                .unwrap()
                .month();
            month >= 11
        })
        .count();
    // Two months of twelve would be 0.167 without a season.
    assert_within(
        "November/December order share",
        share(holiday, shop.orders.len()),
        0.18,
        0.30,
    );
}

fn check_events(shop: &Shop) {
    let n = shop.customers.len();
    let now = shop.now;
    let by = orders_by_customer(shop);
    let mut abandoned_day = HashSet::new();
    let mut abandoned_hour = HashSet::new();
    let mut high_value = 0;
    for e in &shop.events {
        if e.kind != "checkout_started" || e.at < now - DAY {
            continue;
        }
        let value = e.value.unwrap();
        let bought_after = by
            .get(e.customer.as_str())
            .is_some_and(|l| l.iter().any(|o| o.placed_at >= e.at));
        if !bought_after {
            abandoned_day.insert(e.customer.as_str());
            if e.at >= now - 3_600 {
                abandoned_hour.insert(e.customer.as_str());
            }
            if value > 10_000 {
                high_value += 1;
            }
        }
    }
    assert_within(
        "abandoned cart in 24h share",
        share(abandoned_day.len(), n),
        0.02,
        0.10,
    );
    assert!(
        !abandoned_hour.is_empty(),
        "some carts were abandoned in the last hour"
    );
    assert!(
        high_value >= 3,
        "some abandoned carts are worth over 100: {high_value}"
    );
    let browsers: HashSet<&str> = shop
        .events
        .iter()
        .filter(|e| e.kind == "product_viewed")
        .map(|e| e.customer.as_str())
        .collect();
    let browse_only = shop.customers.iter().filter(|c| {
        let id = c["customer_id"].as_str();
        browsers.contains(id) && !by.contains_key(id)
    });
    assert!(
        browse_only.count() >= 30,
        "prospects who browse but never buy"
    );
    for kind in [
        "page_viewed",
        "product_viewed",
        "checkout_started",
        "email_opened",
        "email_clicked",
    ] {
        assert!(
            shop.events.iter().filter(|e| e.kind == kind).count() >= 20,
            "events of type {kind}"
        );
    }
    assert_within(
        "events per customer",
        share(shop.events.len(), n),
        2.0,
        10.0,
    );
}

fn check_consistency(shop: &Shop) {
    let created: HashMap<&str, i64> = shop
        .customers
        .iter()
        .map(|c| (c["customer_id"].as_str(), secs(&c["created_at"])))
        .collect();
    let emails: HashSet<&str> = shop.customers.iter().map(|c| c["email"].as_str()).collect();
    assert_eq!(emails.len(), shop.customers.len(), "emails are unique");
    for (id, order) in &shop.orders {
        let lines = shop
            .line_sums
            .get(id)
            .copied()
            .unwrap_or_else(|| panic!("order {id} has no items"));
        assert_eq!(order.total, lines - order.discount, "total of {id}");
        assert!(order.discount >= 0 && order.total > 0);
        assert!(order.placed_at >= created[order.customer.as_str()] && order.placed_at <= shop.now);
    }
    assert_eq!(
        shop.line_sums.len(),
        shop.orders.len(),
        "items only reference known orders"
    );
    for e in &shop.events {
        assert!(created.contains_key(e.customer.as_str()));
        assert!(e.at <= shop.now, "event after now");
    }
    assert!(shop.products.values().all(|&p| p > 0));
}

#[test]
fn a_thousand_customers_hold_every_example_segment() {
    for (seed, now) in [(1, NOWS[0]), (2, NOWS[0]), (3, NOWS[1])] {
        let shop = generate(1_000, seed, now);
        check_behaviour(&shop);
        check_events(&shop);
        check_consistency(&shop);
    }
}
