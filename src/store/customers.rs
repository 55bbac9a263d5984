//! Single customers outside the import (`store::import` writes customers in bulk and by
//! upsert): looking one up by the merchant's id and back, as the CLI (`preview`, `send-test`)
//! and the daemon (attributing a tracked click) need, and the tags a journey step sets.

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

/// The customer's tags as stored (a JSON array of strings), `None` for an unknown customer.
pub fn tags(conn: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT tags FROM customers WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, String>(0))
        .optional()
}

/// Replaces the customer's tags (a JSON array of strings).
pub fn set_tags(conn: &Connection, id: i64, tags_json: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE customers SET tags = ?2 WHERE id = ?1")?
        .execute(rusqlite::params![id, tags_json])?;
    Ok(())
}
