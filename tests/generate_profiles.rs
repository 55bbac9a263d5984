//! The generated customers and catalogue read as a real shop's would: demographics, places
//! with matching time zones, the tag and attribute vocabulary, and items and events that point
//! at real products at their real prices.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use segflow::generate::{generate_shop, GenerateOptions};

const DAY: i64 = 86_400;
/// Two evaluation times in different seasons: 2025-11-15 12:00 and 2026-06-01 08:30 UTC.
const NOWS: [i64; 2] = [1_763_208_000_000, 1_780_302_600_000];

/// The customers of a generated shop, read back as the importer would, and its `now` in seconds.
struct Shop {
    now: i64,
    customers: Vec<HashMap<String, String>>,
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
fn check_profiles(shop: &Shop) {
    let n = shop.customers.len();
    let field =
        |name: &str, value: &str| shop.customers.iter().filter(|c| c[name] == value).count();
    let mut months = [0usize; 12];
    let mut ages = Vec::new();
    let today = chrono::DateTime::from_timestamp(shop.now, 0)
        .unwrap()
        .date_naive();
    for c in &shop.customers {
        if !c["birthday"].is_empty() {
            let birthday = NaiveDate::parse_from_str(&c["birthday"], "%Y-%m-%d").unwrap();
            months[birthday.month0() as usize] += 1;
            ages.push(today.years_since(birthday).unwrap());
        }
    }
    assert_within("birthday share", share(ages.len(), n), 0.78, 0.92);
    assert!(
        months.iter().all(|&m| m >= 30),
        "birthdays in every month: {months:?}"
    );
    assert!(ages.iter().all(|a| (18..=80).contains(a)), "ages 18 to 80");
    let core = ages.iter().filter(|a| (25..=45).contains(*a)).count();
    assert_within("aged 25-45 share", share(core, ages.len()), 0.5, 0.8);
    assert_within("no gender share", share(field("gender", ""), n), 0.02, 0.09);
    for gender in ["female", "male", "non-binary"] {
        assert!(field("gender", gender) >= 10, "gender {gender}");
    }
    assert_within(
        "accepts marketing share",
        share(field("accepts_marketing", "true"), n),
        0.62,
        0.78,
    );
    assert_eq!(
        field("accepts_marketing", "true") + field("accepts_marketing", "false"),
        n
    );
    for country in ["US", "CA", "GB", "DE", "FR", "NL", "AU"] {
        assert!(field("country", country) >= 20, "customers in {country}");
    }
    assert!(field("country", "US") > field("country", "GB"));
    let zones: HashMap<&str, &[&str]> = HashMap::from([
        ("US", &["America/"][..]),
        ("CA", &["America/"][..]),
        ("GB", &["Europe/London"][..]),
        ("DE", &["Europe/Berlin"][..]),
        ("FR", &["Europe/Paris"][..]),
        ("NL", &["Europe/Amsterdam"][..]),
        ("AU", &["Australia/"][..]),
    ]);
    let tags = [
        "vegan",
        "eco-conscious",
        "runner",
        "yoga",
        "parent",
        "gift-buyer",
        "wholesale",
        "newsletter",
    ];
    let mut tag_counts: HashMap<&str, usize> = HashMap::new();
    for c in &shop.customers {
        let prefixes = zones[c["country"].as_str()];
        assert!(
            prefixes.iter().any(|p| c["timezone"].starts_with(p)),
            "{} in {}",
            c["timezone"],
            c["country"]
        );
        assert!(!c["city"].is_empty() && !c["zip"].is_empty() && !c["region"].is_empty());
        for tag in c["tags"].split(',').filter(|t| !t.is_empty()) {
            assert!(tags.contains(&tag), "unknown tag {tag}");
            *tag_counts.entry(tag).or_default() += 1;
        }
        for (name, vocab) in [
            (
                "attr.values",
                &["sustainability", "local", "quality", "price", "design"],
            ),
            (
                "attr.interests",
                &["running", "yoga", "hiking", "fashion", "home"],
            ),
        ] {
            if c[name].is_empty() {
                continue;
            }
            let list: Vec<String> = serde_json::from_str(&c[name]).unwrap();
            assert!(
                !list.is_empty() && list.iter().all(|v| vocab.contains(&v.as_str())),
                "{name} {list:?}"
            );
        }
        if !c["attr.nps"].is_empty() {
            assert!(c["attr.nps"].parse::<u8>().unwrap() <= 10);
        }
        assert!(["", "bronze", "silver", "gold"].contains(&c["attr.loyalty_tier"].as_str()));
        assert!(
            secs(&c["created_at"]) < shop.now && secs(&c["created_at"]) >= shop.now - 4 * 366 * DAY
        );
    }
    assert!(
        tags.iter()
            .all(|t| tag_counts.get(t).copied().unwrap_or(0) >= 5),
        "{tag_counts:?}"
    );
    let nps = shop
        .customers
        .iter()
        .filter(|c| !c["attr.nps"].is_empty())
        .count();
    assert_within("nps share", share(nps, n), 0.32, 0.48);
    let recent = shop
        .customers
        .iter()
        .filter(|c| secs(&c["created_at"]) >= shop.now - 365 * DAY)
        .count();
    assert!(
        share(recent, n) > 0.3,
        "sign-ups are denser in the last year"
    );
    for tier in ["bronze", "silver", "gold"] {
        assert!(
            field("attr.loyalty_tier", tier) >= 10,
            "loyalty tier {tier}"
        );
    }
}

#[test]
fn customers_look_like_a_real_shops() {
    for (seed, now_ms) in [(1, NOWS[0]), (4, NOWS[1])] {
        let tmp = tempfile::tempdir().unwrap();
        let opts = GenerateOptions {
            customers: 1_000,
            seed,
            now: now_ms,
        };
        generate_shop(&opts, tmp.path()).unwrap();
        let shop = Shop {
            now: now_ms / 1000,
            customers: rows(&tmp.path().join("customers.csv")),
        };
        check_profiles(&shop);
    }
}

#[test]
fn items_and_events_reference_known_products() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        customers: 400,
        seed: 9,
        now: NOWS[0],
    };
    generate_shop(&opts, tmp.path()).unwrap();
    let products: HashMap<String, HashMap<String, String>> = rows(&tmp.path().join("products.csv"))
        .into_iter()
        .map(|p| (p["product_id"].clone(), p))
        .collect();
    let mut per_order: HashMap<String, usize> = HashMap::new();
    for item in rows(&tmp.path().join("items.csv")) {
        let product = &products[&item["product_id"]];
        assert_eq!(
            item["price"], product["price"],
            "an item is sold at its product's price"
        );
        *per_order.entry(item["order_id"].clone()).or_default() += 1;
    }
    let mean = share(per_order.values().sum(), per_order.len());
    assert_within("items per order", mean, 1.4, 2.1);
    for e in rows(&tmp.path().join("events.csv")) {
        match e["type"].as_str() {
            "product_viewed" => {
                let product = &products[&e["prop.product_id"]];
                assert_eq!(e["prop.category"], product["category"]);
                assert_eq!(e["prop.value"], product["price"]);
            }
            "page_viewed" => assert!(e["prop.url"].starts_with('/')),
            "checkout_started" => {
                // The cart's products, one entry per unit, add up to its value, so a cart
                // reminder can list the lines of what the total says.
                let ids: Vec<String> = serde_json::from_str(&e["prop.product_ids"]).unwrap();
                let sum: i64 = ids.iter().map(|p| cents(&products[p]["price"])).sum();
                assert_eq!(sum, cents(&e["prop.value"]), "{e:?}");
                assert!(sum > 0);
            }
            "email_opened" | "email_clicked" => assert!(!e["prop.campaign"].is_empty()),
            other => panic!("unknown event type {other}"),
        }
    }
    let categories: HashSet<&str> = products.values().map(|p| p["category"].as_str()).collect();
    for category in [
        "running shoes",
        "apparel",
        "accessories",
        "yoga",
        "outdoor",
        "home",
        "gift cards",
        "eco",
    ] {
        assert!(categories.contains(category), "category {category}");
    }
    for p in products.values().filter(|p| p["category"] == "eco") {
        assert!(
            p["tags"].split(',').any(|t| t == "sustainable"),
            "eco products are sustainable"
        );
    }
}
