//! The dashboard's read of how segments overlap: for every pair of segments (a segment with
//! itself included), how many customers are members of both.

use rusqlite::Connection;

/// `(a, b, customers in both)` for every pair with at least one shared member, `a == b` giving
/// a segment's size; both orders of a pair are listed.
pub fn pairs(conn: &Connection) -> rusqlite::Result<Vec<(String, String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT a.segment, b.segment, COUNT(*) FROM segment_members a
         JOIN segment_members b ON b.customer = a.customer
         GROUP BY a.segment, b.segment ORDER BY a.segment, b.segment",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}
