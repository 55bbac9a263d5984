//! The owner of `webhook_deliveries` (every outgoing webhook call, queued before it is made,
//! so that none is lost and each is made until the endpoint takes it) and `webhook_cursors`
//! (how far each journal has been turned into deliveries).

use rusqlite::{params, Connection, OptionalExtension};

/// A delivery to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery<'a> {
    pub webhook: &'a str,
    /// Unique per webhook and event, so a journal read twice queues a call once.
    pub key: &'a str,
    pub event: &'a str,
    pub body: &'a str,
}

/// A queued delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub webhook: String,
    pub key: String,
    pub event: String,
    pub body: String,
    pub attempts: u32,
}

/// Queues a delivery unless its key is queued already; true when it was new.
pub fn enqueue(conn: &Connection, d: &NewDelivery, now: i64) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO webhook_deliveries (webhook, key, event, body, status, attempts,
               next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, 'queued', 0, ?5, ?5)
             ON CONFLICT (webhook, key) DO NOTHING",
        )?
        .execute(params![d.webhook, d.key, d.event, d.body, now])?;
    Ok(n == 1)
}

/// Up to `limit` queued deliveries due at `now`, oldest due first.
pub fn due(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, webhook, key, event, body, attempts FROM webhook_deliveries
         WHERE status = 'queued' AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        Ok(Delivery {
            id: r.get(0)?,
            webhook: r.get(1)?,
            key: r.get(2)?,
            event: r.get(3)?,
            body: r.get(4)?,
            attempts: r.get(5)?,
        })
    })?;
    rows.collect()
}

pub fn mark_delivered(conn: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1,
           delivered_at = ?2, last_error = NULL WHERE id = ?1",
    )?
    .execute(params![id, now])?;
    Ok(())
}

/// Records a failed attempt: tried again at `next`, or given up (`failed`) when `next` is
/// `None`.
pub fn mark_attempt_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    next: Option<i64>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?2,
           status = CASE WHEN ?3 IS NULL THEN 'failed' ELSE 'queued' END,
           next_attempt_at = COALESCE(?3, next_attempt_at) WHERE id = ?1",
    )?
    .execute(params![id, error, next])?;
    Ok(())
}

/// (status, count) of every status present, by status.
pub fn status_counts(conn: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT status, COUNT(*) FROM webhook_deliveries GROUP BY status ORDER BY status",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// How far the journal `source` has been read.
pub fn cursor(conn: &Connection, source: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT position FROM webhook_cursors WHERE source = ?1")?
        .query_row([source], |r| r.get(0))
        .optional()
}

pub fn set_cursor(conn: &Connection, source: &str, position: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO webhook_cursors (source, position) VALUES (?1, ?2)
         ON CONFLICT (source) DO UPDATE SET position = excluded.position",
    )?
    .execute(params![source, position])?;
    Ok(())
}
