//! The template context of one email: what a merchant's template can say about the customer.
//!
//! Everything is read from the store inside the engine's transaction, so a message shows the
//! data the journey saw. Every amount is given in minor units (`*_minor`), which templates print
//! with the `money` filter (`mail::money`); the decimal strings in major units (`total`,
//! `price`) stay for templates written before the filter.

use std::collections::HashMap;

use rusqlite::Transaction;
use serde_json::{json, Value};

use crate::policy::CustomerInfo;
use crate::store::customer_context as store;

/// How many products `recommendations` holds at most.
pub const RECOMMENDATIONS: usize = 3;

/// How many products `viewed` holds at most, and how far back it looks.
pub const VIEWED: usize = 3;
const VIEWED_WINDOW_MS: i64 = 7 * 86_400_000;

/// The customer row, as the policy and the template context need it.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipient {
    pub info: CustomerInfo,
    /// The `customer` object of the template context.
    pub json: Value,
}

/// Loads customer `id`; `None` if no such customer exists.
pub fn recipient(tx: &Transaction, id: i64) -> rusqlite::Result<Option<Recipient>> {
    Ok(store::customer(tx, id)?.map(|c| {
        let name = [c.first_name.as_deref(), c.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Recipient {
            info: CustomerInfo {
                email: c.email.clone(),
                accepts_marketing: c.accepts_marketing,
                timezone: c.timezone.clone(),
            },
            json: json!({
                "id": c.external_id,
                "email": c.email,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "name": name,
                "timezone": c.timezone,
                "accepts_marketing": c.accepts_marketing,
                "country": c.country,
                "city": c.city,
                "tags": serde_json::from_str::<Value>(&c.tags).unwrap_or(Value::Array(vec![])),
                "attributes": serde_json::from_str::<Value>(&c.attributes).unwrap_or(json!({})),
            }),
        }
    }))
}

/// Minor units as a decimal string in major units: 12345 → "123.45".
pub fn money(minor: i64) -> String {
    crate::mail::money::decimal(minor)
}

/// The customer's most recent order with its lines and product titles, or null.
pub fn last_order(tx: &Transaction, customer: i64) -> rusqlite::Result<Value> {
    let Some(o) = store::last_order(tx, customer)? else {
        return Ok(Value::Null);
    };
    let items: Vec<Value> = store::lines(tx, o.id)?
        .into_iter()
        .map(|l| {
            json!({
                "product_id": l.product_id,
                "title": l.title,
                "category": l.category,
                "quantity": l.quantity,
                "price": money(l.price),
                "price_minor": l.price,
                "total_minor": l.price.saturating_mul(l.quantity),
            })
        })
        .collect();
    Ok(json!({
        "id": o.external_id,
        "placed_at": iso(o.placed_at),
        "total": money(o.total),
        "total_minor": o.total,
        "discount": money(o.discount),
        "discount_minor": o.discount,
        "currency": o.currency,
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
        store::counted_baskets(tx, |order, product| {
            if current != Some(order) {
                flush(&mut basket);
                current = Some(order);
            }
            basket.push(product);
        })?;
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
    store::bought(tx, customer)
}

/// The `recommendations` array: product id, title, category and price of each product.
pub fn products(tx: &Transaction, ids: &[i64]) -> rusqlite::Result<Value> {
    let mut out = Vec::new();
    for &id in ids {
        if let Some(p) = store::product(tx, id)? {
            out.push(product_json(&p));
        }
    }
    Ok(Value::Array(out))
}

/// The `viewed` array: the products the customer viewed in the 7 days before `now` and has not
/// bought since viewing them, newest view first (what a browse reminder shows).
pub fn viewed(tx: &Transaction, customer: i64, now: i64) -> rusqlite::Result<Value> {
    let rows = store::viewed_not_bought(tx, customer, now - VIEWED_WINDOW_MS, now, VIEWED)?;
    Ok(Value::Array(rows.iter().map(product_json).collect()))
}

fn product_json(p: &store::ProductRow) -> Value {
    json!({
        "product_id": p.product_id,
        "title": p.title,
        "category": p.category,
        "price": p.price.map(money),
        "price_minor": p.price,
    })
}
