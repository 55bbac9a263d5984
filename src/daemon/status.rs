//! What a running daemon is doing, kept in `daemon_state` so that `segflow status` can show it
//! from the database alone, from another process, even after the daemon died.

use std::fmt::Write as _;

use rusqlite::Connection;

use super::metrics::Metrics;

/// A heartbeat older than this many milliseconds means the daemon is not running.
pub const STALE_MS: i64 = 30_000;

use crate::store::daemon_state::get;
pub use crate::store::daemon_state::set;

/// Records the end of an engine pass with the counters worth seeing from outside.
pub fn heartbeat(conn: &Connection, now: i64, metrics: &Metrics) -> rusqlite::Result<()> {
    set(conn, "heartbeat", &now.to_string(), now)?;
    set(
        conn,
        "events_ingested",
        &metrics.events_ingested().to_string(),
        now,
    )
}

/// Marks the start of a daemon. The start counts as its first heartbeat, so `segflow status`
/// says "running" from the moment the daemon listens, not only after its first pass.
pub fn started(conn: &Connection, bind: &str, now: i64) -> rusqlite::Result<()> {
    set(conn, "pid", &std::process::id().to_string(), now)?;
    set(conn, "heartbeat", &now.to_string(), now)?;
    set(conn, "started_at", &now.to_string(), now)?;
    set(conn, "bind", bind, now)?;
    set(conn, "stopped_at", "", now)?;
    set(conn, "reload_error", "", now)
}

pub fn stopped(conn: &Connection, now: i64) -> rusqlite::Result<()> {
    set(conn, "stopped_at", &now.to_string(), now)
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// The text `segflow status` prints.
pub fn report(conn: &Connection, now: i64) -> rusqlite::Result<String> {
    let mut out = String::new();
    let ms = |key: &str| -> rusqlite::Result<Option<i64>> {
        Ok(get(conn, key)?.and_then(|v| v.parse().ok()))
    };
    let heartbeat = ms("heartbeat")?;
    let stopped = ms("stopped_at")?;
    let state = match (heartbeat, stopped) {
        (None, _) => "never started".to_string(),
        (Some(_), Some(at)) => format!("stopped at {}", iso(at)),
        (Some(h), None) if now - h > STALE_MS => format!(
            "not running (last heartbeat {} s ago at {}; it was killed or hangs)",
            (now - h) / 1000,
            iso(h)
        ),
        (Some(h), None) => format!(
            "running (last heartbeat {} s ago)",
            ((now - h) / 1000).max(0)
        ),
    };
    let _ = writeln!(out, "daemon: {state}");
    if let Some(pid) = get(conn, "pid")? {
        let started = ms("started_at")?.map_or_else(String::new, iso);
        let bind = get(conn, "bind")?.unwrap_or_default();
        let _ = writeln!(out, "pid {pid}, started {started}, listening on {bind}");
    }
    if let Some(n) = get(conn, "events_ingested")? {
        let _ = writeln!(out, "events ingested since start: {n}");
    }
    let active = crate::store::journeys::running(conn)?;
    let mut count = [0i64; 4];
    for (status, n) in crate::mail::outbox::status_counts(conn)? {
        use crate::mail::outbox::Status;
        let slot = match status {
            Status::Queued | Status::Sending => 0,
            Status::Held => 1,
            Status::Sent => 2,
            Status::Failed => 3,
            Status::Skipped => continue,
        };
        count[slot] += n;
    }
    let [queued, held, sent, failed] = count;
    let _ = writeln!(out, "journeys active: {active}");
    let _ = writeln!(
        out,
        "outbox: {queued} to send, {held} held, {sent} sent, {failed} failed"
    );
    let fb = crate::store::mail_feedback::totals(conn, None)?;
    let _ = writeln!(
        out,
        "bounces reported: {} hard, {} soft; complaints: {}; addresses they suppressed: {}",
        fb.hard, fb.soft, fb.complaints, fb.suppressed
    );
    let hooks = crate::store::webhooks::status_counts(conn)?;
    if !hooks.is_empty() {
        let of = |s: &str| hooks.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
        let _ = writeln!(
            out,
            "webhook calls: {} to make, {} delivered, {} given up",
            of("queued"),
            of("delivered"),
            of("failed")
        );
    }
    let rows = crate::schedule::slots::latest_per_job(conn, "segment:")?;
    let mut first = true;
    for (job, slot, done) in rows {
        if first {
            let _ = writeln!(out, "segment refreshes (latest slot, finished):");
            first = false;
        }
        let done = done.map_or_else(|| "running".to_string(), iso);
        let _ = writeln!(
            out,
            "  {:<28} {}  {}",
            &job["segment:".len()..],
            iso(slot),
            done
        );
    }
    if let Some(error) = get(conn, "reload_error")? {
        let _ = writeln!(
            out,
            "the last edit of the rules did not load; the previous rules are active:\n{error}"
        );
    }
    Ok(out)
}
