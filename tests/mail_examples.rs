//! Every example template in workflows/templates/, rendered for a known customer, order and
//! checkout as a customer would read it: the amounts in the shop's currency (a 270.90 cart
//! says 270.90 USD), the customer's name and every item line, in both the text and HTML parts.

mod workflow_support;

use rusqlite::{params, Connection};
use segflow::config::ShopConfig;
use segflow::mail::{Templates, UnsubscribeSigner};
use segflow::policy::PolicyConfig;
use segflow::workflow::{DispatchSettings, OutboxDispatcher, SendRequest};
use serde_json::json;
use workflow_support::*;

fn product(conn: &Connection, id: &str, title: &str, cents: i64) -> i64 {
    conn.execute(
        "INSERT INTO products (external_id, title, category, price) VALUES (?1, ?2, 'outdoor', ?3)",
        params![id, title, cents],
    )
    .unwrap();
    conn.last_insert_rowid()
}

fn order_with(conn: &Connection, customer: i64, id: &str, lines: &[(i64, i64, i64)]) {
    let total: i64 = lines.iter().map(|(_, q, p)| q * p).sum();
    conn.execute(
        "INSERT INTO orders (external_id, customer, placed_at, total, currency) VALUES (?1, ?2, ?3, ?4, 'USD')",
        params![id, customer, T0 - 3 * DAY, total],
    )
    .unwrap();
    let order = conn.last_insert_rowid();
    for (product, quantity, price) in lines {
        conn.execute(
            "INSERT INTO order_items (order_id, product, quantity, price) VALUES (?1, ?2, ?3, ?4)",
            params![order, product, quantity, price],
        )
        .unwrap();
    }
}

/// What each example template must say, in the text and in the HTML part.
fn expected(template: &str) -> &'static [&'static str] {
    const CART: &[&str] = &[
        "1 × Trail Runner: 120.00 USD",
        "1 × Rain Jacket: 89.90 USD",
        "4 × Merino Socks: 61.00 USD",
        "Cart total: 270.90 USD",
    ];
    match template {
        "cart_reminder" | "cart_reminder_2" => CART,
        "cart_reminder_discount" => &[
            "1 × Trail Runner: 120.00 USD",
            "1 × Rain Jacket: 89.90 USD",
            "4 × Merino Socks: 61.00 USD",
            "Cart total: 270.90 USD",
            "CART10",
        ],
        "welcome_1" => &[
            "Thank you for your first order (150.90 USD)",
            "1 × Trail Runner: 120.00 USD",
            "2 × Merino Socks: 30.90 USD",
        ],
        "cross_sell" | "welcome_2" | "winback_offer" => &["Rain Jacket (89.90 USD)"],
        "birthday" => &["BDAY15", "My Shop"],
        "vip_reward" => &["free shipping", "My Shop"],
        "browse_reminder" => &["You had a look at these recently", "Wool Cap (25.00 USD)"],
        other => panic!("the example template {other} has no expectations here; add them"),
    }
}

#[test]
fn every_example_template_states_amounts_names_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let alice = customer(&conn, 1);
    conn.execute(
        "UPDATE customers SET first_name = 'Alice', last_name = 'Moreau' WHERE id = ?1",
        [alice],
    )
    .unwrap();
    let other = customer(&conn, 2);
    let runner = product(&conn, "P1", "Trail Runner", 12_000);
    let socks = product(&conn, "P2", "Merino Socks", 1_525);
    let jacket = product(&conn, "P3", "Rain Jacket", 8_990);
    // Alice bought shoes and socks (the socks at 15.45, less than the catalogue price); the
    // other customer bought shoes with a jacket, so the jacket is Alice's recommendation.
    order_with(
        &conn,
        alice,
        "o1",
        &[(runner, 1, 12_000), (socks, 2, 1_545)],
    );
    order_with(
        &conn,
        other,
        "o2",
        &[(runner, 1, 12_000), (jacket, 1, 8_990)],
    );
    // Alice looked at a cap yesterday, and at the shoes four days ago, the day before she
    // bought them: only the cap is a product she viewed and has not bought since.
    let _cap = product(&conn, "P4", "Wool Cap", 2_500);
    for (product, ago) in [("P4", 24 * HOUR), ("P1", 4 * DAY)] {
        conn.execute(
            "INSERT INTO events (customer, type, occurred_at, properties, dedup_key)
             VALUES (?1, 'product_viewed', ?2, json_object('product_id', ?3), randomblob(16))",
            params![alice, T0 - ago, product],
        )
        .unwrap();
    }
    // The checkout as the API takes it and as the engine hands it to a journey: major units,
    // one line without a title (it comes from the products table) and one without a price
    // (the catalogue price, 15.25, times 4).
    let trigger = json!({
        "id": 7, "type": "checkout_started", "occurred_at": T0 - 2 * HOUR,
        "properties": {
            "value": 270.90,
            "items": [
                {"product_id": "P1", "title": "Trail Runner", "quantity": 1, "price": 120.00},
                {"product_id": "P3", "quantity": 1, "price": "89.90"},
                {"product_id": "P2", "quantity": 4}
            ]
        }
    });
    let templates_dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/templates");
    let templates = Templates::load_dir(&templates_dir, 50_000).unwrap();
    let names: Vec<String> = templates.names().map(String::from).collect();
    assert!(names.len() >= 9, "{names:?}");
    let mut d = OutboxDispatcher::new(
        templates,
        &workflows(&[]),
        DispatchSettings {
            policy: PolicyConfig::default(),
            signer: UnsubscribeSigner::new(b"a test secret of enough bytes").unwrap(),
            unsubscribe_base_url: "https://shop.test".into(),
            message_id_domain: "shop.test".into(),
            shop: ShopConfig::default(),
        },
    )
    .with_tracking(false);
    let tx = conn.transaction().unwrap();
    let mut failures = Vec::new();
    for name in &names {
        let req = SendRequest {
            idempotency_key: SendRequest::key("examples", name, alice, 1),
            workflow: "examples".into(),
            step: name.clone(),
            customer: alice,
            run: 1,
            template: name.clone(),
            subject_override: None,
            trigger_event: Some(trigger.clone()),
            now: T0,
            at: None,
        };
        let msg = d
            .render(&tx, &req)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let email = &msg.email;
        for (part, text) in [("text", &email.text), ("html", &email.html)] {
            for want in expected(name).iter().chain(&["Hi Alice,"]) {
                if !text.contains(want) {
                    failures.push(format!("{name} ({part}) lacks {want:?}:\n{text}"));
                }
            }
            // The old templates divided the cart's value by 100: 2.71 for a 270.90 cart.
            if text.contains("2.71") {
                failures.push(format!("{name} ({part}) says 2.71:\n{text}"));
            }
        }
        assert!(!email.subject.is_empty(), "{name}");
        if name == "browse_reminder" {
            assert_eq!(email.subject, "Still thinking about Wool Cap?");
            assert!(
                !email.text.contains("Trail Runner (120.00 USD)"),
                "{}",
                email.text
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_cart_from_product_ids_takes_titles_and_prices_from_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    product(&conn, "P1", "Trail Runner", 12_000);
    product(&conn, "P3", "Rain Jacket", 8_990);
    let tx = conn.transaction().unwrap();
    // Without `value` the total is the sum of the lines; the event's currency wins.
    // One entry per unit: P1 twice is one line of two.
    let trigger = json!({"properties": {"product_ids": ["P1", "P3", "P1"], "currency": "EUR"}});
    let cart = segflow::workflow::mail_cart::cart(&tx, Some(&trigger), "USD").unwrap();
    assert_eq!(cart["total_minor"], 32_990);
    assert_eq!(cart["currency"], "EUR");
    assert_eq!(cart["item_count"], 3);
    assert_eq!(cart["items"][0]["quantity"], 2);
    assert_eq!(cart["items"][0]["total_minor"], 24_000);
    assert_eq!(cart["items"][1]["title"], "Rain Jacket");
    assert_eq!(cart["items"][1]["price_minor"], 8_990);
    // An event without a cart has none; `value` alone is a cart with a total and no lines.
    let none = json!({"properties": {"page": "/"}});
    assert!(segflow::workflow::mail_cart::cart(&tx, Some(&none), "USD")
        .unwrap()
        .is_null());
    let total = json!({"properties": {"value": 270.9}});
    let cart = segflow::workflow::mail_cart::cart(&tx, Some(&total), "USD").unwrap();
    assert_eq!(
        (cart["total_minor"].clone(), cart["items"].clone()),
        (json!(27_090), json!([]))
    );
}
