//! `segflow refresh --history 13w` through the real binary over the hand-written shop: each
//! past week's size equals what `segflow segments --now THAT_WEEK` evaluates, the live record
//! (members, changes) is the same as a plain refresh's, and a second run keeps what is there.

mod cli_shop;

use cli_shop::{segflow, shop};

const NOW: &str = "2026-11-15T12:00:00Z";
const WEEK: i64 = 7 * 86_400_000;

fn query(dir: &std::path::Path, sql: &str) -> Vec<(i64, i64, i64, i64)> {
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

#[test]
fn past_weeks_are_rebuilt_as_they_were() {
    let dir = shop();
    std::fs::write(
        dir.path().join("rules/buyers.yaml"),
        "segment: buyers\nwhere: orders(within 90d).exists()\n",
    )
    .unwrap();
    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "refresh", "--history", "13w"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.ends_with("rebuilt 13 weekly sizes per segment from 2026-08-16 to 2026-11-08 (13 rows written; sizes already recorded are kept)\n"),
        "{out}"
    );
    let now = segflow::dsl::literal::timestamp(NOW).unwrap();
    let sizes = query(
        dir.path(),
        "SELECT at, members, entered, exited FROM segment_sizes WHERE segment = 'buyers' ORDER BY at",
    );
    assert_eq!(sizes.len(), 14, "13 weeks and the live refresh: {sizes:?}");
    let mut changed = 0;
    let mut previous: Option<i64> = None;
    for &(at, members, entered, exited) in &sizes[..13] {
        assert_eq!((now - at) % WEEK, 0);
        // The week as `segments --now` evaluates it.
        let when = chrono::DateTime::from_timestamp_millis(at)
            .unwrap()
            .to_rfc3339();
        let (code, out, err) = segflow(dir.path(), &["--now", &when, "segments", "--json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["members"].as_i64().unwrap(), members, "at {when}");
        if let Some(p) = previous {
            assert_eq!(members - p, entered - exited, "at {when}");
            changed += usize::from(members != p);
        } else {
            assert_eq!((entered, exited), (0, 0));
        }
        previous = Some(members);
    }
    assert!(changed > 0, "the history is flat: {sizes:?}");
    // Only the live refresh wrote members and changes, so no journey starts from the past.
    let changes = query(
        dir.path(),
        "SELECT COUNT(*), MIN(at), MAX(at), 0 FROM segment_changes WHERE segment = 'buyers'",
    );
    assert_eq!((changes[0].1, changes[0].2), (now, now));
    // A second run writes nothing new for the past weeks.
    let (code, out, _) = segflow(dir.path(), &["--now", NOW, "refresh", "--history", "13w"]);
    assert_eq!(code, 0);
    assert!(out.contains("(0 rows written;"), "{out}");
}

#[test]
fn a_span_that_is_not_whole_weeks_is_refused() {
    let dir = shop();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "refresh", "--history", "3d"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: --history 3d: not a span of whole weeks; write 52w (a year) or 13w\n"
    );
}
