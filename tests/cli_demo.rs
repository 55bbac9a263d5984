//! `segflow demo` through the real binary: the 14 simulated days are a live shop in which every
//! example workflow sends, some journeys convert, mail is answered only after it was sent, the
//! summary's figures are the outbox's, and the report at the demo's end has data.

mod cli_shop;

use std::path::Path;

use cli_shop::{copy_dir, repo};

use serde_json::Value;

const NOW: &str = "2026-11-22T10:00:00Z";
const EXAMPLES: [&str; 6] = [
    "abandoned_checkout",
    "birthday",
    "cross_sell",
    "vip_reward",
    "welcome",
    "winback",
];

/// The real binary with the unsubscribe secret set (see `cli_shop`).
fn segflow(dir: &Path, args: &[&str]) -> (i32, String, String) {
    cli_shop::segflow_mail(dir, args)
}

/// Runs the demo of 1,000 customers in a fresh repository with the example files; returns the
/// directory and the summary (stdout).
fn demo() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("rules"), &dir.path().join("rules"));
    copy_dir(&repo().join("workflows"), &dir.path().join("workflows"));
    let (code, out, err) = segflow(
        dir.path(),
        &["--now", NOW, "demo", "--customers", "1000", "--seed", "42"],
    );
    assert_eq!(code, 0, "{err}");
    (dir, out)
}

/// The rows of the summary table: (workflow, step, [sent, queued, held, skipped, failed]).
fn summary_rows(out: &str) -> Vec<(String, String, [i64; 5])> {
    let mut lines = out.lines().skip_while(|l| !l.starts_with("workflow "));
    let header = lines.next().expect("the summary table");
    assert!(
        header.split_whitespace().collect::<Vec<_>>()
            == ["workflow", "step", "sent", "queued", "held", "skipped", "failed"],
        "{header}"
    );
    lines
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            let n: Vec<i64> = cells[2..].iter().map(|c| c.parse().unwrap()).collect();
            (
                cells[0].to_string(),
                cells[1].to_string(),
                [n[0], n[1], n[2], n[3], n[4]],
            )
        })
        .collect()
}

fn query(db: &Path, sql: &str, params: &[&dyn rusqlite::ToSql]) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, params, |r| r.get(0)).unwrap()
}

#[test]
fn the_demo_plays_a_live_shop_that_answers_its_mail() {
    let (dir, out) = demo();
    let db = dir.path().join("demo/segflow.db");
    let rows = summary_rows(&out);
    for workflow in EXAMPLES {
        let sent: i64 = rows
            .iter()
            .filter(|r| r.0 == workflow)
            .map(|r| r.2[0])
            .sum();
        assert!(sent > 0, "{workflow} sent nothing:\n{out}");
    }
    // The summary's figures are the outbox's at the demo's end: sent is what was handed to the
    // transport, held what the policy keeps until later, and none of it counted twice.
    let end = 1_795_341_600_000i64 + 14 * 86_400_000;
    for (workflow, step, [sent, queued, held, _, failed]) in &rows {
        let of = |status: &str| {
            query(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM outbox WHERE workflow = ?1 AND step = ?2 AND ?3 > 0 AND {status}"
                ),
                &[workflow, step, &end],
            )
        };
        assert_eq!(*sent, of("status = 'sent'"), "{workflow}/{step}");
        assert_eq!(
            *queued,
            of("status = 'queued' AND next_attempt_at <= ?3"),
            "{workflow}/{step}"
        );
        assert_eq!(
            *held,
            of("status = 'queued' AND next_attempt_at > ?3"),
            "{workflow}/{step}"
        );
        assert_eq!(*failed, of("status = 'failed'"), "{workflow}/{step}");
    }
    let emls = std::fs::read_dir(dir.path().join("demo/outbox"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "eml")
        })
        .count() as i64;
    assert_eq!(emls, rows.iter().map(|r| r.2[0]).sum::<i64>());

    let converted = query(
        &db,
        "SELECT COUNT(*) FROM journeys WHERE state = 'converted'",
        &[],
    );
    assert!(converted > 0, "no journey reached its goal");
    assert!(out.contains(&format!("converted {converted} ")), "{out}");

    // New customers signed up during the days, and the live days are in the store.
    let signups = query(
        &db,
        "SELECT COUNT(*) FROM customers WHERE created_at > ?1",
        &[&(end - 14 * 86_400_000)],
    );
    assert!(signups > 0);
    // Every open and click answers a message sent before it, and some exist.
    let answers = "FROM events e WHERE e.type IN ('email_opened', 'email_clicked')
        AND json_extract(e.properties, '$.message_id') IS NOT NULL";
    assert!(query(&db, &format!("SELECT COUNT(*) {answers}"), &[]) > 0);
    let early = query(
        &db,
        &format!(
            "SELECT COUNT(*) {answers} AND NOT EXISTS (SELECT 1 FROM outbox o
               WHERE o.message_id = json_extract(e.properties, '$.message_id')
                 AND o.customer = e.customer AND o.sent_at < e.occurred_at)"
        ),
        &[],
    );
    assert_eq!(early, 0, "an open or click came before its send");

    // The summary names the report at the demo's end; it has attributed revenue and both arms
    // of the winback split entered.
    let line = out
        .lines()
        .find(|l| l.contains(" report ") && l.contains("--now"))
        .unwrap_or_else(|| panic!("no report command in:\n{out}"));
    let cells: Vec<&str> = line.split_whitespace().collect();
    let at = cells.iter().position(|c| *c == "--now").unwrap() + 1;
    assert_eq!(cells[at], "2026-12-06T10:00:00Z");
    let (code, json, err) = segflow(
        dir.path(),
        &[
            "--db",
            "demo/segflow.db",
            "--now",
            cells[at],
            "report",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&json).unwrap();
    let revenue: f64 = report["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["totals"]["attributed_revenue"].as_f64().unwrap())
        .sum();
    assert!(revenue > 0.0, "{json}");
    // The report at the end counts every step's messages as the summary does; a message the
    // policy holds until after the end is held there too, not queued.
    for w in report["workflows"].as_array().unwrap() {
        for s in w["steps"].as_array().unwrap() {
            let figures = ["sent", "queued", "held"].map(|k| s[k].as_i64().unwrap());
            let summary = rows
                .iter()
                .find(|r| w["workflow"] == r.0.as_str() && s["step"] == r.1.as_str())
                .map_or([0; 3], |r| [r.2[0], r.2[1], r.2[2]]);
            assert_eq!(figures, summary, "{} / {}", w["workflow"], s["step"]);
        }
    }
    assert!(
        rows.iter().any(|r| r.2[2] > 0),
        "no held message to compare:\n{out}"
    );
    let split = report["splits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["workflow"] == "winback")
        .unwrap_or_else(|| panic!("no winback split: {json}"));
    let arms: Vec<(&str, u64)> = split["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["entered"].as_u64().unwrap()))
        .collect();
    assert_eq!(arms.len(), 2, "{arms:?}");
    assert!(arms.iter().all(|a| a.1 > 0), "{arms:?}");
    // The example split says `metric: revenue`: the report reads it from the workflow file.
    assert_eq!(split["metric"], "revenue", "{split}");
    assert_eq!(split["comparisons"][0]["metric"], "revenue", "{split}");

    // The same seed gives the same demo.
    let (_again, out_again) = demo();
    assert_eq!(out, out_again);
}

/// On the wall clock (no `--now`, so a time with milliseconds), the members a segment has at
/// the demo's start are not newly entered: no journey starts at the workflows' activation.
#[test]
fn the_demo_on_the_wall_clock_greets_no_existing_member() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("rules"), &dir.path().join("rules"));
    copy_dir(&repo().join("workflows"), &dir.path().join("workflows"));
    let (code, _, err) = segflow(dir.path(), &["demo", "--customers", "150"]);
    assert_eq!(code, 0, "{err}");
    let db = dir.path().join("demo/segflow.db");
    let members = query(
        &db,
        "SELECT COUNT(*) FROM segment_members WHERE segment = 'first_time_buyers'",
        &[],
    );
    assert!(members > 0);
    let at_start = query(
        &db,
        "SELECT COUNT(*) FROM journeys WHERE entered_at <=
           (SELECT MAX(position) FROM workflow_cursors WHERE source = 'activated') + 1000",
        &[],
    );
    assert_eq!(
        at_start, 0,
        "journeys started for members of before the demo"
    );
}
