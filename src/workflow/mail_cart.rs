//! The `cart` of a template context: what the customer left in a checkout, from the event that
//! started the journey, in minor units like every other amount a template sees.
//!
//! A checkout event carries major units, as the API documents and Shopify sends them: `value`
//! (the cart total; Shopify's `total_price` too), optional `currency`, and its lines either as
//! `items` (objects with `product_id`, `title`, `quantity`, `price` per unit) or as
//! `product_ids` (one entry per unit, as the generator writes them). Lines are completed from the products table (title, category,
//! and the catalogue price when the event has none), so a template can list every line by name.

use rusqlite::Transaction;
use serde_json::{json, Map, Value};

use crate::mail::money::minor_from_major;

/// One line as the event states it, before the products table fills the gaps.
struct Line {
    product_id: String,
    title: Option<String>,
    quantity: i64,
    price_minor: Option<i64>,
}

/// The cart of `trigger`, or null when the trigger is not an event or carries no cart (no
/// `items`, `product_ids` or `value`). `shop_currency` stands in when the event names none.
pub fn cart(
    tx: &Transaction,
    trigger: Option<&Value>,
    shop_currency: &str,
) -> rusqlite::Result<Value> {
    let Some(props) = trigger
        .and_then(|t| t.get("properties"))
        .and_then(Value::as_object)
    else {
        return Ok(Value::Null);
    };
    let lines = lines(props);
    let total = props
        .get("value")
        .or_else(|| props.get("total_price"))
        .and_then(minor_from_major);
    if lines.is_empty() && total.is_none() {
        return Ok(Value::Null);
    }
    let mut items = Vec::with_capacity(lines.len());
    let mut sum = Some(0i64);
    for line in lines {
        let (title, category, catalogue_price) =
            crate::store::customer_context::product_by_id(tx, &line.product_id)?
                .map_or((None, None, None), |p| (p.title, p.category, p.price));
        let price = line.price_minor.or(catalogue_price);
        let line_total = price.map(|p| p.saturating_mul(line.quantity));
        sum = sum.zip(line_total).map(|(a, b)| a.saturating_add(b));
        items.push(json!({
            "product_id": line.product_id,
            "title": line.title.or(title),
            "category": category,
            "quantity": line.quantity,
            "price_minor": price,
            "total_minor": line_total,
        }));
    }
    let item_count: i64 = items.iter().filter_map(|i| i["quantity"].as_i64()).sum();
    let currency = props
        .get("currency")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(shop_currency);
    let total = total.or(if items.is_empty() { None } else { sum });
    Ok(json!({
        "total_minor": total,
        "currency": currency,
        "items": items,
        "item_count": item_count,
        "url": props.get("abandoned_checkout_url").and_then(Value::as_str),
    }))
}

/// The lines of the event: `items` if present, else `product_ids`; entries without a product
/// id are left out, a missing or unusable quantity in `items` counts as one.
fn lines(props: &Map<String, Value>) -> Vec<Line> {
    let id = |v: &Value| match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(items) = props.get("items").and_then(Value::as_array) {
        return items
            .iter()
            .filter_map(|item| {
                Some(Line {
                    product_id: id(item.get("product_id")?)?,
                    title: item
                        .get("title")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    quantity: item
                        .get("quantity")
                        .and_then(Value::as_i64)
                        .filter(|q| *q > 0)
                        .unwrap_or(1),
                    price_minor: item.get("price").and_then(minor_from_major),
                })
            })
            .collect();
    }
    // One entry per unit: a product listed twice is one line of quantity 2, in the order of
    // its first entry.
    let mut out: Vec<Line> = Vec::new();
    let ids = props.get("product_ids").and_then(Value::as_array);
    for product_id in ids.into_iter().flatten().filter_map(id) {
        match out.iter_mut().find(|l| l.product_id == product_id) {
            Some(line) => line.quantity += 1,
            None => out.push(Line {
                product_id,
                title: None,
                quantity: 1,
                price_minor: None,
            }),
        }
    }
    out
}
