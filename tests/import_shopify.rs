//! Shopify exports: both customers layouts and the orders export are recognised and mapped,
//! orders attach to customers by email, and re-importing changes nothing.

mod import_support;

use import_support::{fixture, Store};
use segflow::store::import::{DetectedFormat, ImportError, ImportKind};

#[test]
fn the_newer_customers_export_is_mapped() {
    let mut store = Store::new();
    let summary = store
        .import(ImportKind::Customers, &fixture("shopify_customers.csv"))
        .unwrap();
    assert_eq!(summary.format, DetectedFormat::ShopifyCustomers);
    assert_eq!((summary.inserted, summary.rejected), (2, 0));
    assert!(summary.ignored_columns.contains(&"Total Spent".to_owned()));
    assert_eq!(
        store.rows("SELECT external_id, email, first_name, last_name, accepts_marketing, city, region, country, zip, tags FROM customers ORDER BY id"),
        vec![
            r#"7010259566818|ada@example.com|Ada|Lovelace|1|Boston|MA|US|02134|["vip","newsletter"]"#,
            "7010259599586|grace@example.com|Grace|Hopper|0|Arlington|VA|US|22201|[]",
        ]
    );
    let again = store
        .import(ImportKind::Customers, &fixture("shopify_customers.csv"))
        .unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
}

#[test]
fn the_older_customers_export_is_keyed_by_email() {
    let mut store = Store::new();
    let summary = store
        .import(
            ImportKind::Customers,
            &fixture("shopify_customers_legacy.csv"),
        )
        .unwrap();
    assert_eq!(summary.format, DetectedFormat::ShopifyCustomers);
    assert_eq!(
        store.rows("SELECT external_id, first_name, accepts_marketing, city, region, country, zip, tags FROM customers ORDER BY id"),
        vec![
            r#"linus@example.com|Linus|1|Portland|OR|US|97201|["kernel"]"#,
            r#"margaret@example.com|Margaret|0|Cambridge|MA|US|02139|["apollo","vip"]"#,
        ]
    );
}

#[test]
fn the_orders_export_creates_orders_items_products_and_customers() {
    let mut store = Store::new();
    store
        .import(ImportKind::Customers, &fixture("shopify_customers.csv"))
        .unwrap();
    let summary = store
        .import(ImportKind::Orders, &fixture("shopify_orders.csv"))
        .unwrap();
    assert_eq!(summary.format, DetectedFormat::ShopifyOrders);
    assert_eq!(
        (summary.rows_read, summary.inserted, summary.rejected),
        (4, 4, 0),
        "{summary}"
    );
    assert_eq!(
        summary.customers_created, 1,
        "only new.buyer@example.com is unknown"
    );
    assert_eq!(summary.products_created, 3);
    assert_eq!(
        store.rows("SELECT o.external_id, c.external_id, placed_at, total, discount, status, channel, currency FROM orders o JOIN customers c ON c.id = o.customer ORDER BY o.external_id"),
        vec![
            "#1001|7010259566818|1709648530000|5498|1000|paid|web|USD",
            "#1002|new.buyer@example.com|1709715600000|1999|0|pending|pos|EUR",
            "#1003|7010259599586|1709816370000|4500|0|paid|web|USD",
        ]
    );
    assert_eq!(
        store.rows("SELECT o.external_id, p.external_id, p.title, i.quantity, i.price FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product ORDER BY o.external_id, p.external_id"),
        vec![
            "#1001|MUG-BLU|Blue Mug|2|1999",
            "#1001|Tea Sampler|Tea Sampler|1|2000",
            "#1002|MUG-BLU|Blue Mug|1|1999",
            "#1003|NB-1|Notebook, dotted|3|1500",
        ]
    );
    assert_eq!(
        store
            .text("SELECT email FROM customers WHERE external_id = 'new.buyer@example.com'")
            .unwrap(),
        "new.buyer@example.com"
    );
    let again = store
        .import(ImportKind::Orders, &fixture("shopify_orders.csv"))
        .unwrap();
    assert_eq!(
        (
            again.inserted,
            again.updated,
            again.unchanged,
            again.customers_created
        ),
        (0, 0, 4, 0)
    );
}

#[test]
fn a_customers_export_after_the_orders_export_adopts_email_keyed_customers() {
    let mut store = Store::new();
    store
        .import(ImportKind::Orders, &fixture("shopify_orders.csv"))
        .unwrap();
    assert_eq!(store.int("SELECT count(*) FROM customers"), 3);
    let summary = store
        .import(ImportKind::Customers, &fixture("shopify_customers.csv"))
        .unwrap();
    assert_eq!((summary.inserted, summary.updated), (0, 2), "{summary}");
    assert_eq!(store.int("SELECT count(*) FROM customers"), 3);
    assert_eq!(
        store.rows("SELECT c.external_id, count(o.id) FROM customers c LEFT JOIN orders o ON o.customer = c.id GROUP BY c.id ORDER BY c.external_id"),
        vec!["7010259566818|1", "7010259599586|1", "new.buyer@example.com|1"]
    );
}

#[test]
fn a_shopify_export_imported_as_the_wrong_kind_is_refused() {
    let mut store = Store::new();
    let error = store
        .import(ImportKind::Customers, &fixture("shopify_orders.csv"))
        .unwrap_err();
    assert!(
        matches!(
            error,
            ImportError::WrongKind {
                expected: "orders",
                ..
            }
        ),
        "{error}"
    );
    let error = store
        .import(ImportKind::Orders, &fixture("shopify_customers.csv"))
        .unwrap_err();
    assert!(
        error.to_string().contains("import it as `customers`"),
        "{error}"
    );
}

#[test]
fn a_line_item_before_its_order_row_is_rejected() {
    let mut store = Store::new();
    let text = std::fs::read_to_string(fixture("shopify_orders.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(1, 2);
    let path = store.file("swapped.csv", lines.join("\n") + "\n");
    let summary = store.import(ImportKind::Orders, &path).unwrap();
    assert_eq!((summary.inserted, summary.rejected), (3, 1), "{summary}");
    let rows = import_support::rejects(&summary.reject_file.unwrap());
    assert!(
        rows[1]
            .iter()
            .any(|c| c.contains("has no first row above it")),
        "{:?}",
        rows[1]
    );
    assert_eq!(rows[1].last().unwrap(), "2");
}
