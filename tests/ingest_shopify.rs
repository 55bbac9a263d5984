//! Shopify webhooks: the signature checked the way Shopify documents it, each topic's body
//! mapped onto the ingestion shapes, and written into a real store with the same identities as
//! the Shopify CSV import.

mod import_support;

use std::path::PathBuf;
use std::process::Command;

use import_support::Store;
use segflow::ingest::shopify::{map_webhook, verify_webhook, write, Ingest};
use segflow::ingest::{CustomerIn, EventIn, ItemIn, Money, OrderIn, Time};
use segflow::store::import::ImportKind;
use serde_json::json;

const SECRET: &str = "hush-a-shopify-webhook-secret";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).unwrap()
}

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/shopify")
        .join(name)
}

/// Unix ms of an RFC 3339 time, computed by chrono rather than by the code under test.
fn ms(rfc3339: &str) -> Time {
    Time(
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_millis(),
    )
}

/// The header as Shopify's documentation computes it:
/// `openssl dgst -sha256 -hmac SECRET -binary BODY | openssl base64`.
fn openssl_header(secret: &str, file: &std::path::Path) -> String {
    let out = Command::new("sh")
        .args([
            "-c",
            "openssl dgst -sha256 -hmac \"$1\" -binary \"$2\" | openssl base64 -A",
            "sh",
            secret,
            file.to_str().unwrap(),
        ])
        .output()
        .expect("openssl is needed to reproduce Shopify's documented signature");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn the_documented_signature_verifies_and_tampering_does_not() {
    for name in [
        "orders_create.json",
        "checkouts_create.json",
        "customers_create.json",
    ] {
        let body = fixture(name);
        let header = openssl_header(SECRET, &path(name));
        assert_eq!(header.len(), 44, "base64 of 32 bytes");
        assert!(
            verify_webhook(SECRET.as_bytes(), &body, Some(&header)),
            "{name}"
        );

        let mut tampered = body.clone();
        let at = tampered.iter().position(|&b| b == b'0').unwrap();
        tampered[at] = b'1';
        assert!(!verify_webhook(SECRET.as_bytes(), &tampered, Some(&header)));
        let mut longer = body.clone();
        longer.push(b'\n');
        assert!(!verify_webhook(SECRET.as_bytes(), &longer, Some(&header)));

        let flipped: String = header
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 5 {
                    if c == 'A' {
                        'B'
                    } else {
                        'A'
                    }
                } else {
                    c
                }
            })
            .collect();
        assert!(!verify_webhook(SECRET.as_bytes(), &body, Some(&flipped)));
        assert!(!verify_webhook(SECRET.as_bytes(), &body, None));
        assert!(!verify_webhook(SECRET.as_bytes(), &body, Some("")));
        assert!(!verify_webhook(
            SECRET.as_bytes(),
            &body,
            Some("not base64!")
        ));
        assert!(!verify_webhook(
            SECRET.as_bytes(),
            &body,
            Some(&header[..20])
        ));
        assert!(!verify_webhook(b"another-secret", &body, Some(&header)));
        assert!(!verify_webhook(b"", &body, Some(&header)));
    }
}

fn john(id: &str) -> CustomerIn {
    CustomerIn {
        id: id.into(),
        email: Some("john@example.com".into()),
        first_name: Some("John".into()),
        last_name: Some("Smith".into()),
        accepts_marketing: Some(false),
        tags: Some(vec![]),
        city: Some("Ottawa".into()),
        region: Some("ON".into()),
        country: Some("CA".into()),
        zip: Some("K2H7A8".into()),
        ..CustomerIn::default()
    }
}

#[test]
fn an_order_maps_to_its_customer_and_lines() {
    let got = map_webhook("orders/create", &fixture("orders_create.json")).unwrap();
    let item = |product: &str, quantity, cents, title: &str| ItemIn {
        product_id: product.into(),
        quantity,
        price: Money(cents),
        title: Some(title.into()),
        category: None,
    };
    assert_eq!(
        got,
        [
            Ingest::Customer(john("115310627314723954")),
            Ingest::Order(OrderIn {
                id: "#9999".into(),
                customer_id: "115310627314723954".into(),
                placed_at: ms("2022-01-01T00:00:00Z"),
                total: Money(38_800),
                discount: Some(Money(2_000)),
                status: Some("voided".into()),
                channel: Some("web".into()),
                currency: Some("USD".into()),
                refunded: Some(Money(0)),
                cancelled_at: None,
                items: vec![
                    item("IPOD2008PINK", 1, 19_900, "IPod Nano - 8GB"),
                    // An empty sku keys the product by its name, as the CSV import does.
                    item(
                        "IPod Nano - 8GB - green",
                        2,
                        9_950,
                        "IPod Nano - 8GB - green"
                    ),
                ],
            })
        ]
    );
}

#[test]
fn a_checkout_becomes_checkout_started() {
    let got = map_webhook("checkouts/create", &fixture("checkouts_create.json")).unwrap();
    let mut properties = serde_json::Map::new();
    for (k, v) in [
        ("checkout_token", json!("123123123")),
        ("value", json!(398.0)),
        ("total_price", json!(398.0)),
        ("currency", json!("USD")),
        (
            "abandoned_checkout_url",
            json!("https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token"),
        ),
        ("item_count", json!(2)),
        ("product_ids", json!(["IPOD2008PINK", "IPOD2008BLACK"])),
        (
            "items",
            json!([
                {"product_id": "IPOD2008PINK", "title": "IPod Nano - 8GB", "quantity": 1, "price": 199.0},
                {"product_id": "IPOD2008BLACK", "title": "IPod Nano - 8GB", "quantity": 1, "price": 199.0}
            ]),
        ),
    ] {
        properties.insert(k.into(), v);
    }
    assert_eq!(
        got,
        [
            Ingest::Customer(john("603851970716743426")),
            Ingest::Event(EventIn {
                id: Some("shopify-checkout:123123123".into()),
                event_type: "checkout_started".into(),
                customer_id: "603851970716743426".into(),
                occurred_at: Some(ms("2021-12-31T19:00:00-05:00")),
                properties,
            })
        ]
    );
}

#[test]
fn customers_create_and_update_map_consent_tags_and_address() {
    let created = map_webhook("customers/create", &fixture("customers_create.json")).unwrap();
    let bob = CustomerIn {
        id: "706405506930370084".into(),
        email: Some("bob@biller.com".into()),
        first_name: Some("Bob".into()),
        last_name: Some("Biller".into()),
        created_at: Some(ms("2022-01-01T00:00:00Z")),
        accepts_marketing: Some(true),
        tags: Some(vec!["vip".into(), "newsletter".into()]),
        city: Some("Ottawa".into()),
        region: Some("ON".into()),
        country: Some("CA".into()),
        zip: Some("K2P 2L8".into()),
        ..CustomerIn::default()
    };
    assert_eq!(created, [Ingest::Customer(bob.clone())]);
    let updated = map_webhook("customers/update", &fixture("customers_update.json")).unwrap();
    assert_eq!(
        updated,
        [Ingest::Customer(CustomerIn {
            accepts_marketing: Some(false),
            tags: Some(vec!["vip".into()]),
            city: Some("Toronto".into()),
            zip: Some("M5H 2N2".into()),
            ..bob
        })]
    );
    // The older `accepts_marketing` flag counts when there is no consent object.
    let legacy = map_webhook(
        "customers/update",
        br#"{"id": 5, "email": "x@y.test", "accepts_marketing": true}"#,
    )
    .unwrap();
    let Ingest::Customer(c) = &legacy[0] else {
        panic!("{legacy:?}")
    };
    assert_eq!((c.accepts_marketing, &c.tags), (Some(true), &None));
}

#[test]
fn unknown_topics_are_ignored_and_malformed_bodies_name_the_field() {
    assert_eq!(map_webhook("products/create", b"{\"id\": 1}").unwrap(), []);
    assert_eq!(map_webhook("app/uninstalled", b"not json").unwrap(), []);
    let cases: [(&str, &[u8], &str); 7] = [
        ("orders/create", br#"{"id":1,"created_at":"2024-01-01","total_price":"1.00","email":"a@b.c","line_items":[{"price":"abc","sku":"s"}]}"#, "line_items[0].price"),
        ("orders/create", br#"{"id":1,"created_at":"yesterday","total_price":"1.00"}"#, "created_at"),
        ("orders/create", br#"{"id":true,"created_at":"2024-01-01","total_price":"1.00"}"#, "id"),
        ("orders/create", br#"{"id":1,"created_at":"2024-01-01","total_price":"1.00","email":"a@b.c","line_items":[{"price":"1.00","sku":"","name":null}]}"#, "line_items[0].sku"),
        ("customers/create", br#"{"id":7,"email":"no-at-sign"}"#, "email"),
        ("orders/create", br#"{"id":1,"created_at":"2024-01-01","total_price":"1.00","customer":{"id":2,"email":"bad"}}"#, "customer.email"),
        ("checkouts/create", br#"{"email":"a@b.c"}"#, ""),
    ];
    for (topic, body, field) in cases {
        let e = map_webhook(topic, body).unwrap_err();
        assert_eq!(e.field, field, "{topic}: {e}");
        assert!(!e.message.is_empty());
    }
    let missing = map_webhook("checkouts/create", br#"{"email":"a@b.c"}"#).unwrap_err();
    assert!(missing.message.contains("token"), "{missing}");
    assert!(map_webhook("customers/create", b"[1,").is_err());
    // Nothing to attribute a guest checkout without an email to: ignored, not refused.
    assert_eq!(
        map_webhook("checkouts/create", br#"{"token":"t1"}"#).unwrap(),
        []
    );
}

fn deliver(store: &mut Store, topic: &str, body: &[u8], now: i64) {
    let items = map_webhook(topic, body).unwrap();
    let tx = store.conn.transaction().unwrap();
    for item in &items {
        write(&tx, item, now).unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn webhooks_write_the_expected_rows() {
    let mut store = Store::new();
    let now = ms("2024-05-01T00:00:00Z").0;
    deliver(
        &mut store,
        "customers/create",
        &fixture("customers_create.json"),
        now,
    );
    deliver(
        &mut store,
        "customers/update",
        &fixture("customers_update.json"),
        now,
    );
    deliver(
        &mut store,
        "orders/create",
        &fixture("orders_create.json"),
        now,
    );
    deliver(
        &mut store,
        "orders/create",
        &fixture("orders_create.json"),
        now,
    );
    for _ in 0..2 {
        deliver(
            &mut store,
            "checkouts/create",
            &fixture("checkouts_create.json"),
            now,
        );
    }
    assert_eq!(
        store.rows("SELECT external_id, email, first_name, accepts_marketing, city, region, country, zip, tags, created_at FROM customers ORDER BY id"),
        [
            format!("706405506930370084|bob@biller.com|Bob|0|Toronto|ON|CA|M5H 2N2|[\"vip\"]|{}", ms("2022-01-01T00:00:00Z").0),
            "115310627314723954|john@example.com|John|0|Ottawa|ON|CA|K2H7A8|[]|-".to_string(),
            "603851970716743426|john@example.com|John|0|Ottawa|ON|CA|K2H7A8|[]|-".to_string(),
        ]
    );
    assert_eq!(
        store.rows("SELECT o.external_id, c.external_id, o.placed_at, o.total, o.discount, o.status, o.channel, o.currency FROM orders o JOIN customers c ON c.id = o.customer"),
        [format!("#9999|115310627314723954|{}|38800|2000|voided|web|USD", ms("2022-01-01T00:00:00Z").0)]
    );
    assert_eq!(
        store.rows("SELECT p.external_id, p.title, i.quantity, i.price FROM order_items i JOIN products p ON p.id = i.product ORDER BY i.id"),
        [
            "IPOD2008PINK|IPod Nano - 8GB|1|19900",
            "IPod Nano - 8GB - green|IPod Nano - 8GB - green|2|9950"
        ],
        "a redelivered order replaces its lines"
    );
    assert_eq!(
        store.rows("SELECT c.external_id, e.type, e.occurred_at, json_extract(e.properties, '$.total_price'), json_extract(e.properties, '$.item_count') FROM events e JOIN customers c ON c.id = e.customer"),
        [format!("603851970716743426|checkout_started|{}|398|2", ms("2022-01-01T00:00:00Z").0)],
        "a redelivered checkout is stored once"
    );
}

#[test]
fn webhooks_reach_the_customers_of_a_shopify_csv_import() {
    let mut store = Store::new();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    store
        .import(ImportKind::Orders, &dir.join("shopify_orders.csv"))
        .unwrap();
    // The orders export keys a customer by lower-cased email; a webhook carrying Shopify's
    // customer id adopts that row, as the customers export does.
    let before = store.int("SELECT id FROM customers WHERE external_id = 'ada@example.com'");
    let ada =
        br#"{"id": 7010259566818, "email": "Ada@example.com", "first_name": "Ada", "tags": "vip"}"#;
    deliver(&mut store, "customers/update", ada, 0);
    assert_eq!(
        store.rows(&format!(
            "SELECT external_id, first_name FROM customers WHERE id = {before}"
        )),
        ["7010259566818|Ada"]
    );
    // Importing the customers export afterwards finds the same row.
    store
        .import(ImportKind::Customers, &dir.join("shopify_customers.csv"))
        .unwrap();
    assert_eq!(
        store.int("SELECT COUNT(*) FROM customers WHERE email LIKE 'ada@%'"),
        1
    );
    // A guest order goes to the customer with that email, whatever its key.
    let grace = store.int("SELECT id FROM customers WHERE lower(email) = 'grace@example.com'");
    let customers = store.int("SELECT COUNT(*) FROM customers");
    deliver(
        &mut store,
        "orders/create",
        &fixture("orders_create_guest.json"),
        0,
    );
    assert_eq!(store.int("SELECT COUNT(*) FROM customers"), customers);
    assert_eq!(
        store.rows(
            "SELECT customer, total, currency, channel FROM orders WHERE external_id = '#1004'"
        ),
        [format!("{grace}|3000|EUR|pos")]
    );
    // A guest with an unknown email becomes a customer keyed by the lower-cased email.
    let guest = String::from_utf8(fixture("orders_create_guest.json"))
        .unwrap()
        .replace("Grace@Example.com", "New.Guest@Example.com")
        .replace("#1004", "#1005");
    deliver(&mut store, "orders/create", guest.as_bytes(), 0);
    assert_eq!(
        store.rows("SELECT c.external_id, c.email FROM orders o JOIN customers c ON c.id = o.customer WHERE o.external_id = '#1005'"),
        ["new.guest@example.com|New.Guest@Example.com"]
    );
}
