//! Looking customers up by the merchant's id and back: the lookups the CLI (`preview`,
//! `send-test`) and the daemon (attributing a tracked click to its customer) need, kept with
//! the store so neither front end holds SQL.

use rusqlite::{Connection, OptionalExtension};

/// The internal id of the customer with the merchant's id `external`.
pub fn internal(conn: &Connection, external: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM customers WHERE external_id = ?1")?
        .query_row([external], |r| r.get(0))
        .optional()
}

/// The merchant's id of the customer with internal id `id`; `None` once deleted.
pub fn external(conn: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT external_id FROM customers WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// The customer imported first (the lowest internal id), if there is any.
pub fn first(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT MIN(id) FROM customers", [], |r| r.get(0))
}
