//! Shopify webhooks: verifying their signature and mapping their bodies onto the ingestion
//! shapes, with the same identities as the Shopify CSV import.
//!
//! Shopify signs each webhook with `X-Shopify-Hmac-Sha256: base64(HMAC-SHA256(secret, raw
//! body))`; only the raw bytes verify, so the handler must check them before parsing.
//!
//! Identity follows `store::import::shopify_customers` and `shopify_orders`, so that a shop
//! imported from CSV and then kept current by webhooks refers to the same rows:
//! - a customer is keyed by Shopify's numeric customer id; a customer known only by email (as
//!   the orders CSV creates them: lower-cased email as the key) is adopted, its key becoming the
//!   numeric id, exactly as the customers CSV import does;
//! - an order without a Shopify customer (a guest checkout) goes to the customer with that email,
//!   or to a new one keyed by the lower-cased email;
//! - an order is keyed by its `name` (`#1001`), else its `id`; a line's product by its `sku`,
//!   else its `name`, titled with its `name`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::Sha256;

use super::model::{
    field_error, parse, CustomerIn, EventIn, FieldError, ItemIn, Money, OrderIn, Time, Validate,
};
use super::shopify_consent::{accepts, consent_update, granted_by_purchase, Consent};
use super::write::{self, WriteError, Written};
use crate::store::customers;
use crate::store::import::cell::MAX_QUANTITY;

/// Verifies `X-Shopify-Hmac-Sha256`: base64(HMAC-SHA256(secret, raw body)), compared in
/// constant time. A missing or undecodable header, or an empty secret, never verifies.
pub fn verify_webhook(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(header) = header else {
        return false;
    };
    let Ok(expected) = STANDARD.decode(header.trim()) else {
        return false;
    };
    if secret.is_empty() {
        return false;
    }
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    // `verify_slice` checks the length and compares the bytes in constant time.
    mac.verify_slice(&expected).is_ok()
}

/// Whether `X-Shopify-Hmac-Sha256` could be a signature at all (base64 of 32 bytes), checked
/// before the body is read so a webhook without one is refused at once.
pub fn well_formed_signature(header: Option<&str>) -> bool {
    header
        .and_then(|h| STANDARD.decode(h.trim()).ok())
        .is_some_and(|mac| mac.len() == 32)
}

/// One thing a webhook asks to write, in the order it must be written.
#[derive(Debug, Clone, PartialEq)]
pub enum Ingest {
    Customer(CustomerIn),
    Order(OrderIn),
    Event(EventIn),
}

/// Maps one webhook body to what to write, by topic (`X-Shopify-Topic`):
/// - `orders/create`: the customer, then the order with its lines;
/// - `checkouts/create`: the customer, then a `checkout_started` event (properties
///   `checkout_token`, `value` and `total_price` in major units, `currency`,
///   `abandoned_checkout_url`, `item_count`, `product_ids`, and `items` with each line's
///   `product_id`, `title`, `quantity` and unit `price` in major units), whose id derives
///   from the checkout token so a redelivery is stored once;
/// - `customers/create`, `customers/update`: the customer;
/// - `customers/email_marketing_consent_update`: the customer's consent (see
///   `shopify_consent`: since API 2025-01 it arrives only there).
///
/// Unknown topics, and orders or checkouts with neither a customer nor an email (nothing to
/// attribute them to), give an empty list: the handler answers 200 and ignores them. A malformed
/// body gives a `FieldError` naming the field.
pub fn map_webhook(topic: &str, body: &[u8]) -> Result<Vec<Ingest>, FieldError> {
    let out = match topic.trim() {
        "orders/create" => order(parse(body)?)?,
        "checkouts/create" => checkout(parse(body)?)?,
        "customers/create" | "customers/update" => {
            vec![Ingest::Customer(customer(parse(body)?, None))]
        }
        "customers/email_marketing_consent_update" => {
            vec![Ingest::Customer(consent_update(parse(body)?)?)]
        }
        _ => Vec::new(),
    };
    // The customer of an order or checkout is its `customer` object; a customers topic's body is
    // the customer itself.
    let customer_prefix = if topic.starts_with("customers/") {
        ""
    } else {
        "customer."
    };
    for item in &out {
        let (prefix, checked) = match item {
            Ingest::Customer(c) => (customer_prefix, c.validate()),
            Ingest::Order(o) => ("", o.validate()),
            Ingest::Event(e) => ("", e.validate()),
        };
        checked.map_err(|mut e| {
            e.field = format!("{prefix}{}", e.field);
            e
        })?;
    }
    Ok(out)
}

/// Writes what `map_webhook` returned, resolving customers as the CSV import does (see the
/// module doc); `now` stands in for a missing event time.
pub fn write(tx: &Connection, item: &Ingest, now: i64) -> Result<Written, WriteError> {
    match item {
        Ingest::Customer(c) => {
            let mut c = c.clone();
            match (&c.email, is_email_key(&c.id)) {
                (Some(email), false) => {
                    customers::rename_unless_taken(tx, &email.to_lowercase(), &c.id)?;
                }
                (_, true) => c.id = resolve(tx, &c.id)?,
                (None, false) => {}
            }
            Ok(write::customer(tx, &c)?)
        }
        Ingest::Order(o) => {
            let mut o = o.clone();
            o.customer_id = resolve(tx, &o.customer_id)?;
            Ok(write::order(tx, &o)?)
        }
        Ingest::Event(e) => {
            let mut e = e.clone();
            e.customer_id = resolve(tx, &e.customer_id)?;
            write::event(tx, &e, now)
        }
    }
}

/// Keys made from an email (guest orders) contain `@`; Shopify's numeric ids never do.
fn is_email_key(key: &str) -> bool {
    key.contains('@')
}

/// The key of the customer an email key means: the key itself when stored, else the oldest
/// customer with that email (as the orders CSV import finds them), else the key (a new customer).
fn resolve(tx: &Connection, key: &str) -> rusqlite::Result<String> {
    if !is_email_key(key) {
        return Ok(key.to_string());
    }
    if customers::internal(tx, key)?.is_some() {
        return Ok(key.to_string());
    }
    let by_email = customers::oldest_with_email(tx, key)?;
    Ok(by_email.unwrap_or_else(|| key.to_string()))
}

/// A Shopify id, sent as a JSON number (or, by some tools, a string). Ids are 64-bit and above
/// 2^53, so they are read as integers or strings and never through a float.
#[derive(Debug)]
pub(super) struct ShopifyId(pub(super) String);

impl<'de> Deserialize<'de> for ShopifyId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) if n.is_u64() || n.is_i64() => Ok(ShopifyId(n.to_string())),
            Value::String(s) if !s.trim().is_empty() => Ok(ShopifyId(s.trim().to_string())),
            other => Err(serde::de::Error::custom(format!(
                "{other} is not a Shopify id (expected a number such as 207119551)"
            ))),
        }
    }
}

#[derive(Deserialize)]
struct ShopifyCustomer {
    id: ShopifyId,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    created_at: Option<Time>,
    tags: Option<String>,
    accepts_marketing: Option<bool>,
    email_marketing_consent: Option<Consent>,
    default_address: Option<Address>,
}

#[derive(Deserialize)]
struct Address {
    city: Option<String>,
    province_code: Option<String>,
    province: Option<String>,
    country_code: Option<String>,
    zip: Option<String>,
}

#[derive(Deserialize)]
struct LineItem {
    sku: Option<String>,
    name: Option<String>,
    title: Option<String>,
    #[serde(default = "one")]
    quantity: i64,
    price: Money,
}

fn one() -> i64 {
    1
}

#[derive(Deserialize)]
struct ShopifyOrder {
    id: ShopifyId,
    name: Option<String>,
    email: Option<String>,
    contact_email: Option<String>,
    created_at: Time,
    total_price: Money,
    /// What the order still charges after refunds and edits (absent in old payloads).
    current_total_price: Option<Money>,
    total_discounts: Option<Money>,
    financial_status: Option<String>,
    cancelled_at: Option<Time>,
    buyer_accepts_marketing: Option<bool>,
    currency: Option<String>,
    source_name: Option<String>,
    customer: Option<ShopifyCustomer>,
    #[serde(default)]
    line_items: Vec<LineItem>,
}

#[derive(Deserialize)]
struct ShopifyCheckout {
    token: String,
    email: Option<String>,
    created_at: Option<Time>,
    total_price: Option<Money>,
    currency: Option<String>,
    presentment_currency: Option<String>,
    abandoned_checkout_url: Option<String>,
    buyer_accepts_marketing: Option<bool>,
    customer: Option<ShopifyCustomer>,
    #[serde(default)]
    line_items: Vec<LineItem>,
}

/// Empty strings (Shopify's "not set") become `None`.
fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn customer(c: ShopifyCustomer, fallback_email: Option<String>) -> CustomerIn {
    // A payload without consent (API 2025-01 and later) leaves the stored consent as it is.
    let accepts_marketing = c
        .email_marketing_consent
        .as_ref()
        .and_then(accepts)
        .or(c.accepts_marketing);
    let address = c.default_address;
    let from_address = |f: fn(&Address) -> Option<String>| address.as_ref().and_then(f);
    CustomerIn {
        id: c.id.0,
        email: text(&c.email).or(fallback_email),
        first_name: text(&c.first_name),
        last_name: text(&c.last_name),
        created_at: c.created_at,
        accepts_marketing,
        // Split as the CSV import splits the Tags column.
        tags: c.tags.map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        }),
        city: from_address(|a| text(&a.city)),
        region: from_address(|a| text(&a.province_code).or_else(|| text(&a.province))),
        country: from_address(|a| text(&a.country_code)),
        zip: from_address(|a| text(&a.zip)),
        ..CustomerIn::default()
    }
}

/// The customer a purchase belongs to: Shopify's customer, else a guest keyed by email.
fn buyer(c: Option<ShopifyCustomer>, email: Option<String>) -> Option<CustomerIn> {
    match c {
        Some(c) => Some(customer(c, email)),
        None => email.map(|email| CustomerIn {
            id: email.to_lowercase(),
            email: Some(email),
            ..CustomerIn::default()
        }),
    }
}

/// The product key of a line, as the orders CSV import keys it (`Lineitem sku`, else
/// `Lineitem name`).
fn product_key(item: &LineItem, i: usize) -> Result<String, FieldError> {
    text(&item.sku)
        .or_else(|| text(&item.name))
        .or_else(|| text(&item.title))
        .ok_or_else(|| {
            field_error(
                &format!("line_items[{i}].sku"),
                "the line item has neither a sku nor a name to identify its product",
            )
        })
}

fn order(o: ShopifyOrder) -> Result<Vec<Ingest>, FieldError> {
    let email = text(&o.email).or_else(|| text(&o.contact_email));
    let Some(mut buyer) = buyer(o.customer, email) else {
        return Ok(Vec::new());
    };
    granted_by_purchase(&mut buyer, o.buyer_accepts_marketing);
    let mut items = Vec::with_capacity(o.line_items.len());
    for (i, item) in o.line_items.iter().enumerate() {
        items.push(ItemIn {
            product_id: product_key(item, i)?,
            quantity: item.quantity,
            price: item.price,
            title: text(&item.name).or_else(|| text(&item.title)),
            category: None,
        });
    }
    let order = OrderIn {
        id: text(&o.name).unwrap_or(o.id.0),
        customer_id: buyer.id.clone(),
        placed_at: o.created_at,
        total: o.total_price,
        discount: o.total_discounts,
        status: text(&o.financial_status),
        channel: text(&o.source_name),
        currency: text(&o.currency),
        // What Shopify no longer charges (refunds, removed items) counts as refunded.
        refunded: o
            .current_total_price
            .map(|current| Money((o.total_price.0 - current.0).clamp(0, o.total_price.0))),
        cancelled_at: o.cancelled_at,
        items,
    };
    Ok(vec![Ingest::Customer(buyer), Ingest::Order(order)])
}

/// An amount in minor units as a JSON number in major units (27090 → 270.9).
fn major(amount: Money) -> Value {
    Value::from(amount.0 as f64 / 100.0)
}

fn checkout(c: ShopifyCheckout) -> Result<Vec<Ingest>, FieldError> {
    if c.token.trim().is_empty() {
        return Err(field_error("token", "must not be empty"));
    }
    let Some(mut buyer) = buyer(c.customer, text(&c.email)) else {
        return Ok(Vec::new());
    };
    granted_by_purchase(&mut buyer, c.buyer_accepts_marketing);
    let mut products = Vec::with_capacity(c.line_items.len());
    let mut lines = Vec::with_capacity(c.line_items.len());
    for (i, item) in c.line_items.iter().enumerate() {
        if !(0..=MAX_QUANTITY).contains(&item.quantity) {
            return Err(field_error(
                &format!("line_items[{i}].quantity"),
                "must be a whole number from 0 to 1,000,000",
            ));
        }
        let key = product_key(item, i)?;
        products.push(Value::from(key.as_str()));
        // The lines in the shape every checkout event has (see `workflow::mail_cart`), so the
        // cart reminder can list them by name.
        let mut line = Map::new();
        line.insert("product_id".into(), Value::from(key));
        if let Some(title) = text(&item.name).or_else(|| text(&item.title)) {
            line.insert("title".into(), Value::from(title));
        }
        line.insert("quantity".into(), Value::from(item.quantity));
        line.insert("price".into(), major(item.price));
        lines.push(Value::Object(line));
    }
    let mut properties = Map::new();
    properties.insert("checkout_token".into(), Value::from(c.token.as_str()));
    if let Some(total) = c.total_price {
        // `value` is the cart total of every checkout event, in major units as the API takes
        // it; `total_price` keeps Shopify's own name for rules written against it.
        properties.insert("value".into(), major(total));
        properties.insert("total_price".into(), major(total));
    }
    if let Some(currency) = text(&c.currency).or_else(|| text(&c.presentment_currency)) {
        properties.insert("currency".into(), Value::from(currency));
    }
    if let Some(url) = text(&c.abandoned_checkout_url) {
        properties.insert("abandoned_checkout_url".into(), Value::from(url));
    }
    let count: i64 = c.line_items.iter().map(|i| i.quantity).sum();
    properties.insert("item_count".into(), Value::from(count));
    properties.insert("product_ids".into(), Value::Array(products));
    properties.insert("items".into(), Value::Array(lines));
    let event = EventIn {
        id: Some(format!("shopify-checkout:{}", c.token.trim())),
        event_type: "checkout_started".into(),
        customer_id: buyer.id.clone(),
        occurred_at: c.created_at,
        properties,
    };
    Ok(vec![Ingest::Customer(buyer), Ingest::Event(event)])
}
