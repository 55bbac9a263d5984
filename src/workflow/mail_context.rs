//! The template context of one email: what a merchant's template can say about the customer.
//!
//! Everything is read from the store inside the engine's transaction, so a message shows the
//! data the journey saw. Every amount is given in minor units (`*_minor`), which templates print
//! with the `money` filter (`mail::money`); the decimal strings in major units (`total`,
//! `price`) stay for templates written before the filter.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::{json, Value};

use crate::policy::CustomerInfo;

/// How many products `recommendations` holds at most.
pub const RECOMMENDATIONS: usize = 3;

/// The customer row, as the policy and the template context need it.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipient {
    pub info: CustomerInfo,
    /// The `customer` object of the template context.
    pub json: Value,
}

/// Loads customer `id`; `None` if no such customer exists.
pub fn recipient(tx: &Transaction, id: i64) -> rusqlite::Result<Option<Recipient>> {
    tx.query_row(
        "SELECT external_id, email, first_name, last_name, timezone, accepts_marketing, country,
                city, tags, attributes
         FROM customers WHERE id = ?1",
        [id],
        |r| {
            let email: Option<String> = r.get(1)?;
            let first: Option<String> = r.get(2)?;
            let last: Option<String> = r.get(3)?;
            let timezone: Option<String> = r.get(4)?;
            let accepts: Option<i64> = r.get(5)?;
            let tags: String = r.get(8)?;
            let attributes: String = r.get(9)?;
            let name = [first.as_deref(), last.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            Ok(Recipient {
                info: CustomerInfo {
                    email: email.clone(),
                    accepts_marketing: accepts.map(|a| a != 0),
                    timezone: timezone.clone(),
                },
                json: json!({
                    "id": r.get::<_, String>(0)?,
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "name": name,
                    "timezone": timezone,
                    "accepts_marketing": accepts.map(|a| a != 0),
                    "country": r.get::<_, Option<String>>(6)?,
                    "city": r.get::<_, Option<String>>(7)?,
                    "tags": serde_json::from_str::<Value>(&tags).unwrap_or(Value::Array(vec![])),
                    "attributes": serde_json::from_str::<Value>(&attributes).unwrap_or(json!({})),
                }),
            })
        },
    )
    .optional()
}

/// Minor units as a decimal string in major units: 12345 → "123.45".
pub fn money(minor: i64) -> String {
    crate::mail::money::decimal(minor)
}

/// The customer's most recent order with its lines and product titles, or null.
pub fn last_order(tx: &Transaction, customer: i64) -> rusqlite::Result<Value> {
    let order = tx
        .query_row(
            "SELECT id, external_id, placed_at, total, discount, currency FROM orders
             WHERE customer = ?1 ORDER BY placed_at DESC, id DESC LIMIT 1",
            [customer],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((id, external, placed_at, total, discount, currency)) = order else {
        return Ok(Value::Null);
    };
    let mut stmt = tx.prepare_cached(
        "SELECT p.external_id, p.title, p.category, i.quantity, i.price
         FROM order_items i JOIN products p ON p.id = i.product
         WHERE i.order_id = ?1 ORDER BY i.id",
    )?;
    let items = stmt
        .query_map([id], |r| {
            let price: i64 = r.get(4)?;
            let quantity: i64 = r.get(3)?;
            Ok(json!({
                "product_id": r.get::<_, String>(0)?,
                "title": r.get::<_, Option<String>>(1)?,
                "category": r.get::<_, Option<String>>(2)?,
                "quantity": quantity,
                "price": money(price),
                "price_minor": price,
                "total_minor": price.saturating_mul(quantity),
            }))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(json!({
        "id": external,
        "placed_at": iso(placed_at),
        "total": money(total),
        "total_minor": total,
        "discount": money(discount),
        "discount_minor": discount,
        "currency": currency,
        "items": items,
    }))
}

/// The segments the customer is a member of, sorted by name.
pub fn segments(tx: &Transaction, customer: i64) -> rusqlite::Result<Vec<String>> {
    crate::store::membership::segments_of(tx, customer)
}

/// An ISO 8601 UTC timestamp of unix milliseconds.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// "Bought together" counts: for each product, in how many orders each other product appears
/// with it. Built once per dispatcher from `order_items` (one sequential scan), because the
/// schema has no index by product and a per-customer query would scan the table per email.
#[derive(Debug, Default)]
pub struct CoPurchases {
    pairs: HashMap<i64, HashMap<i64, u32>>,
}

impl CoPurchases {
    /// Scans every counted order's lines (a cancelled order says nothing about what goes
    /// together); orders with more than 50 distinct products are left out, as such wholesale
    /// baskets say little about what goes together and cost quadratic work.
    pub fn load(tx: &Transaction) -> rusqlite::Result<CoPurchases> {
        let mut stmt = tx.prepare(
            "SELECT i.order_id, i.product FROM order_items i JOIN orders o ON o.id = i.order_id
             WHERE o.counted = 1 ORDER BY i.order_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut pairs: HashMap<i64, HashMap<i64, u32>> = HashMap::new();
        let mut basket: Vec<i64> = Vec::new();
        let mut current = None;
        let mut flush = |basket: &mut Vec<i64>| {
            basket.sort_unstable();
            basket.dedup();
            if basket.len() <= 50 {
                for &a in basket.iter() {
                    for &b in basket.iter().filter(|&&b| b != a) {
                        *pairs.entry(a).or_default().entry(b).or_default() += 1;
                    }
                }
            }
            basket.clear();
        };
        while let Some(row) = rows.next()? {
            let (order, product): (i64, i64) = (row.get(0)?, row.get(1)?);
            if current != Some(order) {
                flush(&mut basket);
                current = Some(order);
            }
            basket.push(product);
        }
        flush(&mut basket);
        Ok(CoPurchases { pairs })
    }

    /// Up to `RECOMMENDATIONS` internal product ids most often bought in the same order as any
    /// of `bought`, never one of `bought`; ties go to the lower product id, so the choice is
    /// reproducible.
    pub fn recommend(&self, bought: &[i64]) -> Vec<i64> {
        let mut score: HashMap<i64, u32> = HashMap::new();
        for p in bought {
            for (&other, &n) in self.pairs.get(p).into_iter().flatten() {
                if !bought.contains(&other) {
                    *score.entry(other).or_default() += n;
                }
            }
        }
        let mut ranked: Vec<(i64, u32)> = score.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(RECOMMENDATIONS)
            .map(|(p, _)| p)
            .collect()
    }
}

/// The products customer `customer` has bought (internal ids, sorted).
pub fn bought(tx: &Transaction, customer: i64) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = tx.prepare_cached(
        "SELECT DISTINCT i.product FROM orders o JOIN order_items i ON i.order_id = o.id
         WHERE o.customer = ?1 AND o.counted = 1 ORDER BY i.product",
    )?;
    let ids = stmt
        .query_map([customer], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

/// The `recommendations` array: product id, title, category and price of each product.
pub fn products(tx: &Transaction, ids: &[i64]) -> rusqlite::Result<Value> {
    let mut stmt = tx
        .prepare_cached("SELECT external_id, title, category, price FROM products WHERE id = ?1")?;
    let mut out = Vec::new();
    for id in ids {
        let product = stmt
            .query_row(params![id], |r| {
                let price: Option<i64> = r.get(3)?;
                Ok(json!({
                    "product_id": r.get::<_, String>(0)?,
                    "title": r.get::<_, Option<String>>(1)?,
                    "category": r.get::<_, Option<String>>(2)?,
                    "price": price.map(money),
                    "price_minor": price,
                }))
            })
            .optional()?;
        out.extend(product);
    }
    Ok(Value::Array(out))
}
