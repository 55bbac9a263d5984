//! Writing validated API input into the store, one request per transaction, through the
//! tables' owners in `store`.
//!
//! The rules match the CSV import so the two paths never disagree about identity: customers,
//! products and orders are keyed by the merchant's ids, and an event by its `id` or else by the
//! same content hash the CSV import uses, so a retried request (or an event both posted and
//! later imported) is stored once.

use rusqlite::Connection;

use super::model::{CustomerIn, EventIn, OrderIn};
use crate::store::customers::{self, CustomerFields};
use crate::store::events;
use crate::store::import::events::content_hash;
use crate::store::orders::{self, Line, OrderFields};

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
pub fn customer_id(tx: &Connection, external_id: &str) -> rusqlite::Result<i64> {
    customers::id_or_insert(tx, external_id)
}

/// Stores one event; `now` stands in for a missing `occurred_at`. An `id` already stored is a
/// retry of that event when it names the same customer, and a conflict (nothing written, not
/// even the customer) when it names another: an id stands for one event of one customer, and
/// dropping the second as a duplicate would lose it silently.
pub fn event(tx: &Connection, e: &EventIn, now: i64) -> Result<Written, WriteError> {
    if let Some(id) = &e.id {
        match events::owner_of(tx, id)? {
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
    let fresh = events::insert(tx, key, customer, &e.event_type, occurred_at, &properties)?;
    Ok(Written { customer, fresh })
}

/// Inserts or updates a customer; fields that are absent keep their stored values.
pub fn customer(tx: &Connection, c: &CustomerIn) -> rusqlite::Result<Written> {
    let fields = CustomerFields {
        external_id: &c.id,
        email: c.email.as_deref(),
        first_name: c.first_name.as_deref(),
        last_name: c.last_name.as_deref(),
        created_at: c.created_at.map(|t| t.0),
        birthday: c.birthday.map(|t| t.0),
        gender: c.gender.as_deref(),
        country: c.country.as_deref(),
        region: c.region.as_deref(),
        city: c.city.as_deref(),
        zip: c.zip.as_deref(),
        timezone: c.timezone.as_deref(),
        accepts_marketing: c.accepts_marketing,
        tags_json: c
            .tags
            .as_ref()
            .map(|t| serde_json::Value::from(t.clone()).to_string()),
        attributes_json: c
            .attributes
            .as_ref()
            .map(|a| serde_json::Value::Object(a.clone()).to_string()),
    };
    Ok(Written {
        customer: customers::upsert(tx, &fields)?,
        fresh: true,
    })
}

/// Inserts or replaces an order and its lines (creating unknown customers and products). Two
/// lines for one product stay two lines, each with its own quantity and price.
pub fn order(tx: &Connection, o: &OrderIn) -> rusqlite::Result<Written> {
    let customer = customer_id(tx, &o.customer_id)?;
    let mut lines = Vec::with_capacity(o.items.len());
    for item in &o.items {
        let product = orders::product_of_line(
            tx,
            &item.product_id,
            item.title.as_deref(),
            item.category.as_deref(),
            item.price.0,
        )?;
        lines.push(Line {
            product,
            quantity: item.quantity,
            price: item.price.0,
        });
    }
    let fields = OrderFields {
        external_id: &o.id,
        customer,
        placed_at: o.placed_at.0,
        total: o.total.0,
        discount: o.discount.map_or(0, |d| d.0),
        status: o.status.as_deref(),
        channel: o.channel.as_deref(),
        currency: o.currency.as_deref(),
        refunded: o.refunded.map_or(0, |r| r.0),
        cancelled_at: o.cancelled_at.map(|t| t.0),
    };
    orders::replace(tx, &fields, &lines)?;
    Ok(Written {
        customer,
        fresh: true,
    })
}
