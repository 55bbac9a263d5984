//! The scheduler over real SQLite files: DST spring-forward and fall-back nights in
//! Europe/Berlin, catch-up after downtime, a restart in the middle of a slot, concurrent
//! claimers, aligned `every` slots, and a segment's `refresh:` read from its rule file.

mod workflow_support;

use std::sync::{Arc, Barrier};

use chrono::{TimeZone, Timelike, Utc};
use chrono_tz::Europe::Berlin;
use rusqlite::Connection;
use segflow::dsl::diagnostic::SourceFile;
use segflow::schedule::{claim_due, complete, next_wake, segment_job, Cadence, Claim};
use segflow::segment::SegmentSet;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .timestamp_millis()
}

fn open(dir: &std::path::Path) -> Connection {
    segflow::store::open(&dir.join("shop.db")).unwrap()
}

/// Calls `claim_due` every minute in [from, to), completing each claim at once, as a daemon
/// that wakes every minute would; returns the claims in order.
fn every_minute(conn: &mut Connection, job: &str, c: &Cadence, from: i64, to: i64) -> Vec<Claim> {
    let mut claims = Vec::new();
    let mut t = from;
    while t < to {
        if let Some(claim) = claim_due(conn, job, c, t).unwrap() {
            complete(conn, job, claim.slot, t).unwrap();
            claims.push(claim);
        }
        t += MINUTE;
    }
    claims
}

fn berlin_0230() -> Cadence {
    Cadence::cron("30 2 * * *", Berlin).unwrap()
}

#[test]
fn spring_forward_runs_the_missing_local_time_once_right_after_the_gap() {
    // On 2026-03-29 Berlin clocks jump from 02:00 CET to 03:00 CEST, so 02:30 does not exist.
    // croner treats a fixed-time job whose time falls in the gap as due at the first instant
    // after the gap: 03:00 CEST, which is 01:00 UTC.
    let c = berlin_0230();
    let gap_day_slot = c.next_after(utc(2026, 3, 28, 12, 0)).unwrap();
    assert_eq!(gap_day_slot, utc(2026, 3, 29, 1, 0));
    let local = Berlin.timestamp_millis_opt(gap_day_slot).unwrap();
    assert_eq!((local.hour(), local.minute()), (3, 0));
    // The days around it keep 02:30 local: 01:30 UTC in winter, 00:30 UTC in summer.
    assert_eq!(
        c.next_after(utc(2026, 3, 27, 12, 0)),
        Some(utc(2026, 3, 28, 1, 30))
    );
    assert_eq!(c.next_after(gap_day_slot), Some(utc(2026, 3, 30, 0, 30)));

    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(dir.path());
    // Start after the previous day's slot so the first claim is the gap day's.
    complete_first(&mut conn, "nightly", &c, utc(2026, 3, 28, 12, 0));
    let claims = every_minute(
        &mut conn,
        "nightly",
        &c,
        utc(2026, 3, 28, 22, 0),
        utc(2026, 3, 29, 6, 0),
    );
    let slots: Vec<i64> = claims.iter().map(|c| c.slot).collect();
    assert_eq!(slots, vec![utc(2026, 3, 29, 1, 0)]);
}

/// Claims and completes the job's first slot at `now` (a job seen for the first time claims the
/// latest slot at or before `now`), and checks that it is that slot.
fn complete_first(conn: &mut Connection, job: &str, c: &Cadence, now: i64) {
    let claim = claim_due(conn, job, c, now).unwrap().unwrap();
    assert!(!claim.resumed);
    assert!(claim.slot <= now);
    assert_eq!(c.next_after(claim.slot).map(|n| n > now), Some(true));
    complete(conn, job, claim.slot, now).unwrap();
}

#[test]
fn fall_back_runs_a_fixed_time_once_across_the_repeated_hour() {
    // On 2026-10-25 Berlin clocks go back from 03:00 CEST to 02:00 CET, so 02:30 happens twice:
    // at 00:30 UTC and at 01:30 UTC. croner fires a fixed-time job once, at the earlier instant.
    let c = berlin_0230();
    assert_eq!(
        c.next_after(utc(2026, 10, 24, 12, 0)),
        Some(utc(2026, 10, 25, 0, 30))
    );
    assert_eq!(
        c.next_after(utc(2026, 10, 25, 0, 30)),
        Some(utc(2026, 10, 26, 1, 30))
    );
    // During the second 02:30 the latest due slot is still the first one.
    assert_eq!(
        c.latest_due(utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 1, 45)),
        Some(utc(2026, 10, 25, 0, 30))
    );

    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(dir.path());
    complete_first(&mut conn, "nightly", &c, utc(2026, 10, 24, 12, 0));
    let claims = every_minute(
        &mut conn,
        "nightly",
        &c,
        utc(2026, 10, 24, 22, 0),
        utc(2026, 10, 25, 6, 0),
    );
    let slots: Vec<i64> = claims.iter().map(|c| c.slot).collect();
    assert_eq!(slots, vec![utc(2026, 10, 25, 0, 30)]);
}

#[test]
fn fall_back_interval_job_fires_in_both_passes_of_the_repeated_hour() {
    // An interval pattern matches wall clock times, and both passes of 02:00–03:00 are real
    // half hours: the job keeps firing every 30 minutes of real time, each instant once.
    let c = Cadence::cron("*/30 * * * *", Berlin).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(dir.path());
    let from = utc(2026, 10, 24, 22, 0);
    complete_first(&mut conn, "halfhourly", &c, from);
    let claims = every_minute(&mut conn, "halfhourly", &c, from, utc(2026, 10, 25, 4, 1));
    let slots: Vec<i64> = claims.iter().map(|c| c.slot).collect();
    let expected: Vec<i64> = (1..=12).map(|k| from + k * 30 * MINUTE).collect();
    assert_eq!(slots, expected);
}

#[test]
fn after_downtime_missed_slots_run_once_as_the_latest() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(dir.path());
    let c = Cadence::Every {
        millis: 15 * MINUTE,
    };
    let t0 = utc(2026, 11, 2, 10, 0);
    complete_first(&mut conn, "segment:vip", &c, t0);
    // Down for five slots (10:15 to 11:15), back at 11:20.
    let back = t0 + 80 * MINUTE;
    let claim = claim_due(&mut conn, "segment:vip", &c, back)
        .unwrap()
        .unwrap();
    assert_eq!(claim.slot, t0 + 75 * MINUTE);
    assert!(!claim.resumed);
    complete(&conn, "segment:vip", claim.slot, back).unwrap();
    assert_eq!(
        claim_due(&mut conn, "segment:vip", &c, back + MINUTE).unwrap(),
        None
    );
    let rows: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM schedule_slots WHERE job = 'segment:vip'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 2, "the skipped slots are not recorded");

    // The same for a cron job in a zone: a daily 06:00 Berlin job down for five days.
    let daily = Cadence::cron("0 6 * * *", Berlin).unwrap();
    complete_first(&mut conn, "daily", &daily, t0);
    let claim = claim_due(&mut conn, "daily", &daily, t0 + 5 * 24 * HOUR)
        .unwrap()
        .unwrap();
    assert_eq!(claim.slot, utc(2026, 11, 7, 5, 0));
}

#[test]
fn a_job_seen_for_the_first_time_claims_the_latest_past_slot() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = open(dir.path());
    let c = Cadence::Every { millis: HOUR };
    let now = utc(2026, 11, 2, 10, 42);
    let claim = claim_due(&mut conn, "fresh", &c, now).unwrap().unwrap();
    assert_eq!(claim.slot, utc(2026, 11, 2, 10, 0));
    complete(&conn, "fresh", claim.slot, now).unwrap();
    assert_eq!(
        claim_due(&mut conn, "fresh", &c, now + 10 * MINUTE).unwrap(),
        None
    );
}

#[test]
fn a_slot_interrupted_by_a_restart_is_resumed_once_then_never_returns() {
    let dir = tempfile::tempdir().unwrap();
    let c = Cadence::Every { millis: HOUR };
    let t0 = utc(2026, 11, 2, 10, 5);
    let slot = {
        let mut conn = open(dir.path());
        let claim = claim_due(&mut conn, "segment:vip", &c, t0)
            .unwrap()
            .unwrap();
        assert!(!claim.resumed);
        claim.slot
        // The process "crashes": the connection closes without `complete`.
    };
    let mut conn = open(dir.path());
    // Back three hours later: the unfinished slot comes first, before any newer slot.
    let later = t0 + 3 * HOUR;
    let resumed = claim_due(&mut conn, "segment:vip", &c, later)
        .unwrap()
        .unwrap();
    assert_eq!(
        resumed,
        Claim {
            job: "segment:vip".into(),
            slot,
            resumed: true
        }
    );
    complete(&conn, "segment:vip", slot, later).unwrap();
    let done: Option<i64> = conn
        .query_row(
            "SELECT done_at FROM schedule_slots WHERE job = 'segment:vip' AND slot = ?1",
            [slot],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(done, Some(later));
    // Then the missed slots catch up once, as the latest, and the resumed slot never returns.
    let next = claim_due(&mut conn, "segment:vip", &c, later)
        .unwrap()
        .unwrap();
    assert_eq!((next.slot, next.resumed), (utc(2026, 11, 2, 13, 0), false));
    complete(&conn, "segment:vip", next.slot, later).unwrap();
    drop(conn);
    let mut conn = open(dir.path());
    for k in 0..90 {
        let t = later + k * MINUTE;
        if let Some(claim) = claim_due(&mut conn, "segment:vip", &c, t).unwrap() {
            assert!(claim.slot > next.slot && !claim.resumed);
            complete(&conn, "segment:vip", claim.slot, t).unwrap();
        }
    }
}

#[test]
fn two_connections_claiming_concurrently_never_both_claim_a_slot() {
    let dir = tempfile::tempdir().unwrap();
    // Create the schema once before the threads open their own connections.
    drop(open(dir.path()));
    let jobs: Vec<String> = (0..40).map(|i| format!("job{i}")).collect();
    let c = Cadence::Every { millis: HOUR };
    let now = utc(2026, 11, 2, 10, 30);
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (path, jobs, c, barrier) = (
                dir.path().to_path_buf(),
                jobs.clone(),
                c.clone(),
                barrier.clone(),
            );
            std::thread::spawn(move || {
                let mut conn = open(&path);
                barrier.wait();
                let mut got = Vec::new();
                for job in &jobs {
                    if let Some(claim) = claim_due(&mut conn, job, &c, now).unwrap() {
                        got.push(claim);
                    }
                }
                got
            })
        })
        .collect();
    let claims: Vec<Vec<Claim>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for job in &jobs {
        let fresh: Vec<&Claim> = claims
            .iter()
            .flatten()
            .filter(|c| &c.job == job && !c.resumed)
            .collect();
        assert_eq!(
            fresh.len(),
            1,
            "{job} was claimed afresh {} times",
            fresh.len()
        );
        assert_eq!(fresh[0].slot, utc(2026, 11, 2, 10, 0));
        // The other connection saw the slot in flight: it can only get it flagged as a resume,
        // which a single daemon per store never sees while its own run is in flight.
        let resumed = claims
            .iter()
            .flatten()
            .filter(|c| &c.job == job && c.resumed)
            .count();
        assert!(resumed <= 1);
    }
    let rows: i64 = open(dir.path())
        .query_row("SELECT COUNT(*) FROM schedule_slots", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, jobs.len() as i64);
}

#[test]
fn every_slots_are_aligned_and_strictly_after() {
    let mut x: i64 = 0x5eed;
    for millis in [MINUTE, 15 * MINUTE, HOUR, 90 * MINUTE, 24 * HOUR] {
        let c = Cadence::Every { millis };
        for _ in 0..200 {
            // A small linear congruential generator gives times on both sides of the epoch.
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let t = x.rem_euclid(4_000_000_000_000) - 1_000_000_000_000;
            for t in [t, t - t.rem_euclid(millis)] {
                let next = c.next_after(t).unwrap();
                assert!(next > t && next - t <= millis, "{t} -> {next}");
                assert_eq!(next.rem_euclid(millis), 0);
                let due = c.latest_due(t - 3 * millis, t).unwrap();
                assert!(due <= t && t - due < millis && due.rem_euclid(millis) == 0);
            }
        }
    }
}

#[test]
fn next_wake_is_the_earliest_next_slot() {
    let now = utc(2026, 11, 2, 10, 7);
    let jobs = [
        Cadence::Every { millis: HOUR },
        Cadence::cron("10 * * * *", Berlin).unwrap(),
        Cadence::Every { millis: 0 },
    ];
    assert_eq!(next_wake(&jobs, now), Some(utc(2026, 11, 2, 10, 10)));
    assert_eq!(next_wake(&jobs[..1], now), Some(utc(2026, 11, 2, 11, 0)));
    assert_eq!(next_wake(&[], now), None);
}

#[test]
fn a_rule_file_refresh_becomes_the_segment_cadence() {
    let files = vec![
        (
            SourceFile::new(
                "rules/vip.yaml",
                "segment: vip\nrefresh:\n  cron: \"0 6 * * *\"\n  timezone: Europe/Berlin\nwhere: total_spent > 1000\n",
            ),
            "vip".to_string(),
        ),
        (
            SourceFile::new(
                "rules/cart.yaml",
                "segment: cart\nrefresh: { every: 15m }\nwhere: orders_count > 0\n",
            ),
            "cart".to_string(),
        ),
        (
            SourceFile::new("rules/plain.yaml", "segment: plain\nwhere: orders_count > 1\n"),
            "plain".to_string(),
        ),
    ];
    let set = SegmentSet::from_files(files).unwrap();
    assert_eq!(
        set.get("vip").unwrap().refresh,
        Some(Cadence::Cron {
            expr: "0 6 * * *".into(),
            tz: Berlin
        })
    );
    assert_eq!(
        set.get("cart").unwrap().refresh,
        Some(Cadence::Every {
            millis: 15 * MINUTE
        })
    );
    assert_eq!(set.get("plain").unwrap().refresh, None);
    assert_eq!(segment_job("cart"), "segment:cart");
}

const NIGHTLY: &str = r#"
workflow: nightly
trigger: { schedule: { cron: "30 2 * * *", timezone: Europe/Berlin, segment: vip } }
reentry: always
steps:
  - { id: mark, tag: nightly }
"#;

#[test]
fn a_workflow_schedule_starts_once_on_the_fall_back_night() {
    use segflow::workflow::{run_once, RecordingDispatcher};
    use workflow_support::*;
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let wf = workflows(&[("nightly", NIGHTLY)]);
    let a = customer(&conn, 1);
    entered(&conn, "vip", a, utc(2026, 10, 20, 0, 0));
    let mut d = RecordingDispatcher::default();
    // A workflow first seen starts nothing for past slots.
    let first = run_once(&mut conn, &wf, utc(2026, 10, 24, 22, 0), &mut d).unwrap();
    assert_eq!(first.started, 0);
    let mut started = Vec::new();
    let mut t = utc(2026, 10, 24, 22, 1);
    while t < utc(2026, 10, 25, 6, 0) {
        if run_once(&mut conn, &wf, t, &mut d).unwrap().started > 0 {
            started.push(t);
        }
        t += MINUTE;
    }
    assert_eq!(started, vec![utc(2026, 10, 25, 0, 30)]);
    let (started_at, done_at): (Option<i64>, Option<i64>) = conn
        .query_row(
            "SELECT started_at, done_at FROM schedule_slots WHERE job = 'nightly'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((started_at, done_at), (Some(started[0]), Some(started[0])));
}

#[test]
fn latest_due_agrees_with_walking_forward_through_dst_nights() {
    // `latest_due` searches backwards from `now`; the slots it names must be exactly those that
    // `next_after` names walking forwards, or a daemon would wake for one slot and claim another.
    let patterns = [
        "30 2 * * *",
        "0 3 * * *",
        "*/20 2-3 * * *",
        "15 1,2 * * *",
        "0 2 * * 0",
    ];
    for pattern in patterns {
        let c = Cadence::cron(pattern, Berlin).unwrap();
        for night in [utc(2026, 3, 28, 22, 0), utc(2026, 10, 24, 22, 0)] {
            let after = night - 8 * 24 * HOUR;
            let mut now = night;
            while now < night + 8 * HOUR {
                let mut walk = None;
                let mut t = after;
                while let Some(next) = c.next_after(t).filter(|n| *n <= now) {
                    walk = Some(next);
                    t = next;
                }
                assert_eq!(c.latest_due(after, now), walk, "{pattern} at {now}");
                now += 5 * MINUTE + 7_000;
            }
        }
    }
}

#[test]
fn the_shipped_example_rules_show_both_refresh_forms() {
    let rules = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let set = SegmentSet::load_dir(&rules).unwrap();
    assert_eq!(
        set.get("abandoned_checkout").unwrap().refresh,
        Some(Cadence::Every {
            millis: 15 * MINUTE
        })
    );
    assert_eq!(
        set.get("lapsed_6_months").unwrap().refresh,
        Some(Cadence::Cron {
            expr: "0 6 * * *".into(),
            tz: Berlin
        })
    );
}
