//! Single customers outside the CSV import (`store::import` writes customers in bulk): the
//! upsert of one customer from the API, with the import's identity rule (the merchant's id);
//! looking one up by that id and back, as the CLI (`preview`, `send-test`) and the daemon
//! (attributing a tracked click) need; and the tags a journey step sets.

use rusqlite::{params, Connection, OptionalExtension};

/// One customer's fields as the API sends them; `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct CustomerFields<'a> {
    pub external_id: &'a str,
    pub email: Option<&'a str>,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub created_at: Option<i64>,
    pub birthday: Option<i64>,
    pub gender: Option<&'a str>,
    pub country: Option<&'a str>,
    pub region: Option<&'a str>,
    pub city: Option<&'a str>,
    pub zip: Option<&'a str>,
    pub timezone: Option<&'a str>,
    pub accepts_marketing: Option<bool>,
    /// A JSON array of strings replacing the stored tags.
    pub tags_json: Option<String>,
    /// A JSON object merged into the stored attributes (RFC 7386 merge patch).
    pub attributes_json: Option<String>,
}

/// Inserts or updates a customer; returns its internal id.
pub fn upsert(conn: &Connection, c: &CustomerFields) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO customers (external_id, email, first_name, last_name, created_at, birthday,
             gender, country, region, city, zip, timezone, accepts_marketing, tags, attributes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
             COALESCE(?14, '[]'), COALESCE(?15, '{}'))
         ON CONFLICT (external_id) DO UPDATE SET
             email = COALESCE(?2, email), first_name = COALESCE(?3, first_name),
             last_name = COALESCE(?4, last_name), created_at = COALESCE(?5, created_at),
             birthday = COALESCE(?6, birthday), gender = COALESCE(?7, gender),
             country = COALESCE(?8, country), region = COALESCE(?9, region),
             city = COALESCE(?10, city), zip = COALESCE(?11, zip),
             timezone = COALESCE(?12, timezone),
             accepts_marketing = COALESCE(?13, accepts_marketing),
             tags = COALESCE(?14, tags),
             attributes = CASE WHEN ?15 IS NULL THEN attributes
                               ELSE segflow_merge_patch(attributes, ?15) END
         RETURNING id",
    )?
    .query_row(
        params![
            c.external_id,
            c.email,
            c.first_name,
            c.last_name,
            c.created_at,
            c.birthday,
            c.gender,
            c.country,
            c.region,
            c.city,
            c.zip,
            c.timezone,
            c.accepts_marketing,
            c.tags_json,
            c.attributes_json
        ],
        |r| r.get(0),
    )
}

/// The internal id of a customer, inserting a bare row for an unknown merchant id.
pub fn id_or_insert(conn: &Connection, external: &str) -> rusqlite::Result<i64> {
    if let Some(id) = internal(conn, external)? {
        return Ok(id);
    }
    conn.prepare_cached("INSERT INTO customers (external_id) VALUES (?1)")?
        .execute([external])?;
    Ok(conn.last_insert_rowid())
}

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

/// The merchant's id of the oldest customer with this email (compared lower-cased).
pub fn oldest_with_email(conn: &Connection, email: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT external_id FROM customers WHERE lower(email) = lower(?1) ORDER BY id LIMIT 1",
    )?
    .query_row([email], |r| r.get(0))
    .optional()
}

/// Renames the customer keyed by `from` to `to`, unless a customer `to` exists already (a guest
/// customer keyed by email gets the shop's id once the shop sends one).
pub fn rename_unless_taken(conn: &Connection, from: &str, to: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE customers SET external_id = ?1 WHERE external_id = ?2
         AND NOT EXISTS (SELECT 1 FROM customers WHERE external_id = ?1)",
    )?
    .execute((to, from))?;
    Ok(())
}

/// The custom attribute names among the latest customers, by name (for the editor's
/// completions; bounded like the event vocabulary).
pub fn attribute_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT j.key FROM (SELECT attributes FROM customers ORDER BY id DESC LIMIT 50000) c,
         json_each(c.attributes) j ORDER BY 1",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// The customer with this address (compared trimmed and lower-cased), the earliest if several
/// share it: whom a bounce that names no outbox message is about.
pub fn by_email(conn: &Connection, email: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT id FROM customers WHERE lower(trim(email)) = lower(trim(?1)) ORDER BY id LIMIT 1",
    )?
    .query_row([email], |r| r.get(0))
    .optional()
}
