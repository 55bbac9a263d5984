//! `segflow refresh` through the real binary on a real SQLite file: a refresh stores all its
//! segments or none, and a refresh re-run with the same `--now` after a kill leaves every
//! segment's size row in agreement with the changes recorded at that time.

mod cli_shop;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

const NOW: &str = "2026-11-15T12:00:00Z";

struct Out {
    code: i32,
    stderr: String,
}

/// The real binary, through the shared runner.
fn segflow(dir: &Path, args: &[&str]) -> Out {
    let (code, _, stderr) = cli_shop::segflow(dir, args);
    Out { code, stderr }
}

/// A work dir with the example rules and the hand-written shop imported by the CLI.
fn shop() -> tempfile::TempDir {
    let dir = cli_shop::shop();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(repo.join("rules")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join("rules").join(p.file_name().unwrap())).unwrap();
    }
    dir
}

fn db(dir: &Path) -> Connection {
    Connection::open(dir.join("segflow.db")).unwrap()
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Per segment: (members, entered, exited) of its size row at `at`, and the members and the
/// entered and exited changes stored at `at`.
type Agreement = (String, (i64, i64, i64), (i64, i64, i64));

fn agreement(conn: &Connection, at: i64) -> Vec<Agreement> {
    let mut stmt = conn
        .prepare(
            "SELECT s.segment, s.members, s.entered, s.exited,
                (SELECT COUNT(*) FROM segment_members m WHERE m.segment = s.segment),
                (SELECT COUNT(*) FROM segment_changes c WHERE c.segment = s.segment AND c.at = s.at AND c.change = 'entered'),
                (SELECT COUNT(*) FROM segment_changes c WHERE c.segment = s.segment AND c.at = s.at AND c.change = 'exited')
             FROM segment_sizes s WHERE s.at = ?1 ORDER BY s.segment",
        )
        .unwrap();
    let rows = stmt
        .query_map([at], |r| {
            Ok((
                r.get(0)?,
                (r.get(1)?, r.get(2)?, r.get(3)?),
                (r.get(4)?, r.get(5)?, r.get(6)?),
            ))
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[test]
fn rerun_after_a_kill_keeps_sizes_in_agreement_with_changes() {
    let dir = shop();
    let out = segflow(dir.path(), &["--now", NOW, "refresh"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let conn = db(dir.path());
    let at = segflow::dsl::literal::timestamp(NOW).unwrap();
    let before = agreement(&conn, at);
    assert_eq!(before.len(), cli_shop::example_files("rules"), "{before:?}");
    // A refresh killed after its first segments: the later ones (by name) have no rows yet.
    // This is what a per-segment refresh left when it was killed, and what the daemon's
    // one-segment-at-a-time refresh can still leave.
    let kept: Vec<&str> = before.iter().take(10).map(|a| a.0.as_str()).collect();
    let later = "segment NOT IN (SELECT value FROM json_each(?1))";
    let kept_json = serde_json::to_string(&kept).unwrap();
    for table in ["segment_members", "segment_changes", "segment_sizes"] {
        conn.execute(&format!("DELETE FROM {table} WHERE {later}"), [&kept_json])
            .unwrap();
    }
    let entered_before: i64 = before.iter().take(10).map(|a| a.1 .1).sum();
    assert!(
        entered_before > 0,
        "a kept segment must have entries for the test to mean anything: {before:?}"
    );

    let out = segflow(dir.path(), &["--now", NOW, "refresh"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let after = agreement(&conn, at);
    for (segment, size, stored) in &after {
        assert_eq!(
            size, stored,
            "{segment}: the size row (members, entered, exited) disagrees with segment_members and segment_changes"
        );
    }
    // The re-run ends where the uninterrupted refresh did.
    assert_eq!(after, before);
    // And records every change once: nobody entered twice at `now`.
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM (SELECT 1 FROM segment_changes GROUP BY segment, customer, change, at HAVING COUNT(*) > 1)"
        ),
        0
    );
}

#[test]
fn a_refresh_that_fails_midway_changes_no_segment() {
    let dir = shop();
    let conn = db(dir.path());
    // The write of `vip` (late in the set) fails; every segment before it was already written
    // in the same refresh.
    conn.execute_batch(
        "CREATE TRIGGER fail_vip BEFORE INSERT ON segment_sizes WHEN NEW.segment = 'vip'
         BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;",
    )
    .unwrap();
    let out = segflow(dir.path(), &["--now", NOW, "refresh"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for table in ["segment_members", "segment_changes", "segment_sizes"] {
        assert_eq!(
            count(&conn, &format!("SELECT COUNT(*) FROM {table}")),
            0,
            "{table} holds rows of a failed refresh"
        );
    }
    assert!(
        out.stderr
            .contains("segment vip: writing membership failed; no segment was changed")
            && out.stderr.contains("simulated failure"),
        "{}",
        out.stderr
    );
    conn.execute_batch("DROP TRIGGER fail_vip").unwrap();
    let out = segflow(dir.path(), &["--now", NOW, "refresh"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        count(&conn, "SELECT COUNT(DISTINCT segment) FROM segment_sizes") as usize,
        cli_shop::example_files("rules")
    );
}
