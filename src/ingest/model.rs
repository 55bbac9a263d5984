//! The JSON shapes that real-time ingestion accepts (the HTTP API and, after mapping, Shopify
//! webhooks), and their validation.
//!
//! Deserialisation goes through `serde_path_to_error`, so a wrong type deep inside a batch is
//! reported with its path (`[3].occurred_at`), and a second pass checks what types cannot say
//! (an empty id, an unknown time zone). Every error names the field the sender must fix.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::store::import::cell::{check_email, parse_cents, parse_datetime, MAX_QUANTITY};

/// One customer event, as sent by a shop or a tracking endpoint.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// The sender's own id for the event; a retry with the same id is stored once. Without it,
    /// the content (customer, type, time, properties) identifies the event.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub event_type: String,
    /// The merchant's customer id (`customers.external_id`); an unknown id creates the customer.
    pub customer_id: String,
    /// When it happened; the time of receipt when missing.
    #[serde(default)]
    pub occurred_at: Option<Time>,
    #[serde(default)]
    pub properties: Map<String, Value>,
}

/// A customer to insert or update. Fields left out keep their stored values; `attributes` are
/// merged key by key.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CustomerIn {
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub created_at: Option<Time>,
    pub birthday: Option<Time>,
    pub gender: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub timezone: Option<String>,
    pub accepts_marketing: Option<bool>,
    pub tags: Option<Vec<String>>,
    pub attributes: Option<Map<String, Value>>,
}

/// An order with its lines; sending the same order id again replaces it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrderIn {
    pub id: String,
    pub customer_id: String,
    pub placed_at: Time,
    pub total: Money,
    #[serde(default)]
    pub discount: Option<Money>,
    pub status: Option<String>,
    pub channel: Option<String>,
    pub currency: Option<String>,
    /// Refunded so far, in major units like `total`; 0 when absent.
    #[serde(default)]
    pub refunded: Option<Money>,
    /// When the order was cancelled; a cancelled order counts as no purchase.
    #[serde(default)]
    pub cancelled_at: Option<Time>,
    #[serde(default)]
    pub items: Vec<ItemIn>,
}

/// One order line; an unknown product id creates the product with the title and category given.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ItemIn {
    pub product_id: String,
    #[serde(default = "one")]
    pub quantity: i64,
    pub price: Money,
    pub title: Option<String>,
    pub category: Option<String>,
}

fn one() -> i64 {
    1
}

/// A point in time in unix milliseconds, written as an RFC 3339 string, a date, or a number of
/// unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub i64);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(text) => parse_datetime(&text)
                .map(Time)
                .map_err(serde::de::Error::custom),
            Value::Number(n) => n
                .as_i64()
                .filter(|s| (0..100_000_000_000).contains(s))
                .map(|s| Time(s * 1000))
                .ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "{n} is not a time; send unix seconds or an RFC 3339 string"
                    ))
                }),
            other => Err(serde::de::Error::custom(format!(
                "{other} is not a time; send an RFC 3339 string such as 2026-11-22T10:00:00Z"
            ))),
        }
    }
}

/// An amount in minor units (cents), written as a decimal number or string in major units
/// (`49.99`), converted exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money(pub i64);

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = match Value::deserialize(d)? {
            Value::String(text) => text,
            Value::Number(n) => n.to_string(),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "{other} is not an amount; send a decimal number such as 49.99"
                )))
            }
        };
        parse_cents(&text)
            .map(Money)
            .map_err(serde::de::Error::custom)
    }
}

/// What is wrong with a request, naming the field, or for a body that is not JSON at all, the
/// line and column where it stops being JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The path of the field, such as `[2].customer_id` or `items[0].price`; empty for the body.
    pub field: String,
    pub message: String,
    /// (line, column), both from 1, of a JSON syntax error in the body.
    pub at: Option<(usize, usize)>,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        write!(f, "{}", self.message)?;
        if let Some((line, column)) = self.at {
            write!(f, " at line {line} column {column}")?;
        }
        Ok(())
    }
}

/// Parses a body that is one `T` or an array of them, and validates each.
pub fn parse_batch<T>(body: &[u8], max: usize) -> Result<Vec<T>, FieldError>
where
    T: for<'de> Deserialize<'de> + Validate,
{
    let trimmed = body.iter().position(|b| !b.is_ascii_whitespace());
    let items: Vec<T> = match trimmed.map(|i| body[i]) {
        Some(b'[') => parse(body)?,
        Some(_) => vec![parse(body)?],
        None => {
            return Err(field_error(
                "",
                "the body is empty; send a JSON object or array",
            ))
        }
    };
    if items.is_empty() {
        return Err(field_error("", "the array is empty"));
    }
    if items.len() > max {
        return Err(field_error(
            "",
            &format!("{} items in one request; send at most {max}", items.len()),
        ));
    }
    let many = matches!(trimmed.map(|i| body[i]), Some(b'['));
    for (i, item) in items.iter().enumerate() {
        item.validate().map_err(|mut e| {
            if many {
                e.field = join(&format!("[{i}]"), &e.field);
            }
            e
        })?;
    }
    Ok(items)
}

/// Deserialises one JSON document; a wrong value names its field, a syntax error its position.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            // The path of a syntax error is where the parser stood, often `?` (inside a key it
            // could not read), which names no field; the position is what helps.
            return syntax_error(&inner);
        }
        let field = if path == "." { String::new() } else { path };
        field_error(&field, &inner.to_string())
    })?;
    de.end().map_err(|e| syntax_error(&e))?;
    Ok(value)
}

/// A body that is not JSON: serde_json's reason without its " at line L column C" suffix, which
/// becomes `at`.
fn syntax_error(e: &serde_json::Error) -> FieldError {
    let (line, column) = (e.line(), e.column());
    let text = e.to_string();
    let reason = text
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&text);
    FieldError {
        field: String::new(),
        message: format!("the body is not valid JSON: {reason}"),
        at: Some((line, column)),
    }
}

fn join(prefix: &str, field: &str) -> String {
    match field {
        "" => prefix.to_string(),
        f if f.starts_with('[') => format!("{prefix}{f}"),
        f => format!("{prefix}.{f}"),
    }
}

pub(crate) fn field_error(field: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_string(),
        message: message.to_string(),
        at: None,
    }
}

/// Checks what the types alone cannot.
pub trait Validate {
    fn validate(&self) -> Result<(), FieldError>;
}

fn id(field: &str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(field_error(field, "must not be empty"));
    }
    if value.chars().count() > 256 {
        return Err(field_error(field, "is longer than 256 characters"));
    }
    Ok(())
}

impl Validate for EventIn {
    fn validate(&self) -> Result<(), FieldError> {
        id("customer_id", &self.customer_id)?;
        if let Some(event_id) = &self.id {
            id("id", event_id)?;
        }
        let t = &self.event_type;
        let well_formed = !t.is_empty()
            && t.len() <= 64
            && t.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && t.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !well_formed {
            return Err(field_error(
                "type",
                &format!("`{t}` is not an event type; use lowercase letters, digits and _ (for example checkout_started)"),
            ));
        }
        Ok(())
    }
}

impl Validate for CustomerIn {
    fn validate(&self) -> Result<(), FieldError> {
        id("id", &self.id)?;
        if let Some(email) = &self.email {
            if !email.is_empty() {
                check_email(email).map_err(|reason| field_error("email", &reason.to_string()))?;
            }
            if !email.is_empty() && !email.contains('@') {
                return Err(field_error(
                    "email",
                    &format!("`{email}` is not an email address"),
                ));
            }
        }
        if let Some(tz) = &self.timezone {
            if tz.parse::<chrono_tz::Tz>().is_err() {
                return Err(field_error(
                    "timezone",
                    &format!("`{tz}` is not an IANA time zone such as Europe/Berlin"),
                ));
            }
        }
        Ok(())
    }
}

impl Validate for OrderIn {
    fn validate(&self) -> Result<(), FieldError> {
        id("id", &self.id)?;
        id("customer_id", &self.customer_id)?;
        if let Some(refunded) = self.refunded {
            if refunded.0 < 0 || refunded.0 > self.total.0 {
                return Err(field_error(
                    "refunded",
                    "must be between 0 and the order's total",
                ));
            }
        }
        for (i, item) in self.items.iter().enumerate() {
            id(&format!("items[{i}].product_id"), &item.product_id)?;
            if !(1..=MAX_QUANTITY).contains(&item.quantity) {
                return Err(field_error(
                    &format!("items[{i}].quantity"),
                    "must be a whole number from 1 to 1,000,000",
                ));
            }
        }
        Ok(())
    }
}
