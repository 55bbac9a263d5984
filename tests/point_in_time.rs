//! Evaluation at a point in time: at `now` both evaluators and the SQL see only what had
//! happened by then (orders, lines and events up to `now`; customers created by `now`), so
//! `--now` reproduces what a segment was. Checked against hand-written SQL over the
//! hand-written shop at several past dates.

mod common;

use rusqlite::Connection;
use segflow::dsl::check;
use segflow::dsl::parser;
use segflow::dsl::span::OffsetMap;
use segflow::store::snapshot::Snapshot;

fn checked(text: &str) -> segflow::dsl::ir::Expr {
    let node = parser::parse(text, &OffsetMap::identity(text.len())).unwrap();
    check::check(&node, &check::Context::default())
        .unwrap_or_else(|d| panic!("{text}: {d:?}"))
        .expr
}

/// External ids of the customers that existed at ?1 and meet `condition` (SQL over `c`, with
/// ?1 the evaluation time).
fn oracle(conn: &Connection, condition: &str, now: i64) -> Vec<String> {
    let sql = format!(
        "SELECT c.external_id FROM customers c
         WHERE (c.created_at IS NULL OR c.created_at <= ?1) AND ({condition})
         ORDER BY c.external_id"
    );
    conn.prepare(&sql)
        .unwrap()
        .query_map([now], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn the_past_is_evaluated_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let conn = common::shop_db(dir.path());
    let snapshot = Snapshot::load(&conn).unwrap();
    const DAY: i64 = 86_400_000;
    let cases = [
        (
            "orders(placed_at > now).exists()",
            "0".to_string(),
        ),
        (
            "orders(within 30d).count() >= 1",
            format!("EXISTS (SELECT 1 FROM orders o WHERE o.customer = c.id AND o.placed_at <= ?1 AND o.placed_at >= ?1 - {})", 30 * DAY),
        ),
        (
            "orders_count >= 2",
            "(SELECT COUNT(*) FROM orders o WHERE o.customer = c.id AND o.counted = 1 AND o.placed_at <= ?1) >= 2".into(),
        ),
        (
            "total_spent > 100",
            "(SELECT COALESCE(SUM(o.total - o.refunded), 0) FROM orders o WHERE o.customer = c.id AND o.counted = 1 AND o.placed_at <= ?1) > 10000".into(),
        ),
        (
            "last_order_at is null",
            "NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer = c.id AND o.counted = 1 AND o.placed_at <= ?1)".into(),
        ),
        (
            "items.count() >= 2",
            "(SELECT COUNT(*) FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.customer = c.id AND o.placed_at <= ?1) >= 2".into(),
        ),
        (
            "events.exists()",
            "EXISTS (SELECT 1 FROM events e WHERE e.customer = c.id AND e.occurred_at <= ?1)".into(),
        ),
        ("true", "1".into()),
    ];
    let mut differs = 0;
    let final_now = common::shop_now();
    for date in ["2024-06-01", "2025-06-01", "2026-03-01", "2026-11-01"] {
        let now = segflow::dsl::literal::timestamp(date).unwrap();
        for (rule, sql) in &cases {
            let what = format!("{rule} at {date}");
            let got = common::members_both(&conn, &snapshot, &checked(rule), now, &what);
            let expected = oracle(&conn, sql, now);
            assert_eq!(got, expected, "{what}");
            // The past differs from the present, or the test would tell nothing apart.
            let today = common::members_both(&conn, &snapshot, &checked(rule), final_now, rule);
            differs += usize::from(today != got);
        }
    }
    assert!(differs >= 8, "only {differs} of 32 cases differ from today");
}
