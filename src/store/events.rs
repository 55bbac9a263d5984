//! Single events: the API's insert, deduplicated by the same key as the CSV import (the
//! event's id, else a content hash), and the reads the journey engine consumes as triggers
//! and a preview uses for a customer's latest event. The CSV import writes events in bulk
//! (`store::import::events`) and the snapshot reads them in bulk.

use rusqlite::{params, Connection, OptionalExtension, ToSql};

/// The customer (internal id, and merchant id unless deleted) of the event stored under
/// `dedup_key`, if one is.
pub fn owner_of(
    conn: &Connection,
    dedup_key: &str,
) -> rusqlite::Result<Option<(i64, Option<String>)>> {
    conn.prepare_cached(
        "SELECT ev.customer, c.external_id FROM events ev
         LEFT JOIN customers c ON c.id = ev.customer WHERE ev.dedup_key = ?1",
    )?
    .query_row([dedup_key], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Stores an event unless one with `dedup_key` exists (the merchant's id as text, or a content
/// hash as bytes); true when it was new.
pub fn insert(
    conn: &Connection,
    dedup_key: &dyn ToSql,
    customer: i64,
    event_type: &str,
    occurred_at: i64,
    properties_json: &str,
) -> rusqlite::Result<bool> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO events (dedup_key, customer, type, occurred_at, properties)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dedup_key) DO NOTHING",
        )?
        .execute(params![
            dedup_key,
            customer,
            event_type,
            occurred_at,
            properties_json
        ])?;
    Ok(inserted > 0)
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub id: i64,
    pub customer: i64,
    pub occurred_at: i64,
    /// The properties as stored (JSON text).
    pub properties: String,
}

/// The id of the latest event, 0 without any.
pub fn last_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))
}

/// Up to `limit` events of `event_type` with ids in `(after, until]`, in id order.
pub fn of_type_between(
    conn: &Connection,
    event_type: &str,
    after: i64,
    until: i64,
    limit: i64,
) -> rusqlite::Result<Vec<EventRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, customer, occurred_at, properties FROM events WHERE type = ?1 AND id > ?2 AND id <= ?3 ORDER BY id LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![event_type, after, until, limit], event_row)?;
    rows.collect()
}

/// The customer's latest event of `event_type`.
pub fn latest_of(
    conn: &Connection,
    customer: i64,
    event_type: &str,
) -> rusqlite::Result<Option<EventRow>> {
    conn.query_row(
        "SELECT id, customer, occurred_at, properties FROM events WHERE customer = ?1 AND type = ?2
         ORDER BY occurred_at DESC, id DESC LIMIT 1",
        params![customer, event_type],
        event_row,
    )
    .optional()
}

/// An `EventRow` from (id, customer, occurred_at, properties).
fn event_row(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        customer: r.get(1)?,
        occurred_at: r.get(2)?,
        properties: r.get(3)?,
    })
}

/// How many of the latest events the editor's completions look at: enough to see every type
/// and property a shop sends, bounded so a completion stays instant on a large store.
const VOCABULARY_SAMPLE: i64 = 50_000;

/// The event types among the latest events, by name.
pub fn type_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT type FROM (SELECT type FROM events ORDER BY id DESC LIMIT ?1) ORDER BY 1",
    )?;
    let rows = stmt.query_map([VOCABULARY_SAMPLE], |r| r.get(0))?;
    rows.collect()
}

/// The property names among the latest events, by name.
pub fn property_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT j.key FROM (SELECT properties FROM events ORDER BY id DESC LIMIT ?1) e,
         json_each(e.properties) j ORDER BY 1",
    )?;
    let rows = stmt.query_map([VOCABULARY_SAMPLE], |r| r.get(0))?;
    rows.collect()
}

/// When this customer opened emails (`email_opened` events of a person, not a privacy proxy
/// or scanner) up to `now`, latest first, at most `limit`.
pub fn open_times(
    conn: &Connection,
    customer: i64,
    now: i64,
    limit: i64,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT occurred_at FROM events
         WHERE customer = ?1 AND type = 'email_opened' AND occurred_at <= ?2
           AND COALESCE(json_extract(properties, '$.machine'), 0) = 0
         ORDER BY occurred_at DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![customer, now, limit], |r| r.get(0))?;
    rows.collect()
}

/// The latest `limit` human email opens of the whole shop up to `now`: (time, the opener's
/// zone).
pub fn shop_open_times(
    conn: &Connection,
    now: i64,
    limit: i64,
) -> rusqlite::Result<Vec<(i64, Option<String>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.occurred_at, c.timezone FROM events e JOIN customers c ON c.id = e.customer
         WHERE e.type = 'email_opened' AND e.occurred_at <= ?1
           AND COALESCE(json_extract(e.properties, '$.machine'), 0) = 0
         ORDER BY e.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The clicks of one message by its customer since `since`: (time, URL).
pub fn clicks_of_message(
    conn: &Connection,
    customer: i64,
    message_id: &str,
    since: i64,
) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT occurred_at, COALESCE(json_extract(properties, '$.url'), '') FROM events
         WHERE customer = ?1 AND type = 'email_clicked' AND occurred_at >= ?3
           AND json_extract(properties, '$.message_id') = ?2",
    )?;
    let rows = stmt.query_map(params![customer, message_id, since], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    rows.collect()
}
