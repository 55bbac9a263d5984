//! Parsing of single CSV cells into the store's representations: dates to unix milliseconds,
//! decimal money to integer cents, booleans, integers, tag lists and typed JSON values, and the
//! check that an email cell holds one address.
//!
//! The parsers are hand-written rather than built on chrono's format strings because the
//! import runs them millions of times; they allocate nothing on success and return a short
//! human reason on failure, which the caller puts into the reject file.

use serde_json::Value;

pub use crate::timestamp::TimeError;

/// Why a cell's text is not a value of its column; each says what to write instead, for the
/// reject file and the API's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CellError {
    #[error("`{shown}` is not one email address: {why}; write a single bare address such as ana@example.com")]
    Email { shown: String, why: &'static str },
    #[error("`{0}` is more than the largest quantity segflow takes (1,000,000)")]
    QuantityTooLarge(String),
    #[error("`{0}` is not an amount (expected a decimal number such as 49.99)")]
    NotAnAmount(String),
    #[error("`{0}` is more than the largest amount segflow takes (999,999,999,999.99)")]
    AmountTooLarge(String),
    #[error("`{0}` has more than two decimal places")]
    TooManyDecimals(String),
    #[error("`{0}` is not a whole number (expected a count such as 2)")]
    NotAWholeNumber(String),
    #[error("`{0}` is not a yes/no value (expected true, false, yes, no, 1 or 0)")]
    NotYesOrNo(String),
    #[error(transparent)]
    Time(#[from] TimeError),
    /// A required cell left empty.
    #[error("column {0} is empty; fill it in, as every row needs one")]
    Empty(String),
}

/// A cell that failed, with the column it is in: the reason a row is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    #[error("column {label}: {source}")]
    Cell { label: String, source: CellError },
    #[error(transparent)]
    Empty(CellError),
}

/// Checks that `text` is one bare email address, the only form the sender can put in a `To:`
/// header. A line break would end the header and start another (header injection), and a list
/// (`"Evil" <a@b>, c@evil`) or a display name is more than one customer's address; both used to
/// be stored and fail only at send time. The reason names what to write instead.
pub fn check_email(text: &str) -> Result<(), CellError> {
    let why = if text.chars().any(char::is_control) {
        "it holds a line break or another control character"
    } else if text.contains([',', ';']) {
        "it looks like a list of addresses"
    } else if text.contains(['<', '>', '"']) || text.chars().any(char::is_whitespace) {
        "it holds a name, quotes, angle brackets or spaces besides the address"
    } else {
        return Ok(());
    };
    // Control characters are shown escaped, so that the reason stays on one line.
    let shown: String = text
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    Err(CellError::Email { shown, why })
}

/// The form two phone numbers are compared in: Shopify's leading apostrophe dropped, a leading
/// `+` kept, and only the digits after it (`'+57 315-817 3380` → `+573158173380`). None when
/// fewer than six digits remain, as such a cell identifies nobody.
pub fn phone_key(text: &str) -> Option<String> {
    let text = text.trim().trim_start_matches('\'').trim_start();
    let mut key = String::with_capacity(text.len());
    if text.starts_with('+') {
        key.push('+');
    }
    key.extend(text.chars().filter(char::is_ascii_digit));
    (key.trim_start_matches('+').len() >= 6).then_some(key)
}

use crate::timestamp::digits;
/// A date or time cell (`crate::timestamp`) in unix ms.
pub fn parse_datetime(text: &str) -> Result<i64, CellError> {
    Ok(crate::timestamp::parse(text)?)
}

/// Parses a decimal amount in major units (`49.99`, `-5`, `.5`) into integer cents exactly,
/// without going through floating point; more than two decimals is refused, not rounded.
/// The largest amount segflow takes anywhere (CSV, API, webhooks): 999,999,999,999.99, twelve
/// digits before the point. Sums of such amounts cannot overflow for any real customer (it
/// would take 92,000 orders of that size).
pub const MAX_WHOLE_DIGITS: usize = 12;

/// The largest quantity of one order line or cart line: 1,000,000.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// A quantity: a whole number of at most `MAX_QUANTITY` either way.
pub fn parse_quantity(text: &str) -> Result<i64, CellError> {
    let q = parse_int(text)?;
    if q.abs() > MAX_QUANTITY {
        return Err(CellError::QuantityTooLarge(text.to_string()));
    }
    Ok(q)
}

pub fn parse_cents(text: &str) -> Result<i64, CellError> {
    let bad = || CellError::NotAnAmount(text.to_string());
    let (negative, body) = match text.as_bytes().split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text.as_bytes()),
    };
    let (whole, frac) = match body.iter().position(|&c| c == b'.') {
        Some(dot) => (&body[..dot], &body[dot + 1..]),
        None => (body, &[][..]),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    let significant = whole.iter().skip_while(|&&c| c == b'0').count();
    if significant > MAX_WHOLE_DIGITS {
        return Err(CellError::AmountTooLarge(text.to_string()));
    }
    if frac.len() > 2 {
        return Err(CellError::TooManyDecimals(text.to_string()));
    }
    let units = if whole.is_empty() {
        0
    } else {
        digits(whole).ok_or_else(bad)?
    };
    let mut cents = 0;
    for i in 0..2 {
        cents = cents * 10
            + match frac.get(i) {
                Some(c) if c.is_ascii_digit() => i64::from(c - b'0'),
                Some(_) => return Err(bad()),
                None => 0,
            };
    }
    let value = units * 100 + cents;
    Ok(if negative { -value } else { value })
}

/// Parses a whole number such as a quantity.
pub fn parse_int(text: &str) -> Result<i64, CellError> {
    text.parse::<i64>()
        .map_err(|_| CellError::NotAWholeNumber(text.to_string()))
}

/// Parses true/false/yes/no/1/0 in any case.
pub fn parse_bool(text: &str) -> Result<bool, CellError> {
    const TRUE: [&str; 3] = ["true", "yes", "1"];
    const FALSE: [&str; 3] = ["false", "no", "0"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(text)) {
        Ok(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(text)) {
        Ok(false)
    } else {
        Err(CellError::NotYesOrNo(text.to_string()))
    }
}

/// Splits a comma-separated tag cell into a JSON array text, dropping empty entries.
pub fn tags_json(text: &str) -> String {
    let tags: Vec<Value> = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| Value::String(t.to_owned()))
        .collect();
    Value::Array(tags).to_string()
}

/// Types an attribute or property cell: a JSON array, a number or true/false keeps its JSON
/// type, anything else is a string. Objects and `null` stay strings so a cell can never erase
/// or restructure other keys by accident.
pub fn typed_value(text: &str) -> Value {
    let first = text.as_bytes().first().copied();
    let looks_typed = matches!(first, Some(b'[' | b'-' | b'0'..=b'9' | b't' | b'f'));
    if looks_typed {
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            if matches!(value, Value::Array(_) | Value::Number(_) | Value::Bool(_)) {
                return value;
            }
        }
    }
    Value::String(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_keys_ignore_apostrophes_spaces_and_dashes() {
        assert_eq!(
            phone_key("'+57 315-817 3380").as_deref(),
            Some("+573158173380")
        );
        assert_eq!(phone_key("(617) 555-0100").as_deref(), Some("6175550100"));
        assert_eq!(phone_key("'4001"), None);
        assert_eq!(phone_key(""), None);
    }

    #[test]
    fn money_is_exact_cents() {
        assert_eq!(parse_cents("49.99"), Ok(4999));
        assert_eq!(parse_cents("0.1"), Ok(10));
        assert_eq!(parse_cents("-5"), Ok(-500));
        assert_eq!(parse_cents(".5"), Ok(50));
        assert_eq!(parse_cents("1234567.89"), Ok(123_456_789));
        for text in ["", "-", "1.234", "1,5", "abc", "1.a", "."] {
            assert!(parse_cents(text).is_err(), "{text}");
        }
    }

    #[test]
    fn booleans_tags_and_typed_values() {
        assert_eq!(parse_bool("YES"), Ok(true));
        assert_eq!(parse_bool("0"), Ok(false));
        assert!(parse_bool("maybe").is_err());
        assert_eq!(tags_json(" vip, ,wholesale "), r#"["vip","wholesale"]"#);
        assert_eq!(typed_value("42"), serde_json::json!(42));
        assert_eq!(typed_value("true"), serde_json::json!(true));
        assert_eq!(typed_value("[1,\"a\"]"), serde_json::json!([1, "a"]));
        assert_eq!(typed_value("{\"a\":1}"), serde_json::json!("{\"a\":1}"));
        assert_eq!(typed_value("12 Main St"), serde_json::json!("12 Main St"));
    }
}
