//! Reading `events` one by one, as the journey engine consumes them as triggers and a preview
//! finds a customer's latest event (the import and `ingest` write them; the snapshot reads
//! them in bulk).

use rusqlite::{params, Connection, OptionalExtension};

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
    let rows = stmt.query_map(params![event_type, after, until, limit], |r| {
        Ok(EventRow {
            id: r.get(0)?,
            customer: r.get(1)?,
            occurred_at: r.get(2)?,
            properties: r.get(3)?,
        })
    })?;
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
        |r| {
            Ok(EventRow {
                id: r.get(0)?,
                customer: r.get(1)?,
                occurred_at: r.get(2)?,
                properties: r.get(3)?,
            })
        },
    )
    .optional()
}
