//! Cancelled and voided orders, and refunds: they stay in `orders` for rules that want them,
//! but derived fields, the models, report revenue and `segment show` count only orders that
//! count as purchases, net of refunds; both evaluators and the SQL agree, and `[shop]
//! uncounted_statuses` changes which statuses count. Through the real importer, the real
//! binary and real SQLite files.

mod cli_shop;
mod common;

use cli_shop::segflow;
use segflow::dsl::check;
use segflow::dsl::ir::Expr;
use segflow::dsl::parser;
use segflow::dsl::span::OffsetMap;
use segflow::store::import::{import_csv, ImportKind, ImportOptions};
use segflow::store::snapshot::Snapshot;

const NOW: &str = "2026-11-15T12:00:00Z";

const CUSTOMERS: &str = "customer_id,email,first_name\n\
    ann,ann@example.com,Ann\n\
    bob,bob@example.com,Bob\n\
    cy,cy@example.com,Cy\n";

/// Ann: two paid orders of 100.00, one of them refunded 30.00, and a cancelled one of 500.00.
/// Bob: one voided order of 80.00 and one cancelled by its time only (status paid), so no
/// purchase at all. Cy: one pending order of 40.00.
const ORDERS: &str = "order_id,customer_id,placed_at,total,status,refunded,cancelled_at\n\
    o1,ann,2026-10-01 10:00:00,100.00,paid,,\n\
    o2,ann,2026-10-10 10:00:00,100.00,partially_refunded,30.00,\n\
    o3,ann,2026-10-20 10:00:00,500.00,cancelled,,2026-10-21 09:00:00\n\
    o4,bob,2026-10-05 10:00:00,80.00,Voided,,\n\
    o5,bob,2026-10-06 10:00:00,60.00,paid,,2026-10-06 12:00:00\n\
    o6,cy,2026-10-07 10:00:00,40.00,pending,,\n";

fn shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(dir.path().join("customers.csv"), CUSTOMERS).unwrap();
    std::fs::write(dir.path().join("orders.csv"), ORDERS).unwrap();
    for kind in ["customers", "orders"] {
        let (code, _, err) = segflow(dir.path(), &["import", kind, &format!("{kind}.csv")]);
        assert_eq!(code, 0, "{kind}: {err}");
    }
    dir
}

fn checked(text: &str) -> Expr {
    let node = parser::parse(text, &OffsetMap::identity(text.len())).unwrap();
    check::check(&node, &check::Context::default())
        .unwrap_or_else(|d| panic!("{text}: {d:?}"))
        .expr
}

#[test]
fn derived_fields_count_purchases_net_of_refunds_in_both_evaluators() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = segflow::store::open(&dir.path().join("shop.db")).unwrap();
    let opts = ImportOptions {
        strict: true,
        progress: false,
        reject_dir: Some(dir.path().to_path_buf()),
        map: None,
    };
    for (name, text, kind) in [
        ("customers.csv", CUSTOMERS, ImportKind::Customers),
        ("orders.csv", ORDERS, ImportKind::Orders),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        import_csv(&mut conn, kind, &path, &opts).unwrap();
    }
    let snapshot = Snapshot::load(&conn).unwrap();
    let now = segflow::dsl::literal::timestamp(NOW).unwrap();
    let cases: &[(&str, &[&str])] = &[
        // Ann has two purchases (the cancelled order is none), Cy one, Bob none.
        ("orders_count == 2", &["ann"]),
        ("orders_count == 0", &["bob"]),
        // 100.00 + (100.00 - 30.00 refunded): the 500.00 cancelled order brings nothing.
        ("total_spent == 170", &["ann"]),
        ("aov == 85", &["ann"]),
        ("total_spent == 40", &["cy"]),
        ("first_order_at is null", &["bob"]),
        ("last_order_at < 2026-10-15", &["ann", "cy"]),
        // Every order is still in `orders`, with its status and refund.
        ("orders.count() == 3", &["ann"]),
        ("orders(status == \"cancelled\").exists()", &["ann"]),
        ("orders(not counted).count() == 2", &["bob"]),
        ("orders.sum(refunded) == 30", &["ann"]),
        ("orders(counted).sum(net_total) == 170", &["ann"]),
        ("orders.sum(total) == 700", &["ann"]),
    ];
    for (rule, expected) in cases {
        let got = common::members_both(&conn, &snapshot, &checked(rule), now, rule);
        assert_eq!(&got, expected, "{rule}");
    }
}

#[test]
fn the_shop_decides_which_statuses_count() {
    let dir = shop();
    std::fs::write(
        dir.path().join("rules/buyers.yaml"),
        "segment: buyers\nwhere: orders_count >= 1\n",
    )
    .unwrap();
    let members = |dir: &std::path::Path| {
        let (code, out, err) = segflow(dir, &["--now", NOW, "segments", "--json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v[0]["members"].as_u64().unwrap()
    };
    // By default cancelled and voided orders are no purchase: Ann and Cy are buyers.
    assert_eq!(members(dir.path()), 2);
    // A shop that also leaves pending orders out loses Cy; one that counts every status
    // (cancellation times still count as cancelled) gains nobody.
    std::fs::write(
        dir.path().join("segflow.toml"),
        "[shop]\nuncounted_statuses = [\"cancelled\", \"voided\", \"pending\"]\n",
    )
    .unwrap();
    assert_eq!(members(dir.path()), 1);
    std::fs::write(
        dir.path().join("segflow.toml"),
        "[shop]\nuncounted_statuses = []\n",
    )
    .unwrap();
    assert_eq!(members(dir.path()), 3);
}

#[test]
fn segment_show_and_the_report_count_revenue_net_of_refunds() {
    let dir = shop();
    std::fs::write(
        dir.path().join("rules/everyone.yaml"),
        "segment: everyone\nwhere: true\n",
    )
    .unwrap();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "refresh"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "report", "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let everyone = &report["segments"][0];
    // 100.00 + 70.00 (Ann) + 40.00 (Cy); the cancelled, voided and time-cancelled orders are out.
    assert_eq!(everyone["revenue"], 210.0);
    assert_eq!(everyone["orders"], 3);
    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "segment", "show", "everyone"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("210.00"), "{out}");
}

/// A row of the 2025 Shopify orders layout (its header from the fixture) with `cells` set.
fn shopify_row(header: &[&str], cells: &[(&str, &str)]) -> String {
    header
        .iter()
        .map(|h| {
            cells
                .iter()
                .find(|(k, _)| k == h)
                .map_or(String::new(), |(_, v)| v.to_string())
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn a_shopify_export_brings_its_cancellations_and_refunds() {
    let fixture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/import/shopify_orders_2025.csv"),
    )
    .unwrap();
    let header_line = fixture.lines().next().unwrap();
    let header: Vec<&str> = header_line.split(',').collect();
    assert!(header.contains(&"Cancelled at") && header.contains(&"Refunded Amount"));
    let common = |name: &'static str, status: &'static str, total: &'static str| {
        vec![
            ("Name", name),
            ("Email", "ann@example.com"),
            ("Financial Status", status),
            ("Currency", "USD"),
            ("Total", total),
            ("Created at", "2026-10-01 10:00:00 -0700"),
            ("Lineitem quantity", "1"),
            ("Lineitem name", "Trail Runner"),
            ("Lineitem price", total),
            ("Lineitem sku", "TR-1"),
        ]
    };
    let mut refunded = common("#3002", "partially_refunded", "80.00");
    refunded.push(("Refunded Amount", "30.00"));
    let mut cancelled = common("#3003", "voided", "500.00");
    cancelled.push(("Cancelled at", "2026-10-02 09:00:00 -0700"));
    let rows = [common("#3001", "paid", "100.00"), refunded, cancelled]
        .iter()
        .map(|cells| shopify_row(&header, cells))
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("orders.csv"),
        format!("{header_line}\n{rows}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rules/big_spenders.yaml"),
        "segment: big_spenders\nwhere: total_spent == 150 and orders_count == 2 and orders.count() == 3\n",
    )
    .unwrap();
    let (code, _, err) = segflow(dir.path(), &["import", "orders", "orders.csv"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "segments", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // 100.00 + (80.00 - 30.00); the voided and cancelled order is kept but no purchase.
    assert_eq!(v[0]["members"], 1, "{out}");
}
