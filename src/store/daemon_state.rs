//! The owner of `daemon_state`: small key/value facts a running daemon records (its pid,
//! heartbeat, the last reload error) so that `segflow status` can read them from another
//! process, even after the daemon died.

use rusqlite::{params, Connection, OptionalExtension};

/// Sets `key` to `value` as of `now`.
pub fn set(conn: &Connection, key: &str, value: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO daemon_state (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![key, value, now],
    )?;
    Ok(())
}

/// The value of `key`; `None` when unset or set to the empty string (cleared).
pub fn get(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM daemon_state WHERE key = ?1",
        [key],
        |r| r.get(0),
    )
    .optional()
    .map(|v: Option<String>| v.filter(|s| !s.is_empty()))
}
