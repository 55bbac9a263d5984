//! Single orders with their lines, as the API sends them (the CSV import writes orders and
//! lines in bulk through `store::import`, with the same keys): an order is keyed by the
//! merchant's id and replaced whole with its lines; a line is keyed by (order, product, line),
//! where `line` numbers the lines of one product within its order in the order they came
//! (`LineNumbers`, shared with the import), so two lines of one SKU stay two lines.

use std::collections::HashMap;

use rusqlite::{params, Connection};

/// One order's fields, as the CSV import writes them too; amounts in minor units, times in
/// unix ms.
pub use super::import::orders::OrderValues as OrderFields;

/// One line: the product's internal id, quantity and unit price in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub product: i64,
    pub quantity: i64,
    pub price: i64,
}

/// Numbers the lines of each (order, product) from 0 in the order they are seen.
#[derive(Debug, Default)]
pub struct LineNumbers {
    seen: HashMap<(i64, i64), i64>,
}

impl LineNumbers {
    /// The number of the next line of `product` in `order`.
    pub fn next(&mut self, order: i64, product: i64) -> i64 {
        let seen = self.seen.entry((order, product)).or_insert(0);
        let line = *seen;
        *seen += 1;
        line
    }
}

/// Inserts or replaces an order and its lines; returns the order's internal id. Whether it
/// counts as a purchase is recomputed (`store::order_status`).
pub fn replace(conn: &Connection, o: &OrderFields, lines: &[Line]) -> rusqlite::Result<i64> {
    let order: i64 = conn
        .prepare_cached(
            "INSERT INTO orders (external_id, customer, placed_at, total, discount, status, channel, currency, refunded, cancelled_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (external_id) DO UPDATE SET customer = ?2, placed_at = ?3, total = ?4,
                 discount = ?5, status = ?6, channel = ?7, currency = ?8, refunded = ?9,
                 cancelled_at = ?10
             RETURNING id",
        )?
        .query_row(
            params![
                o.external_id,
                o.customer,
                o.placed_at,
                o.total,
                o.discount,
                o.status,
                o.channel,
                o.currency,
                o.refunded,
                o.cancelled_at
            ],
            |r| r.get(0),
        )?;
    super::order_status::recount(conn, order)?;
    conn.prepare_cached("DELETE FROM order_items WHERE order_id = ?1")?
        .execute([order])?;
    let mut numbers = LineNumbers::default();
    let mut insert = conn.prepare_cached(
        "INSERT INTO order_items (order_id, product, line, quantity, price)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for l in lines {
        let line = numbers.next(order, l.product);
        insert.execute(params![order, l.product, line, l.quantity, l.price])?;
    }
    Ok(order)
}

/// The internal id of a product an order line names, creating it from the line when unknown;
/// a known product keeps its title and category unless it had none.
pub fn product_of_line(
    conn: &Connection,
    external_id: &str,
    title: Option<&str>,
    category: Option<&str>,
    price: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO products (external_id, title, category, price) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (external_id) DO UPDATE SET title = COALESCE(title, ?2),
             category = COALESCE(category, ?3)
         RETURNING id",
    )?
    .query_row(params![external_id, title, category, price], |r| r.get(0))
}

/// Calls `each(customer, orders)` for every customer in ascending id order with their counted
/// orders placed at or before `until`, as `(placed_at, total less refunds in cents)` in time
/// order; customers without such orders get an empty slice. One pass over both tables, so all
/// orders are never held in memory at once (the models' input, `analytics_store::history`).
pub fn histories(
    conn: &Connection,
    until: i64,
    mut each: impl FnMut(i64, &[(i64, i64)]),
) -> rusqlite::Result<()> {
    let mut customers = conn.prepare("SELECT id FROM customers ORDER BY id")?;
    let mut customer_rows = customers.query([])?;
    let mut orders = conn.prepare(
        "SELECT customer, placed_at, total - refunded FROM orders WHERE placed_at <= ?1 AND counted = 1 ORDER BY customer, placed_at, id",
    )?;
    let mut order_rows = orders.query([until])?;
    let mut pending: Option<(i64, i64, i64)> = None;
    let mut buffer: Vec<(i64, i64)> = Vec::new();
    while let Some(row) = customer_rows.next()? {
        let id: i64 = row.get(0)?;
        buffer.clear();
        loop {
            if pending.is_none() {
                pending = match order_rows.next()? {
                    Some(r) => Some((r.get(0)?, r.get(1)?, r.get(2)?)),
                    None => None,
                };
            }
            match pending {
                // Orders of a customer id that has no customer row cannot exist (foreign key),
                // but are skipped rather than attributed to the next customer.
                Some((c, _, _)) if c < id => pending = None,
                Some((c, at, total)) if c == id => {
                    buffer.push((at, total));
                    pending = None;
                }
                _ => break,
            }
        }
        each(id, &buffer);
    }
    Ok(())
}
