//! Numbers that cannot overflow: amounts and quantities are bounded at every entry (CSV, API,
//! Shopify webhooks) with an error naming the field, so sums stay exact and both evaluators
//! agree. Before, 93 orders of 999999999999999.99 made `total_spent` negative in the columnar
//! evaluator while the SQL failed, and a checkout with two lines of quantity i64::MAX was
//! stored with `item_count: -2`.

mod cli_shop;
mod daemon_support;

use cli_shop::segflow;
use daemon_support::*;

#[test]
fn a_csv_amount_or_quantity_beyond_the_limits_is_rejected_with_its_row() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("orders.csv"),
        "order_id,customer_id,placed_at,total\n\
         o1,c1,2026-10-01,999999999999999.99\n\
         o2,c1,2026-10-02,999999999999.99\n\
         o3,c1,2026-10-03,0001000000000000.00\n",
    )
    .unwrap();
    let (code, out, err) = segflow(dir.path(), &["import", "orders", "orders.csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 inserted") && out.contains("2 rejected"),
        "{out}"
    );
    let rejects = std::fs::read_to_string(dir.path().join("orders.rejects.csv")).unwrap();
    assert!(
        rejects.contains("total: `999999999999999.99` is more than the largest amount segflow takes (999,999,999,999.99)"),
        "{rejects}"
    );
    std::fs::write(
        dir.path().join("items.csv"),
        "order_id,product_id,quantity,price\no2,p1,9223372036854775807,1.00\no2,p2,1000000,1.00\n",
    )
    .unwrap();
    let (code, out, err) = segflow(dir.path(), &["import", "items", "items.csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 inserted") && out.contains("1 rejected"),
        "{out}"
    );
    let rejects = std::fs::read_to_string(dir.path().join("items.rejects.csv")).unwrap();
    assert!(
        rejects.contains("quantity: `9223372036854775807` is more than the largest quantity segflow takes (1,000,000)"),
        "{rejects}"
    );
}

#[test]
fn the_api_and_webhooks_refuse_them_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let r = daemon.api(
        "/v1/orders",
        r#"{"id":"o1","customer_id":"c1","placed_at":"2026-10-01T10:00:00Z","total":"999999999999999.99"}"#,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body
            .contains("more than the largest amount segflow takes (999,999,999,999.99)"),
        "{}",
        r.body
    );
    let r = daemon.api(
        "/v1/orders",
        r#"{"id":"o2","customer_id":"c1","placed_at":"2026-10-01T10:00:00Z","total":10,
            "items":[{"product_id":"p1","quantity":9223372036854775807,"price":1}]}"#,
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains(r#""field":"items[0].quantity""#)
            && r.body
                .contains("must be a whole number from 1 to 1,000,000"),
        "{}",
        r.body
    );
    let db = store(dir.path());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders"), 0);
}

#[test]
fn a_checkout_line_beyond_the_quantity_limit_is_refused() {
    let body = r#"{"token": "t-1", "email": "ann@example.com", "total_price": "2.00",
      "line_items": [
        {"sku": "A", "name": "A", "price": "1.00", "quantity": 9223372036854775807},
        {"sku": "B", "name": "B", "price": "1.00", "quantity": 9223372036854775807}]}"#;
    let err = segflow::ingest::shopify::map_webhook("checkouts/create", body.as_bytes())
        .expect_err("an item_count of -2 was accepted");
    assert_eq!(err.field, "line_items[0].quantity");
    assert_eq!(err.message, "must be a whole number from 0 to 1,000,000");
}
