//! Money as a report shows it. The store keeps order totals in minor units (cents) and the
//! models predict in major units, so every amount of a report is held as one [`Money`] and
//! leaves the report through one formatter: the text table, the HTML page, the chart labels and
//! the JSON all show the same figure in the shop's currency.

use serde::{Serialize, Serializer};

/// An amount of the shop's currency. Held in major units (dollars, euros) because averages and
/// predictions are fractional; built from the store's minor units with [`Money::from_minor`].
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Money(f64);

/// Minor units per major unit. segflow stores every currency with two decimals (see
/// `[shop] currency` in README), so this is one constant rather than a table per currency.
const MINOR_PER_MAJOR: f64 = 100.0;

impl Money {
    /// An amount given in minor units, as orders store it.
    pub fn from_minor(minor: f64) -> Money {
        Money(finite(minor) / MINOR_PER_MAJOR)
    }

    /// An amount given in major units, as the models predict it.
    pub fn from_major(major: f64) -> Money {
        Money(finite(major))
    }

    /// The amount in major units.
    pub fn major(self) -> f64 {
        self.0
    }

    /// The amount rounded to the cent, in major units: the value the JSON carries and the text
    /// shows, so the two can be compared figure by figure.
    pub fn rounded(self) -> f64 {
        let cents = (self.0 * MINOR_PER_MAJOR).round();
        // `-0.0` would print as "-0.00".
        if cents == 0.0 {
            0.0
        } else {
            cents / MINOR_PER_MAJOR
        }
    }

    /// The amount as a merchant reads it: two decimals, thousands grouped, then the currency
    /// code (`1,234.56 USD`).
    pub fn format(self, currency: &str) -> String {
        format!("{} {currency}", self.format_number())
    }

    /// The amount without its currency, for a column or axis whose heading names the currency;
    /// written by `crate::money`, the rule emails follow too.
    pub fn format_number(self) -> String {
        crate::money::grouped((self.rounded() * MINOR_PER_MAJOR).round() as i64)
    }
}

fn finite(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        0.0
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        self.0 += other.0;
    }
}

/// Serialised as a number in major units, rounded to the cent.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.rounded())
    }
}

#[cfg(test)]
mod tests {
    use super::Money;

    #[test]
    fn minor_units_become_major_units() {
        assert_eq!(Money::from_minor(27_090.0).format("USD"), "270.90 USD");
        assert_eq!(Money::from_major(527.214).format("EUR"), "527.21 EUR");
        assert_eq!(Money::from_minor(0.0).format("USD"), "0.00 USD");
    }

    #[test]
    fn thousands_are_grouped_and_signs_kept() {
        assert_eq!(
            Money::from_major(1_234_567.891).format_number(),
            "1,234,567.89"
        );
        assert_eq!(Money::from_major(999.996).format_number(), "1,000.00");
        assert_eq!(Money::from_major(-1_234.5).format_number(), "-1,234.50");
        assert_eq!(Money::from_major(-0.001).format_number(), "0.00");
        assert_eq!(Money::from_major(123.0).format_number(), "123.00");
    }

    #[test]
    fn json_carries_the_rounded_major_amount() {
        let json = serde_json::to_string(&Money::from_minor(52_721.4)).unwrap();
        assert_eq!(json, "527.21");
        assert_eq!(Money::from_major(f64::NAN).rounded(), 0.0);
    }
}
