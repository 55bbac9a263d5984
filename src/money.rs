//! How segflow writes an amount for people: two decimals, thousands grouped with commas, the
//! currency after it (`1,234.56 USD`). The one rule every human-readable amount follows, in
//! emails (`mail::money`, the templates' `money` filter) and in reports (`report::Money`), so a
//! customer and a merchant read the same figure the same way. Money is held in minor units.

/// Minor units in major units with grouped thousands: 123456789 → "1,234,567.89".
pub fn grouped(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 4);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    format!("{sign}{out}.{:02}", abs % 100)
}

/// The amount with its currency code; without a code, the number alone.
pub fn human(minor: i64, currency: &str) -> String {
    let currency = currency.trim();
    if currency.is_empty() {
        grouped(minor)
    } else {
        format!("{} {currency}", grouped(minor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_the_same_everywhere() {
        assert_eq!(human(27_090, "USD"), "270.90 USD");
        assert_eq!(human(123_456_789, "EUR"), "1,234,567.89 EUR");
        assert_eq!(human(-5, ""), "-0.05");
        assert_eq!(grouped(100_000), "1,000.00");
        assert_eq!(grouped(99_999), "999.99");
        assert_eq!(grouped(i64::MIN), "-92,233,720,368,547,758.08");
    }
}
