//! The daemon's warm state gives exactly what a full reload gives: after customers, orders and
//! events change (through the same writes the HTTP API uses), every example segment's members
//! from the warm snapshot plus overlay equal those of a fresh snapshot, and the per-customer
//! membership update leaves `segment_members` as a full refresh would.

mod common;

use std::path::Path;

use segflow::daemon::membership::update_customers;
use segflow::daemon::warm::WarmSnapshot;
use segflow::ingest::{write, CustomerIn, EventIn, OrderIn};
use segflow::repository::CompiledSegment;
use segflow::schedule::Cadence;
use segflow::segment::refresh::refresh;
use segflow::segment::SegmentSet;
use segflow::store::snapshot::Snapshot;

fn example_segments() -> (SegmentSet, Vec<CompiledSegment>) {
    let set = SegmentSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap();
    let compiled = CompiledSegment::compile_all(&set, &Cadence::Every { millis: 60_000 }).unwrap();
    (set, compiled)
}

fn change_the_shop(conn: &mut rusqlite::Connection, now: i64) {
    let tx = conn.transaction().unwrap();
    let order: OrderIn = serde_json::from_value(serde_json::json!({
        "id": "o-new", "customer_id": "c02", "placed_at": now / 1000 - 3600, "total": "450.00",
        "items": [{"product_id": "p1", "price": "120.00", "quantity": 3}]
    }))
    .unwrap();
    write::order(&tx, &order).unwrap();
    let customer: CustomerIn = serde_json::from_value(serde_json::json!({
        "id": "c-new", "email": "new@example.com", "country": "US", "region": "CA",
        "accepts_marketing": true, "created_at": now / 1000 - 86_400
    }))
    .unwrap();
    write::customer(&tx, &customer).unwrap();
    let update: CustomerIn =
        serde_json::from_value(serde_json::json!({"id": "c01", "region": "NY", "gender": "male"}))
            .unwrap();
    write::customer(&tx, &update).unwrap();
    let event: EventIn = serde_json::from_value(serde_json::json!({
        "type": "checkout_started", "customer_id": "c03", "occurred_at": now / 1000 - 60,
        "properties": {"value": 99}
    }))
    .unwrap();
    write::event(&tx, &event, now).unwrap();
    tx.commit().unwrap();
}

fn members_of_fresh_snapshot(
    conn: &rusqlite::Connection,
    segments: &[CompiledSegment],
    now: i64,
) -> Vec<Vec<i64>> {
    let snap = Snapshot::load(conn).unwrap();
    segments
        .iter()
        .map(|s| s.program.members(&snap, now))
        .collect()
}

#[test]
fn warm_snapshot_with_overlay_equals_a_full_reload() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = common::shop_db(dir.path());
    let now = common::shop_now();
    let (set, segments) = example_segments();
    let mut warm = WarmSnapshot::load(&conn, 1_000, None).unwrap();
    let snap = Snapshot::load(&conn).unwrap();
    refresh(&mut conn, &set, &snap, now).unwrap();
    let before = members_of_fresh_snapshot(&conn, &segments, now);

    change_the_shop(&mut conn, now);
    let caught = warm.catch_up(&conn).unwrap();
    assert!(!caught.reloaded);
    let changed = segflow_ids(&conn, &["c01", "c02", "c03", "c-new"]);
    assert_eq!(
        caught.customers, changed,
        "exactly the written customers are journalled"
    );

    let after = members_of_fresh_snapshot(&conn, &segments, now);
    assert_ne!(before, after, "the changes move someone between segments");
    for (s, expected) in segments.iter().zip(&after) {
        assert_eq!(
            &warm.members(&s.program, now),
            expected,
            "segment {}",
            s.name
        );
    }

    // Per-customer updates leave the stored membership equal to a full refresh's.
    let changes = update_customers(&mut conn, &segments, &warm, &caught.customers, now).unwrap();
    assert!(changes > 0);
    for (s, expected) in segments.iter().zip(&after) {
        let stored: Vec<i64> = conn
            .prepare("SELECT customer FROM segment_members WHERE segment = ?1 ORDER BY customer")
            .unwrap()
            .query_map([&s.name], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(&stored, expected, "segment {}", s.name);
    }
    // The journal was consumed: nothing new to apply.
    assert_eq!(warm.catch_up(&conn).unwrap(), Default::default());
}

#[test]
fn a_bulk_change_or_a_full_overlay_reloads_the_base() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = common::shop_db(dir.path());
    let now = common::shop_now();
    let (_, segments) = example_segments();
    // The hand-written shop was bulk-loaded into empty tables: the import dropped the journal
    // triggers for speed and wrote the "everything changed" marker instead of a row per line.
    let markers = "SELECT COUNT(*) FROM store_changes WHERE customer IS NULL";
    let rows: i64 = conn.query_row(markers, [], |r| r.get(0)).unwrap();
    let all: i64 = conn
        .query_row("SELECT COUNT(*) FROM store_changes", [], |r| r.get(0))
        .unwrap();
    assert!(
        rows >= 1 && all < 20,
        "{rows} markers among {all} journal rows"
    );
    let mut warm = WarmSnapshot::load(&conn, 2, None).unwrap();
    assert_eq!(
        warm.catch_up(&conn).unwrap(),
        Default::default(),
        "the load covers the journal"
    );
    conn.execute("INSERT INTO store_changes (customer) VALUES (NULL)", [])
        .unwrap();
    assert!(
        warm.catch_up(&conn).unwrap().reloaded,
        "a later bulk load reloads the base"
    );
    change_the_shop(&mut conn, now);
    let caught = warm.catch_up(&conn).unwrap();
    // 4 changed customers exceed an overlay of 2: the base is loaded again (in place, without
    // a database path), and the 4 are still handed out for evaluation.
    assert!(!caught.reloaded);
    assert_eq!(caught.customers.len(), 4);
    let fresh = members_of_fresh_snapshot(&conn, &segments, now);
    for (s, expected) in segments.iter().zip(&fresh) {
        assert_eq!(
            &warm.members(&s.program, now),
            expected,
            "segment {}",
            s.name
        );
    }
}

fn segflow_ids(conn: &rusqlite::Connection, external: &[&str]) -> Vec<i64> {
    let mut ids: Vec<i64> = external
        .iter()
        .map(|e| {
            conn.query_row(
                "SELECT id FROM customers WHERE external_id = ?1",
                [e],
                |r| r.get(0),
            )
            .unwrap()
        })
        .collect();
    ids.sort_unstable();
    ids
}

/// A new order for `customer` in its own transaction (one journal entry per call).
fn order_for(conn: &mut rusqlite::Connection, id: &str, customer: &str, now: i64) {
    let tx = conn.transaction().unwrap();
    let order: OrderIn = serde_json::from_value(serde_json::json!({
        "id": id, "customer_id": customer, "placed_at": now / 1000 - 7_200, "total": "75.00"
    }))
    .unwrap();
    write::order(&tx, &order).unwrap();
    tx.commit().unwrap();
}

#[test]
fn many_small_catch_ups_and_a_background_reload_stay_equal_to_a_full_reload() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = common::shop_db(dir.path());
    let now = common::shop_now();
    let (_, segments) = example_segments();
    let db = dir.path().join("shop.db");
    let mut warm = WarmSnapshot::load(&conn, 6, Some(db)).unwrap();
    let customers = [
        "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c02", "c01",
    ];
    let mut started_reload = false;
    for (k, c) in customers.iter().enumerate() {
        order_for(&mut conn, &format!("x-{k}"), c, now);
        let caught = warm.catch_up(&conn).unwrap();
        assert!(
            !caught.reloaded,
            "a growing overlay never asks for a full refresh"
        );
        started_reload |= warm.is_reloading();
        let fresh = members_of_fresh_snapshot(&conn, &segments, now);
        // A percentile's population moves with the background reload here; the chunk test
        // below checks those segments against the population of the base they rank in.
        for (s, expected) in segments.iter().zip(&fresh) {
            if s.program.ranks_customers() {
                continue;
            }
            assert_eq!(
                &warm.members(&s.program, now),
                expected,
                "segment {} after {k} orders",
                s.name
            );
        }
    }
    // More than 6 changed customers started a background load; it is swapped in at a later
    // catch-up, and the result still equals a full reload.
    assert!(started_reload);
    assert!(common_wait(|| {
        warm.catch_up(&conn).unwrap();
        !warm.is_reloading()
    }));
    // After the swap the base is a load taken after every change, so even the segments that
    // rank customers equal a full reload.
    let fresh = members_of_fresh_snapshot(&conn, &segments, now);
    for (s, expected) in segments.iter().zip(&fresh) {
        assert_eq!(
            &warm.members(&s.program, now),
            expected,
            "segment {} after the swap",
            s.name
        );
    }
}

fn common_wait(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    false
}

/// More catch-ups than the overlay keeps chunks for (32) merge the chunks on a background
/// thread; before, during and after the merge the members equal a full reload's.
#[test]
fn chunks_merged_in_the_background_stay_equal_to_a_full_reload() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = common::shop_db(dir.path());
    let now = common::shop_now();
    let (_, segments) = example_segments();
    let mut warm = WarmSnapshot::load(&conn, 1_000, Some(dir.path().join("shop.db"))).unwrap();
    // The warm state's base stays this load throughout (no reload is started), so a segment
    // that ranks customers (`percentile`) ranks everyone in the population of this snapshot.
    let base = Snapshot::load(&conn).unwrap();
    assert!(segments.iter().any(|s| s.program.ranks_customers()));
    let check = |warm: &WarmSnapshot, conn: &rusqlite::Connection, when: &str| {
        let fresh = members_of_fresh_snapshot(conn, &segments, now);
        let snap = Snapshot::load(conn).unwrap();
        for (s, expected) in segments.iter().zip(&fresh) {
            let ranked;
            let expected = if s.program.ranks_customers() {
                let input = segflow::compile::EvalInput::at(now);
                ranked = s.program.members_in(&snap, &input, &base);
                &ranked
            } else {
                expected
            };
            assert_eq!(
                &warm.members(&s.program, now),
                expected,
                "segment {} {when}",
                s.name
            );
        }
    };
    for k in 0..45 {
        let customer = format!("c{:02}", k % 10 + 1);
        order_for(&mut conn, &format!("m-{k}"), &customer, now);
        warm.catch_up(&conn).unwrap();
        check(&warm, &conn, &format!("after order {k}"));
    }
    // Let any merge in flight finish and be swapped in.
    std::thread::sleep(std::time::Duration::from_millis(300));
    order_for(&mut conn, "m-last", "c03", now);
    warm.catch_up(&conn).unwrap();
    check(&warm, &conn, "after the merge");
    assert!(
        warm.overlay_chunks() < 32,
        "{} chunks: the merge never happened",
        warm.overlay_chunks()
    );
}
