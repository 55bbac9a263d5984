//! An order may hold two lines for one product (two sizes of one shirt, a line repriced by a
//! discount). Each stays a line of its own, with its own quantity and price, whether it comes
//! through the HTTP API, a generic items file or a Shopify orders export; importing the same file
//! again changes nothing; both evaluators see the same lines. Before, the API merged the two
//! lines into one with the first price, and a file's second line overwrote the first.

mod common;
mod daemon_support;
mod import_support;

use daemon_support::*;
use import_support::{fixture, Store};
use segflow::dsl::check;
use segflow::dsl::ir::Expr;
use segflow::dsl::parser;
use segflow::dsl::span::OffsetMap;
use segflow::store::import::ImportKind;
use segflow::store::snapshot::Snapshot;

fn checked(text: &str) -> Expr {
    let node = parser::parse(text, &OffsetMap::identity(text.len())).unwrap();
    check::check(&node, &check::Context::default())
        .unwrap_or_else(|d| panic!("{text}: {d:?}"))
        .expr
}

/// Runs each rule in both evaluators at `now` and compares the members with `expected`.
fn assert_members(conn: &rusqlite::Connection, now: i64, cases: &[(&str, &[&str])]) {
    let snapshot = Snapshot::load(conn).unwrap();
    for (rule, expected) in cases {
        let got = common::members_both(conn, &snapshot, &checked(rule), now, rule);
        assert_eq!(&got, expected, "{rule}");
    }
}

fn lines(conn: &rusqlite::Connection) -> Vec<String> {
    import_support::rows(
        conn,
        "SELECT o.external_id, p.external_id, i.line, i.quantity, i.price FROM order_items i \
         JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product \
         ORDER BY o.external_id, p.external_id, i.line",
    )
}

#[test]
fn the_api_keeps_two_lines_of_one_product_with_their_prices() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let order = r#"{"id":"o-1","customer_id":"ann","placed_at":"2026-10-01T10:00:00Z","total":"26.00",
        "items":[{"product_id":"tee","quantity":1,"price":"10.00"},
                 {"product_id":"tee","quantity":2,"price":"8.00"}]}"#;
    let r = daemon.api("/v1/orders", order);
    assert_eq!(r.status, 200, "{}", r.body);
    // A client that sends the order again (a retry) still has two lines, not four.
    let r = daemon.api("/v1/orders", order);
    assert_eq!(r.status, 200, "{}", r.body);
    let db = store(dir.path());
    assert_eq!(lines(&db), vec!["o-1|tee|0|1|1000", "o-1|tee|1|2|800"]);
    let now = segflow::dsl::literal::timestamp("2026-10-02T00:00:00Z").unwrap();
    assert_members(
        &db,
        now,
        &[
            ("items.count() == 2", &["ann"]),
            ("items.sum(quantity) == 3", &["ann"]),
            ("items.min(price) == 8 and items.max(price) == 10", &["ann"]),
            ("items.distinct(product_id) == 1", &["ann"]),
        ],
    );
}

#[test]
fn a_file_keeps_repeated_lines_and_importing_it_again_changes_nothing() {
    let mut store = Store::new();
    let orders = store.file(
        "orders.csv",
        "order_id,customer_id,placed_at,total\no1,ann,2026-10-01,26.00\no2,bob,2026-10-02,5.00\n",
    );
    store.import(ImportKind::Orders, &orders).unwrap();
    let items = store.file(
        "items.csv",
        "order_id,product_id,quantity,price\no1,tee,1,10.00\no2,cap,1,5.00\no1,tee,2,8.00\n",
    );
    let first = store.import(ImportKind::Items, &items).unwrap();
    assert_eq!((first.inserted, first.unchanged), (3, 0));
    let again = store.import(ImportKind::Items, &items).unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(
        lines(&store.conn),
        vec!["o1|tee|0|1|1000", "o1|tee|1|2|800", "o2|cap|0|1|500"]
    );
    let now = segflow::dsl::literal::timestamp("2026-10-03T00:00:00Z").unwrap();
    assert_members(
        &store.conn,
        now,
        &[
            ("items.count() == 2", &["ann"]),
            ("items.sum(quantity) >= 3", &["ann"]),
            ("items.min(price) == 8", &["ann"]),
        ],
    );
}

#[test]
fn a_shopify_export_keeps_two_lines_of_one_sku() {
    let mut store = Store::new();
    let path = fixture("shopify_orders_same_sku.csv");
    let first = store.import(ImportKind::Orders, &path).unwrap();
    assert_eq!((first.inserted, first.rejected), (3, 0), "{first:?}");
    let again = store.import(ImportKind::Orders, &path).unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, 3),
        "{again:?}"
    );
    let rows = store.rows(
        "SELECT p.title, i.line, i.quantity, i.price FROM order_items i \
         JOIN products p ON p.id = i.product ORDER BY p.title, i.line",
    );
    assert_eq!(
        rows,
        vec![
            "Café Fuerte 500g|0|1|3000000",
            "Café Fuerte 500g|1|1|2700000",
            "Café Suave 250g|0|2|1500000",
        ]
    );
}
