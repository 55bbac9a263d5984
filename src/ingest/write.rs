//! Writing validated API input into the store, one request per transaction.
//!
//! The rules match the CSV import so the two paths never disagree about identity: customers,
//! products and orders are keyed by the merchant's ids, and an event by its `id` or else by the
//! same content hash the CSV import uses, so a retried request (or an event both posted and
//! later imported) is stored once.

use rusqlite::{params, OptionalExtension, Transaction};

use super::model::{CustomerIn, EventIn, OrderIn};
use crate::store::import::events::content_hash;

/// What one write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// The internal id of the customer the write concerns.
    pub customer: i64,
    /// False when an identical event was already stored.
    pub fresh: bool,
}

/// Why a write was not made.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The request contradicts what is stored, such as an event id already used for another
    /// customer; `field` names the field of the item at fault. Retrying cannot help.
    #[error("{field}: {message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] rusqlite::Error),
}

/// The internal id of a customer, inserting a bare row for an unknown external id.
pub fn customer_id(tx: &Transaction, external_id: &str) -> rusqlite::Result<i64> {
    let found: Option<i64> = tx
        .prepare_cached("SELECT id FROM customers WHERE external_id = ?1")?
        .query_row([external_id], |r| r.get(0))
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    tx.prepare_cached("INSERT INTO customers (external_id) VALUES (?1)")?
        .execute([external_id])?;
    Ok(tx.last_insert_rowid())
}

/// Stores one event; `now` stands in for a missing `occurred_at`. An `id` already stored is a
/// retry of that event when it names the same customer, and a conflict (nothing written, not
/// even the customer) when it names another: an id stands for one event of one customer, and
/// dropping the second as a duplicate would lose it silently.
pub fn event(tx: &Transaction, e: &EventIn, now: i64) -> Result<Written, WriteError> {
    if let Some(id) = &e.id {
        let stored: Option<(i64, Option<String>)> = tx
            .prepare_cached(
                "SELECT ev.customer, c.external_id FROM events ev
                 LEFT JOIN customers c ON c.id = ev.customer WHERE ev.dedup_key = ?1",
            )?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        match stored {
            Some((customer, Some(owner))) if owner == e.customer_id => {
                return Ok(Written {
                    customer,
                    fresh: false,
                })
            }
            Some((_, owner)) => {
                let owner = owner.map_or_else(
                    || "a deleted customer".into(),
                    |o| format!("customer `{o}`"),
                );
                return Err(WriteError::Conflict {
                    field: "id",
                    message: format!(
                        "event id `{id}` is already stored for {owner}, not `{}`; give every event its own id (a retry keeps the id and the customer)",
                        e.customer_id
                    ),
                });
            }
            None => {}
        }
    }
    let customer = customer_id(tx, &e.customer_id)?;
    let occurred_at = e.occurred_at.map_or(now, |t| t.0);
    let properties = serde_json::Value::Object(e.properties.clone()).to_string();
    let hash;
    let key: &dyn rusqlite::ToSql = match &e.id {
        Some(id) => id,
        None => {
            let time = occurred_at.to_string();
            hash = content_hash(&[&e.customer_id, &e.event_type, &time, &properties]).to_be_bytes();
            &hash
        }
    };
    let inserted = tx
        .prepare_cached(
            "INSERT INTO events (dedup_key, customer, type, occurred_at, properties)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (dedup_key) DO NOTHING",
        )?
        .execute(params![
            key,
            customer,
            e.event_type,
            occurred_at,
            properties
        ])?;
    Ok(Written {
        customer,
        fresh: inserted > 0,
    })
}

/// Inserts or updates a customer; fields that are absent keep their stored values.
pub fn customer(tx: &Transaction, c: &CustomerIn) -> rusqlite::Result<Written> {
    let tags = c
        .tags
        .as_ref()
        .map(|t| serde_json::Value::from(t.clone()).to_string());
    let attributes = c
        .attributes
        .as_ref()
        .map(|a| serde_json::Value::Object(a.clone()).to_string());
    let id: i64 = tx
        .prepare_cached(
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
                c.id,
                c.email,
                c.first_name,
                c.last_name,
                c.created_at.map(|t| t.0),
                c.birthday.map(|t| t.0),
                c.gender,
                c.country,
                c.region,
                c.city,
                c.zip,
                c.timezone,
                c.accepts_marketing,
                tags,
                attributes
            ],
            |r| r.get(0),
        )?;
    Ok(Written {
        customer: id,
        fresh: true,
    })
}

/// Inserts or replaces an order and its lines (creating unknown customers and products).
pub fn order(tx: &Transaction, o: &OrderIn) -> rusqlite::Result<Written> {
    let customer = customer_id(tx, &o.customer_id)?;
    let order_id: i64 = tx
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
                o.id,
                customer,
                o.placed_at.0,
                o.total.0,
                o.discount.map_or(0, |d| d.0),
                o.status,
                o.channel,
                o.currency,
                o.refunded.map_or(0, |r| r.0),
                o.cancelled_at.map(|t| t.0)
            ],
            |r| r.get(0),
        )?;
    crate::store::order_status::recount(tx, order_id)?;
    tx.prepare_cached("DELETE FROM order_items WHERE order_id = ?1")?
        .execute([order_id])?;
    // Two lines for one product stay two lines, each with its own quantity and price; `line`
    // numbers them in the order they were sent (`store::import::items`).
    let mut lines: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for item in &o.items {
        let product = product_id(tx, &item.product_id, item)?;
        let seen = lines.entry(product).or_insert(0);
        tx.prepare_cached(
            "INSERT INTO order_items (order_id, product, line, quantity, price)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            order_id,
            product,
            *seen,
            item.quantity,
            item.price.0
        ])?;
        *seen += 1;
    }
    Ok(Written {
        customer,
        fresh: true,
    })
}

fn product_id(
    tx: &Transaction,
    external_id: &str,
    item: &super::model::ItemIn,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO products (external_id, title, category, price) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (external_id) DO UPDATE SET title = COALESCE(title, ?2),
             category = COALESCE(category, ?3)
         RETURNING id",
    )?
    .query_row(
        params![external_id, item.title, item.category, item.price.0],
        |r| r.get(0),
    )
}
