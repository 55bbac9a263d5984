//! Shopify webhooks of API 2025-01 and later (payloads shaped like the 2026-04 documentation):
//! a customer without `tags` or `email_marketing_consent` keeps what the store knows, consent
//! arrives on `customers/email_marketing_consent_update`, an order's `buyer_accepts_marketing`
//! grants it, 64-bit ids above 2^53 stay exact, and a redelivery (same `X-Shopify-Webhook-Id`)
//! is stored once: in a real store, and through the real daemon, signed as Shopify signs.

mod daemon_support;
mod import_support;

use std::path::PathBuf;
use std::time::Duration;

use daemon_support::*;
use import_support::Store;
use segflow::ingest::shopify::{map_webhook, write};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/shopify/2026-04")
        .join(name)
}

fn deliver(conn: &mut rusqlite::Connection, topic: &str, body: &[u8]) {
    let items = map_webhook(topic, body).unwrap();
    let tx = conn.transaction().unwrap();
    for item in &items {
        write(&tx, item, 1_790_000_000_000).unwrap();
    }
    tx.commit().unwrap();
}

fn customer(conn: &rusqlite::Connection, id: &str) -> (Option<bool>, String, Option<String>) {
    conn.query_row(
        "SELECT accepts_marketing, tags, last_name FROM customers WHERE external_id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

/// The customer as an older API version sent it: with tags and consent.
const MAYA_2024: &str = r#"{"id": 820982911946154508, "email": "maya.okafor@example.net",
  "first_name": "Maya", "last_name": "Smith", "tags": "vip, runner",
  "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"}}"#;

#[test]
fn payloads_without_consent_or_tags_keep_what_the_store_knows() {
    let mut store = Store::new();
    let conn = &mut store.conn;
    deliver(conn, "customers/create", MAYA_2024.as_bytes());
    let maya = "820982911946154508";
    assert_eq!(
        customer(conn, maya),
        (
            Some(true),
            r#"["vip","runner"]"#.into(),
            Some("Smith".into())
        )
    );
    // The 2026-04 update carries neither tags nor consent: both stay, the new name is taken.
    deliver(
        conn,
        "customers/update",
        &std::fs::read(fixture("customers_update.json")).unwrap(),
    );
    assert_eq!(
        customer(conn, maya),
        (
            Some(true),
            r#"["vip","runner"]"#.into(),
            Some("Okafor".into())
        )
    );
    // The unsubscribe made in Shopify arrives on its own topic.
    deliver(
        conn,
        "customers/email_marketing_consent_update",
        &std::fs::read(fixture("email_marketing_consent_update.json")).unwrap(),
    );
    assert_eq!(customer(conn, maya).0, Some(false));

    // An order whose buyer ticked "email me", by a customer whose id is 2^53 + 1 (a float
    // would make it ...992).
    deliver(
        conn,
        "orders/create",
        &std::fs::read(fixture("orders_create.json")).unwrap(),
    );
    let (accepts, _, last) = customer(conn, "9007199254740993");
    assert_eq!((accepts, last.as_deref()), (Some(true), Some("Reyes")));
    let orders: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer
             WHERE c.external_id = '9007199254740993' AND o.external_id = '#5120' AND o.total = 12990",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orders, 1);
}

#[test]
fn unknown_consent_states_change_nothing_and_not_ticking_the_box_keeps_a_subscription() {
    let mut store = Store::new();
    let conn = &mut store.conn;
    deliver(conn, "customers/create", MAYA_2024.as_bytes());
    let odd = r#"{"customer_id": 820982911946154508, "email_address": "maya.okafor@example.net",
      "email_marketing_consent": {"state": "example string"}}"#;
    deliver(
        conn,
        "customers/email_marketing_consent_update",
        odd.as_bytes(),
    );
    assert_eq!(customer(conn, "820982911946154508").0, Some(true));
    let order = std::fs::read_to_string(fixture("orders_create.json"))
        .unwrap()
        .replace("9007199254740993", "820982911946154508")
        .replace(
            r#""buyer_accepts_marketing": true"#,
            r#""buyer_accepts_marketing": false"#,
        );
    deliver(conn, "orders/create", order.as_bytes());
    assert_eq!(customer(conn, "820982911946154508").0, Some(true));
}

#[test]
fn through_the_daemon_a_redelivery_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let post = |topic: &str, webhook_id: &str, body: &str| {
        let file = dir.path().join("body.json");
        std::fs::write(&file, body).unwrap();
        let sig = shopify_signature(&file);
        daemon.request(
            "POST",
            "/webhooks/shopify",
            &[
                ("X-Shopify-Topic", topic),
                ("X-Shopify-Shop-Domain", "acme.myshopify.com"),
                ("X-Shopify-Webhook-Id", webhook_id),
                ("X-Shopify-API-Version", "2026-04"),
                ("X-Shopify-Hmac-Sha256", &sig),
            ],
            body.as_bytes(),
        )
    };
    let update = std::fs::read_to_string(fixture("customers_update.json")).unwrap();
    let r = post("customers/update", "w-1", &update);
    assert_eq!(r.status, 200, "{}", r.body);
    let unsubscribe =
        std::fs::read_to_string(fixture("email_marketing_consent_update.json")).unwrap();
    let subscribe = unsubscribe.replace(r#""state": "unsubscribed""#, r#""state": "subscribed""#);
    assert_eq!(post(CONSENT, "w-2", &unsubscribe).status, 200);
    assert_eq!(post(CONSENT, "w-3", &subscribe).status, 200);
    // Shopify retries w-2 after w-3 was stored: acknowledged, and the newer consent stays.
    let r = post(CONSENT, "w-2", &unsubscribe);
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    let db = store(dir.path());
    let accepts = || {
        db.query_row(
            "SELECT accepts_marketing FROM customers WHERE external_id = '820982911946154508'",
            [],
            |r| r.get::<_, Option<bool>>(0),
        )
        .unwrap()
    };
    assert_eq!(accepts(), Some(true));
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM shopify_deliveries"),
        3,
        "w-1, w-2 and w-3 once each"
    );
    assert!(wait_until(Duration::from_secs(5), || daemon
        .log_text()
        .contains(
            "a redelivered Shopify webhook was acknowledged and not stored again"
        )));
}

const CONSENT: &str = "customers/email_marketing_consent_update";
