//! The demo's live days from the generator: after `now` and in time order, the same for a
//! seed, leaving the shop before `now` byte-identical, with sign-ups before their own
//! activity and checkouts that carry their value and products.

use std::collections::HashSet;
use std::fs;

use segflow::generate::{generate_live_shop, generate_shop, GenerateOptions};
use segflow::ingest::Ingest;

const NOW: i64 = 1_763_208_000_000; // 2025-11-15 12:00:00 UTC
const DAY: i64 = 86_400_000;

fn opts() -> GenerateOptions {
    GenerateOptions {
        customers: 400,
        seed: 9,
        now: NOW,
    }
}

#[test]
fn the_live_days_follow_now_and_leave_the_past_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let (past, live_dir) = (tmp.path().join("past"), tmp.path().join("live"));
    generate_shop(&opts(), &past).unwrap();
    let (_, live) = generate_live_shop(&opts(), 14, &live_dir).unwrap();
    for file in ["customers.csv", "orders.csv", "items.csv", "events.csv"] {
        assert_eq!(
            fs::read(past.join(file)).unwrap(),
            fs::read(live_dir.join(file)).unwrap(),
            "{file}"
        );
    }
    assert_eq!((live.start, live.end), (NOW, NOW + 14 * DAY));
    assert!(live.items.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(live
        .items
        .iter()
        .all(|i| i.at > NOW && i.at <= NOW + 14 * DAY));

    // Existing customers are C0000001..=C0000400; a new one signs up before anything of theirs.
    let mut known: HashSet<String> = (1..=400).map(|n| format!("C{n:07}")).collect();
    let (mut signups, mut orders, mut checkouts) = (0, 0, 0);
    for item in &live.items {
        let customer = match &item.item {
            Ingest::Customer(c) => {
                signups += 1;
                assert!(item.wakes);
                known.insert(c.id.clone());
                continue;
            }
            Ingest::Order(o) => {
                orders += 1;
                assert!(o.id.starts_with("OL"), "{}", o.id);
                assert!(!o.items.is_empty());
                &o.customer_id
            }
            Ingest::Event(e) => {
                if e.event_type == "checkout_started" {
                    checkouts += 1;
                    assert!(item.wakes);
                    assert!(e.properties["value"].as_f64().unwrap() > 0.0);
                    assert!(!e.properties["product_ids"].as_array().unwrap().is_empty());
                }
                &e.customer_id
            }
        };
        assert!(known.contains(customer), "{customer} before its sign-up");
    }
    // 0.39% of 400 a day over 14 days, and a shop that buys and leaves carts.
    assert_eq!(signups, 22);
    assert!(orders > 20, "{orders} orders");
    assert!(
        checkouts > orders,
        "{checkouts} checkouts for {orders} orders"
    );

    let (_, again) = generate_live_shop(&opts(), 14, &tmp.path().join("again")).unwrap();
    assert_eq!(live.items, again.items);
}
