//! The owner of `suppressions`, the addresses that must not receive mail again: hard bounces
//! found by the sender, bounces and complaints reported later (`mail::bounce`), unsubscribes
//! and imported lists. Addresses are stored trimmed and
//! lower-cased so one mailbox is one row whatever case it was written in.

use rusqlite::{params, Connection, OptionalExtension};

/// The normal form of an address in the suppression list.
pub fn normalize(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Adds `email` to the list; an existing entry keeps its first reason and time.
pub fn suppress(conn: &Connection, email: &str, reason: &str, at: i64) -> rusqlite::Result<bool> {
    let inserted = conn.execute(
        "INSERT INTO suppressions (email, reason, at) VALUES (?1, ?2, ?3)
         ON CONFLICT(email) DO NOTHING",
        params![normalize(email), reason, at],
    )?;
    Ok(inserted == 1)
}

/// The reason `email` is suppressed, if it is.
pub fn reason(conn: &Connection, email: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT reason FROM suppressions WHERE email = ?1",
        [normalize(email)],
        |r| r.get(0),
    )
    .optional()
}

/// Removes `email` from the list (e.g. the customer fixed their mailbox); true if it was there.
pub fn unsuppress(conn: &Connection, email: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM suppressions WHERE email = ?1",
        [normalize(email)],
    )? == 1)
}
