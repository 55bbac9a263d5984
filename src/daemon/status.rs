//! What a running daemon is doing, kept in `daemon_state` so that `segflow status` can show it
//! from the database alone, from another process, even after the daemon died.

use std::fmt::Write as _;

use rusqlite::{params, Connection};

use super::metrics::Metrics;

/// A heartbeat older than this many milliseconds means the daemon is not running.
pub const STALE_MS: i64 = 30_000;

pub fn set(conn: &Connection, key: &str, value: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO daemon_state (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value, now],
    )?;
    Ok(())
}

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

fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        "SELECT value FROM daemon_state WHERE key = ?1",
        [key],
        |r| r.get(0),
    )
    .optional()
    .map(|v: Option<String>| v.filter(|s| !s.is_empty()))
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
    let (active, queued, held, sent, failed): (i64, i64, i64, i64, i64) = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM journeys WHERE state IN ('active', 'waiting')),
                (SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'sending')),
                (SELECT COUNT(*) FROM outbox WHERE status = 'held'),
                (SELECT COUNT(*) FROM outbox WHERE status = 'sent'),
                (SELECT COUNT(*) FROM outbox WHERE status = 'failed')",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    let _ = writeln!(out, "journeys active: {active}");
    let _ = writeln!(
        out,
        "outbox: {queued} to send, {held} held, {sent} sent, {failed} failed"
    );
    let mut stmt = conn.prepare(
        "SELECT job, MAX(slot), MAX(done_at) FROM schedule_slots WHERE job LIKE 'segment:%' GROUP BY job ORDER BY job",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })?;
    let mut first = true;
    for row in rows {
        let (job, slot, done) = row?;
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
