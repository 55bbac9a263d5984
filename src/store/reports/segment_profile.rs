//! The reads of one segment's page: who its members are (gender, country, birthday) and which
//! products they buy, beside the same for every customer, so the page can compare them.

use rusqlite::{params, Connection};

/// Who `{members}` names: a segment's members (?1 the segment), or every customer (?1 NULL).
const MEMBERS: &str = "SELECT customer FROM segment_members WHERE segment = ?1
                       UNION ALL SELECT id FROM customers WHERE ?1 IS NULL";

/// A customer's `(gender, country, birthday)`.
pub type Person = (Option<String>, Option<String>, Option<i64>);

/// A product's `(external id, title, category, distinct buyers)`.
pub type Bought = (String, Option<String>, Option<String>, i64);

/// `(gender, country, birthday)` of the segment's members, or of every customer for `None`.
pub fn people(conn: &Connection, segment: Option<&str>) -> rusqlite::Result<Vec<Person>> {
    let sql = format!(
        "SELECT c.gender, c.country, c.birthday FROM ({MEMBERS}) m JOIN customers c ON c.id = m.customer"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![segment], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// Per product: `(external id, title, category, distinct buyers)` among the segment's members
/// (or every customer), over counted orders placed at or before `now`.
pub fn product_buyers(
    conn: &Connection,
    segment: Option<&str>,
    now: i64,
) -> rusqlite::Result<Vec<Bought>> {
    let sql = format!(
        "SELECT p.external_id, p.title, p.category, COUNT(DISTINCT o.customer)
         FROM ({MEMBERS}) m JOIN orders o ON o.customer = m.customer AND o.counted = 1 AND o.placed_at <= ?2
         JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product
         GROUP BY p.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![segment, now], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    rows.collect()
}

/// The first `limit` members of a segment: (external id, email, name).
pub fn members(
    conn: &Connection,
    segment: &str,
    limit: i64,
) -> rusqlite::Result<Vec<(String, Option<String>, String)>> {
    let mut stmt = conn.prepare(
        "SELECT c.external_id, c.email, trim(COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, ''))
         FROM segment_members m JOIN customers c ON c.id = m.customer
         WHERE m.segment = ?1 ORDER BY c.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![segment, limit], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    rows.collect()
}
