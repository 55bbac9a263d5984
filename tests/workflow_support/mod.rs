//! A small store and workflow set for journey tests: customers inserted by hand, rules and
//! workflows given as YAML text, time simulated.
#![allow(dead_code)]

use rusqlite::{params, Connection};
use segflow::dsl::diagnostic::{render, SourceFile};
use segflow::segment::SegmentSet;
use segflow::workflow::Workflows;

pub const DAY: i64 = 86_400_000;
pub const HOUR: i64 = 3_600_000;
/// 2026-11-02T10:00:00Z, a Monday.
pub const T0: i64 = 1_793_613_600_000;

pub fn store(dir: &std::path::Path) -> Connection {
    segflow::store::open(&dir.join("shop.db")).unwrap()
}

pub fn customer(conn: &Connection, n: i64) -> i64 {
    conn.execute(
        "INSERT INTO customers (external_id, email, accepts_marketing, created_at) VALUES (?1, ?2, 1, ?3)",
        params![format!("c{n}"), format!("c{n}@example.com"), T0 - DAY],
    )
    .unwrap();
    conn.last_insert_rowid()
}

pub fn order(conn: &Connection, customer: i64, at: i64, total_cents: i64) {
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0))
        .unwrap();
    conn.execute(
        "INSERT INTO orders (external_id, customer, placed_at, total) VALUES (?1, ?2, ?3, ?4)",
        params![format!("o{n}"), customer, at, total_cents],
    )
    .unwrap();
}

pub fn event(conn: &Connection, customer: i64, kind: &str, at: i64, props: &str) {
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap();
    conn.execute(
        "INSERT INTO events (customer, type, occurred_at, properties, dedup_key) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![customer, kind, at, props, format!("e{n}")],
    )
    .unwrap();
}

/// Records that `customer` entered `segment` (what a refresh writes).
pub fn entered(conn: &Connection, segment: &str, customer: i64, at: i64) {
    conn.execute(
        "INSERT INTO segment_changes (segment, customer, change, at) VALUES (?1, ?2, 'entered', ?3)",
        params![segment, customer, at],
    )
    .unwrap();
    conn.execute(
        "INSERT OR REPLACE INTO segment_members (segment, customer, since) VALUES (?1, ?2, ?3)",
        params![segment, customer, at],
    )
    .unwrap();
}

pub fn segments() -> SegmentSet {
    let vip = SourceFile::new(
        "rules/vip.yaml",
        "segment: vip\nwhere: total_spent > 1000\n",
    );
    let newc = SourceFile::new(
        "rules/new_customers.yaml",
        "segment: new_customers\nwhere: days_since(created_at) < 30\n",
    );
    SegmentSet::from_files(vec![(vip, "vip".into()), (newc, "new_customers".into())]).unwrap()
}

pub fn templates() -> Vec<String> {
    [
        "welcome_1",
        "welcome_2",
        "cart_reminder",
        "cart_reminder_discount",
        "cart_reminder_2",
        "vip_reward",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

pub fn workflows(files: &[(&str, &str)]) -> Workflows {
    let files = files
        .iter()
        .map(|(name, text)| {
            (
                SourceFile::new(format!("workflows/{name}.yaml"), *text),
                name.to_string(),
            )
        })
        .collect();
    Workflows::from_files(files, &segments(), Some(&templates()))
        .unwrap_or_else(|ds| panic!("{}", render(&ds, false)))
}

/// Records the workflows as live since a day before `T0`, so the segment changes and events
/// a test writes at `T0` and later happened after their activation and start journeys.
pub fn live(conn: &mut Connection, workflows: &Workflows) {
    segflow::workflow::activate(conn, workflows, T0 - DAY).unwrap();
}

/// (step, action) of a customer's journey log, in order.
pub fn log(conn: &Connection, workflow: &str, customer: i64) -> Vec<(String, String)> {
    conn.prepare(
        "SELECT COALESCE(l.step, ''), l.action FROM journey_log l JOIN journeys j ON j.id = l.journey
         WHERE j.workflow = ?1 AND j.customer = ?2 ORDER BY l.id",
    )
    .unwrap()
    .query_map(params![workflow, customer], |r| Ok((r.get(0)?, r.get(1)?)))
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// (run, state, exit_reason) of a customer's journeys, by run.
pub fn journeys(
    conn: &Connection,
    workflow: &str,
    customer: i64,
) -> Vec<(i64, String, Option<String>)> {
    conn.prepare("SELECT run, state, exit_reason FROM journeys WHERE workflow = ?1 AND customer = ?2 ORDER BY run")
        .unwrap()
        .query_map(params![workflow, customer], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}
