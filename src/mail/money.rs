//! Money in emails: one rule for every amount a template prints.
//!
//! segflow keeps money as integer minor units (cents), and a template receives every amount as
//! a `*_minor` integer. The `money` filter prints one with two decimals and the currency:
//! `{{ cart.total_minor|money }}` gives `270.90 USD` in a shop whose `[shop] currency` is USD,
//! `{{ o.total_minor|money(o.currency) }}` names another currency. Amounts that arrive in major
//! units (event properties, as the API and Shopify send them) are converted to minor units
//! exactly when the template context is built, never in a template, so no template has to know
//! which unit a number is in, and none can divide by 100 once too often.

use minijinja::{Error, ErrorKind, State, Value};

/// Minor units as a decimal string in major units: 27090 → "270.90", -5 → "-0.05".
pub fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Minor units with the currency as people read them (`crate::money`, the rule reports follow
/// too): 27090, "USD" → "270.90 USD", 123456 → "1,234.56 USD"; no currency, no suffix.
pub fn format(minor: i64, currency: &str) -> String {
    crate::money::human(minor, currency)
}

/// An amount in major units, as a JSON number (`270.9`) or a numeric string (`"270.90"`), in
/// minor units. Decimals are converted exactly; a number with more than two decimal places is
/// rounded to the nearest cent. `None` for anything that is not an amount.
pub fn minor_from_major(value: &serde_json::Value) -> Option<i64> {
    let text = match value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    if let Ok(minor) = crate::store::import::cell::parse_cents(&text) {
        return Some(minor);
    }
    let major: f64 = text.parse().ok()?;
    let minor = (major * 100.0).round();
    (minor.is_finite() && minor.abs() < 9e15).then_some(minor as i64)
}

/// The `money` template filter: an integer amount in minor units, printed with `currency`, or
/// else the shop's currency (`shop.currency` of the context). Anything but an integer is an
/// error that says what to pass instead, so a decimal string or a float in major units cannot
/// be printed as if it were cents.
pub fn filter(state: &State, value: Value, currency: Option<Value>) -> Result<String, Error> {
    if value.is_none() || value.is_undefined() {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "`money` got no amount (the value is missing); print it inside {% if ... %}",
        ));
    }
    let minor = match value.as_i64() {
        Some(minor) if value.is_integer() => minor,
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "`money` takes an amount in minor units, an integer field such as cart.total_minor or last_order.total_minor, not {value:?}"
                ),
            ))
        }
    };
    let currency = match currency {
        Some(c) if !c.is_none() && !c.is_undefined() => c.to_string(),
        _ => state
            .lookup("shop")
            .and_then(|shop| shop.get_attr("currency").ok())
            .filter(|c| !c.is_none() && !c.is_undefined())
            .map(|c| c.to_string())
            .unwrap_or_default(),
    };
    Ok(format(minor, &currency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_print_with_two_decimals_and_the_currency() {
        assert_eq!(format(27_090, "USD"), "270.90 USD");
        assert_eq!(format(5, "EUR"), "0.05 EUR");
        assert_eq!(format(-1_250, ""), "-12.50");
    }

    #[test]
    fn major_units_become_minor_units_exactly() {
        assert_eq!(minor_from_major(&json!(270.9)), Some(27_090));
        assert_eq!(minor_from_major(&json!(129.90)), Some(12_990));
        assert_eq!(minor_from_major(&json!("49.99")), Some(4_999));
        assert_eq!(minor_from_major(&json!(12)), Some(1_200));
        assert_eq!(minor_from_major(&json!(0.125)), Some(13));
        assert_eq!(minor_from_major(&json!("abc")), None);
        assert_eq!(minor_from_major(&json!(null)), None);
    }
}
