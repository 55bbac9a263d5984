//! The dashboard's reads of purchases: every counted order with its customer, time and amount
//! less refunds, in one pass. The figures (weeks, months, cohorts) are defined and computed in
//! `report::dashboard`; this module only reads.

use rusqlite::Connection;

/// One counted order: who, when (unix ms) and how much (minor units, refunds subtracted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purchase {
    pub customer: i64,
    pub at: i64,
    pub amount: i64,
}

/// Every counted order placed at or before `until`, by customer, then time, then id, so that a
/// customer's first order comes first among theirs.
pub fn purchases(conn: &Connection, until: i64) -> rusqlite::Result<Vec<Purchase>> {
    let mut stmt = conn.prepare(
        "SELECT customer, placed_at, total - refunded FROM orders
         WHERE counted = 1 AND placed_at <= ?1 ORDER BY customer, placed_at, id",
    )?;
    let rows = stmt.query_map([until], |r| {
        Ok(Purchase {
            customer: r.get(0)?,
            at: r.get(1)?,
            amount: r.get(2)?,
        })
    })?;
    rows.collect()
}
