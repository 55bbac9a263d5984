//! The change journal, `store_changes`: triggers append the customer of every changed customer,
//! order, line or event row (a bulk load appends one row without a customer, meaning
//! "everything"); the daemon's warm state reads and deletes what it has applied. This module is
//! the journal's one reader and the owner of its statements outside the triggers.

use rusqlite::Connection;

/// The position of the latest journal row ever written. The AUTOINCREMENT high-water mark
/// survives the deletion of applied rows, so the position never goes back.
pub fn end(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'store_changes'), 0)",
        [],
        |r| r.get(0),
    )
}

/// Up to `limit` journal rows after `after` and at most `until`: (position, customer), with
/// `None` for a bulk change.
pub fn between(
    conn: &Connection,
    after: i64,
    until: i64,
    limit: i64,
) -> rusqlite::Result<Vec<(i64, Option<i64>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, customer FROM store_changes WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
    )?;
    let rows = stmt.query_map([after, until, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Deletes the rows up to and including `until`, once applied.
pub fn applied(conn: &Connection, until: i64) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM store_changes WHERE seq <= ?1", [until])?;
    Ok(())
}
