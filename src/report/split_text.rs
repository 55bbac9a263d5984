//! The words of an A/B split, shared by the text report and the HTML page so both say the same:
//! one line per arm and one per comparison, in the unit of the split's metric (percentage
//! points for conversion, money per recipient for revenue).

use super::money::Money;
use crate::analytics::report::{Arm, Comparison, Metric};

/// `quick: 662 entered, 12 converted (1.8%), 8,169.08 USD revenue, 12.34 USD per recipient`.
pub fn arm_line(arm: &Arm, currency: &str) -> String {
    format!(
        "{}: {} entered, {} converted ({:.1}%), {} revenue, {} per recipient",
        arm.name,
        arm.entered,
        arm.converted,
        arm.rate() * 100.0,
        Money::from_major(arm.revenue).format(currency),
        Money::from_major(arm.revenue_per_recipient()).format(currency)
    )
}

/// `slow vs quick by revenue per recipient: +1.23 USD (95% CI -0.50 to +2.96 USD), p = 0.1600:
/// not enough data yet`.
pub fn comparison_line(c: &Comparison, currency: &str) -> String {
    let (by, lift, low, high) = match c.metric {
        Metric::Conversion => (
            "conversion",
            format!("{:+.1} pts", c.lift * 100.0),
            format!("{:+.1}", c.lift_low * 100.0),
            format!("{:+.1} pts", c.lift_high * 100.0),
        ),
        Metric::Revenue => (
            "revenue per recipient",
            signed(c.lift, currency),
            signed_number(c.lift_low),
            signed(c.lift_high, currency),
        ),
    };
    format!(
        "{} vs {} by {by}: {lift} (95% CI {low} to {high}), p = {:.4}: {}",
        c.b.name, c.a.name, c.p_value, c.verdict
    )
}

fn signed_number(x: f64) -> String {
    let text = Money::from_major(x).format_number();
    if text.starts_with('-') {
        text
    } else {
        format!("+{text}")
    }
}

fn signed(x: f64, currency: &str) -> String {
    format!("{} {currency}", signed_number(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::report::{compare, compare_revenue, VerdictRules};

    fn arm(name: &str, entered: u64, converted: u64, revenue: f64, squares: f64) -> Arm {
        Arm {
            revenue,
            revenue_squares: squares,
            ..Arm::new(name, entered, converted)
        }
    }

    #[test]
    fn lines_read_in_the_unit_of_the_metric() {
        let a = arm("a", 200, 20, 2_000.0, 2_000.0 * 100.0);
        let b = arm("b", 200, 10, 3_000.0, 3_000.0 * 300.0);
        assert_eq!(
            arm_line(&a, "EUR"),
            "a: 200 entered, 20 converted (10.0%), 2,000.00 EUR revenue, 10.00 EUR per recipient"
        );
        let by_conversion = compare(a.clone(), b.clone(), VerdictRules::default());
        assert!(
            comparison_line(&by_conversion, "EUR")
                .starts_with("b vs a by conversion: -5.0 pts (95% CI "),
            "{}",
            comparison_line(&by_conversion, "EUR")
        );
        let by_revenue = compare_revenue(a, b, VerdictRules::default());
        let line = comparison_line(&by_revenue, "EUR");
        assert_eq!(
            line,
            "b vs a by revenue per recipient: +5.00 EUR (95% CI -4.99 to +14.99 EUR), p = 0.3268: not enough data yet"
        );
    }
}
