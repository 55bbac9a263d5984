//! `segflow import KIND FILE --map MAP.toml` through the real binary: the repository's example
//! map imports a WooCommerce orders export as written, and a map that does not fit the file or
//! the kind stops the import with the map file and the fix, writing nothing.

mod cli_shop;

use std::path::PathBuf;

use cli_shop::segflow;

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

fn orders(dir: &std::path::Path) -> Vec<(String, i64, i64, String, bool)> {
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT o.external_id, o.total, o.refunded, c.external_id, o.counted
             FROM orders o JOIN customers c ON c.id = o.customer ORDER BY o.external_id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

#[test]
fn the_woocommerce_map_imports_the_export_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = repo("tests/fixtures/import/woocommerce_orders.csv");
    let map = repo("maps/woocommerce_orders.toml");
    let (code, out, err) = segflow(dir.path(), &["import", "orders", &file, "--map", &map]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("4 inserted"), "{out}");
    let lena = "lena.vogel@example.de".to_string();
    assert_eq!(
        orders(dir.path()),
        [
            // Keyed by the order number, not WooCommerce's internal order_id (4512...).
            ("1001".into(), 6290, 0, lena.clone(), true),
            (
                "1002".into(),
                2499,
                2499,
                "tom.berg@example.de".into(),
                true
            ),
            ("1003".into(), 8990, 2000, lena, true),
            // A cancelled order stays an order but is no purchase.
            ("1004".into(), 3990, 0, "ada.kern@example.de".into(), false),
        ]
    );
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/spent.yaml"),
        "segment: spent\nwhere: total_spent == 132.8\n",
    )
    .unwrap();
    let (code, out, err) = segflow(dir.path(), &["segments", "--json"]);
    assert_eq!(code, 0, "{err}");
    // Lena: 62.90 + 89.90 - 20.00 refunded.
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["members"], 1, "{out}");
}

#[test]
fn a_map_that_does_not_fit_stops_the_import_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let file = repo("tests/fixtures/import/woocommerce_orders.csv");
    let missing = dir.path().join("missing.toml");
    std::fs::write(
        &missing,
        "[columns]\norder_id = \"order_number\"\ncustomer_id = \"billing_email\"\nplaced_at = \"order_date\"\ntotal = \"Grand Total\"\n",
    )
    .unwrap();
    let (code, _, err) = segflow(
        dir.path(),
        &[
            "import",
            "orders",
            &file,
            "--map",
            missing.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!(
            "error: {}: `total` maps to the column \"Grand Total\", which the file does not have; its columns are: order_id, order_number, order_date, status, shipping_total, tax_total, discount_total, order_total, refunded_total, order_currency, payment_method, customer_id, billing_first_name, billing_last_name, billing_email, billing_phone\n",
            missing.display()
        )
    );
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, "[columns]\norder_total = \"order_total\"\n").unwrap();
    let (code, _, err) = segflow(
        dir.path(),
        &[
            "import",
            "orders",
            &file,
            "--map",
            unknown.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        format!(
            "error: {}: `order_total` is not one of segflow's orders columns; map one of: order_id, customer_id, placed_at, total, discount, status, channel, currency, refunded, cancelled_at\n",
            unknown.display()
        )
    );
    assert!(!dir.path().join("segflow.db").exists() || orders(dir.path()).is_empty());
}
