//! Key figures and key fields of a set of members, for `segment show` and `segment export`.
//!
//! The member ids come from an evaluator; the figures are read from the store through a
//! temporary table, so they cover exactly those customers.

use rusqlite::{params, Connection};
use serde::Serialize;

/// Revenue and order figures of a member set. Money is in minor units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberStats {
    pub members: usize,
    pub customers: usize,
    pub orders: i64,
    pub revenue_cents: i64,
}

impl MemberStats {
    pub fn share(&self) -> f64 {
        ratio(self.members as f64, self.customers as f64)
    }

    /// Average order value in minor units, 0 without orders.
    pub fn aov_cents(&self) -> f64 {
        ratio(self.revenue_cents as f64, self.orders as f64)
    }

    pub fn orders_per_customer(&self) -> f64 {
        ratio(self.orders as f64, self.members as f64)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

/// One member with the fields a merchant looks at first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberRow {
    pub customer_id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub country: Option<String>,
    pub orders: i64,
    pub total_spent_cents: i64,
    /// Unix milliseconds.
    pub last_order_at: Option<i64>,
}

/// Loads `members` (internal ids) into the temporary table `selection`.
fn select(conn: &Connection, members: &[i64]) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS selection (customer INTEGER PRIMARY KEY); DELETE FROM temp.selection;",
    )?;
    // Only the temporary table is written, so the transaction stays DEFERRED even on a
    // connection that begins its transactions IMMEDIATE: a `segment show` or `export` must not
    // take (or wait for) the store's write lock.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Deferred)?;
    {
        let mut insert = tx.prepare_cached("INSERT INTO temp.selection (customer) VALUES (?1)")?;
        for m in members {
            insert.execute([m])?;
        }
    }
    tx.commit()
}

pub fn stats(conn: &Connection, members: &[i64]) -> rusqlite::Result<MemberStats> {
    select(conn, members)?;
    let customers: i64 = conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))?;
    let (orders, revenue_cents): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(o.total - o.refunded), 0) FROM orders o JOIN temp.selection s ON s.customer = o.customer WHERE o.counted = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(MemberStats {
        members: members.len(),
        customers: customers as usize,
        orders,
        revenue_cents,
    })
}

/// Key fields of the members, in id order; at most `limit` rows when given.
pub fn rows(
    conn: &Connection,
    members: &[i64],
    limit: Option<usize>,
) -> rusqlite::Result<Vec<MemberRow>> {
    select(conn, members)?;
    let mut stmt = conn.prepare(
        "SELECT c.external_id, c.email, c.first_name, c.last_name, c.country,
                COUNT(o.id), COALESCE(SUM(o.total - o.refunded), 0), MAX(o.placed_at)
         FROM temp.selection s
         JOIN customers c ON c.id = s.customer
         LEFT JOIN orders o ON o.customer = c.id AND o.counted = 1
         GROUP BY c.id
         ORDER BY c.id
         LIMIT ?1",
    )?;
    let limit = limit.map_or(-1, |l| l as i64);
    let rows = stmt.query_map(params![limit], |r| {
        Ok(MemberRow {
            customer_id: r.get(0)?,
            email: r.get(1)?,
            first_name: r.get(2)?,
            last_name: r.get(3)?,
            country: r.get(4)?,
            orders: r.get(5)?,
            total_spent_cents: r.get(6)?,
            last_order_at: r.get(7)?,
        })
    })?;
    rows.collect()
}

/// The size history of a segment: (time, members, entered, exited), oldest first.
pub fn history(conn: &Connection, segment: &str) -> rusqlite::Result<Vec<(i64, i64, i64, i64)>> {
    crate::store::membership::size_history(conn, segment)
}
