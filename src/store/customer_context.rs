//! The reads behind one email's template context: the customer, their latest order with its
//! lines, what they bought, products by id, every counted order's products (for
//! recommendations) and the products they viewed without buying (for browse reminders). `workflow::mail_context` and `workflow::mail_cart` turn these rows into
//! the context a template sees.

use rusqlite::{params, Connection, OptionalExtension};

/// The customer fields a template and the sending policy read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    pub external_id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub timezone: Option<String>,
    pub accepts_marketing: Option<bool>,
    pub country: Option<String>,
    pub city: Option<String>,
    /// JSON text: an array of strings.
    pub tags: String,
    /// JSON text: an object.
    pub attributes: String,
}

/// An order as a template shows it; money in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub id: i64,
    pub external_id: String,
    pub placed_at: i64,
    pub total: i64,
    pub discount: i64,
    pub currency: Option<String>,
}

/// One line of an order with its product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub product_id: String,
    pub title: Option<String>,
    pub category: Option<String>,
    pub quantity: i64,
    pub price: i64,
}

/// A product as a template shows it; `price` in minor units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    pub product_id: String,
    pub title: Option<String>,
    pub category: Option<String>,
    pub price: Option<i64>,
}

pub fn customer(conn: &Connection, id: i64) -> rusqlite::Result<Option<CustomerRow>> {
    conn.prepare_cached(
        "SELECT external_id, email, first_name, last_name, timezone, accepts_marketing, country,
                city, tags, attributes
         FROM customers WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(CustomerRow {
            external_id: r.get(0)?,
            email: r.get(1)?,
            first_name: r.get(2)?,
            last_name: r.get(3)?,
            timezone: r.get(4)?,
            accepts_marketing: r.get::<_, Option<i64>>(5)?.map(|a| a != 0),
            country: r.get(6)?,
            city: r.get(7)?,
            tags: r.get(8)?,
            attributes: r.get(9)?,
        })
    })
    .optional()
}

/// The customer's most recent order, counted or not.
pub fn last_order(conn: &Connection, customer: i64) -> rusqlite::Result<Option<OrderRow>> {
    conn.prepare_cached(
        "SELECT id, external_id, placed_at, total, discount, currency FROM orders
         WHERE customer = ?1 ORDER BY placed_at DESC, id DESC LIMIT 1",
    )?
    .query_row([customer], |r| {
        Ok(OrderRow {
            id: r.get(0)?,
            external_id: r.get(1)?,
            placed_at: r.get(2)?,
            total: r.get(3)?,
            discount: r.get(4)?,
            currency: r.get(5)?,
        })
    })
    .optional()
}

/// The lines of an order in the order they were stored.
pub fn lines(conn: &Connection, order: i64) -> rusqlite::Result<Vec<LineRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.external_id, p.title, p.category, i.quantity, i.price
         FROM order_items i JOIN products p ON p.id = i.product
         WHERE i.order_id = ?1 ORDER BY i.id",
    )?;
    let rows = stmt.query_map([order], |r| {
        Ok(LineRow {
            product_id: r.get(0)?,
            title: r.get(1)?,
            category: r.get(2)?,
            quantity: r.get(3)?,
            price: r.get(4)?,
        })
    })?;
    rows.collect()
}

/// (order, product) of every line of a counted order, by order.
pub fn counted_baskets(conn: &Connection, mut each: impl FnMut(i64, i64)) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(
        "SELECT i.order_id, i.product FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE o.counted = 1 ORDER BY i.order_id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        each(row.get(0)?, row.get(1)?);
    }
    Ok(())
}

/// The products the customer bought in counted orders (internal ids, sorted).
pub fn bought(conn: &Connection, customer: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT i.product FROM orders o JOIN order_items i ON i.order_id = o.id
         WHERE o.customer = ?1 AND o.counted = 1 ORDER BY i.product",
    )?;
    let ids = stmt.query_map([customer], |r| r.get(0))?;
    ids.collect()
}

/// The products of the customer's `product_viewed` events (a string `product_id` property) in
/// `[from, to]` that no order placed from the view until `to` holds, newest view first, at most
/// `limit`. "Bought since the view" is the test of `rules/browse_abandonment.yaml`
/// (`items(product_id == outer.prop.product_id, since outer.occurred_at)`): an order of any
/// status, and a property that is not a string names no product.
pub fn viewed_not_bought(
    conn: &Connection,
    customer: i64,
    from: i64,
    to: i64,
    limit: usize,
) -> rusqlite::Result<Vec<ProductRow>> {
    let mut views = conn.prepare_cached(
        "SELECT e.properties ->> '$.product_id' AS product, MAX(e.occurred_at)
         FROM events e
         WHERE e.customer = ?1 AND e.type = 'product_viewed'
           AND e.occurred_at >= ?2 AND e.occurred_at <= ?3
           AND json_type(e.properties, '$.product_id') = 'text'
         GROUP BY product ORDER BY MAX(e.occurred_at) DESC, product",
    )?;
    let viewed: Vec<(String, i64)> = views
        .query_map(params![customer, from, to], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut bought = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM orders o JOIN order_items i ON i.order_id = o.id
           JOIN products p ON p.id = i.product
         WHERE o.customer = ?1 AND p.external_id = ?2
           AND o.placed_at >= ?3 AND o.placed_at <= ?4)",
    )?;
    let mut out = Vec::new();
    for (product, at) in viewed {
        if out.len() == limit {
            break;
        }
        if bought.query_row(params![customer, product, at, to], |r| r.get::<_, bool>(0))? {
            continue;
        }
        if let Some(row) = product_by_id(conn, &product)? {
            out.push(row);
        }
    }
    Ok(out)
}

/// The product with internal id `id`.
pub fn product(conn: &Connection, id: i64) -> rusqlite::Result<Option<ProductRow>> {
    conn.prepare_cached("SELECT external_id, title, category, price FROM products WHERE id = ?1")?
        .query_row(params![id], product_row)
        .optional()
}

/// The product with the merchant's id `external`.
pub fn product_by_id(conn: &Connection, external: &str) -> rusqlite::Result<Option<ProductRow>> {
    conn.prepare_cached(
        "SELECT external_id, title, category, price FROM products WHERE external_id = ?1",
    )?
    .query_row([external], product_row)
    .optional()
}

/// A `ProductRow` from (external_id, title, category, price).
fn product_row(r: &rusqlite::Row) -> rusqlite::Result<ProductRow> {
    Ok(ProductRow {
        product_id: r.get(0)?,
        title: r.get(1)?,
        category: r.get(2)?,
        price: r.get(3)?,
    })
}
