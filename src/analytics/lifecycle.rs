//! Lifecycle stages: where a customer stands in their relationship with the shop (prospect, new,
//! active, loyal, at risk, lapsed, reactivated), from their order times alone.
//!
//! Pure: the caller passes order times in days (on any common origin, ascending) and `now` on the
//! same origin. The rules are tried in the order below; the first that holds names the stage.
//!
//! 1. **prospect**: no order.
//! 2. **lapsed**: no order for more than `lapsed_days`.
//! 3. **reactivated**: the last order is at most `recent_days` old and the gap before it was
//!    longer than `lapsed_days` (the customer had lapsed and came back).
//! 4. **new**: the first order is at most `new_days` old.
//! 5. **at risk**: the time since the last order exceeds the customer's own rhythm:
//!    `max(at_risk_factor × median gap between consecutive orders, at_risk_min_days)`, or, for a
//!    one-time buyer, `one_time_at_risk_days`.
//! 6. **loyal**: at least `loyal_orders` orders.
//! 7. **active**: everyone else.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The thresholds of the lifecycle rules; `[lifecycle]` in segflow.toml, where every key is
/// optional and durations are written like `"90d"` (also `h`, `w`):
///
/// ```toml
/// [lifecycle]
/// new_within = "30d"
/// recent_within = "30d"
/// loyal_orders = 3
/// lapsed_after = "365d"
/// at_risk_factor = 1.5
/// at_risk_min = "30d"
/// one_time_at_risk_after = "90d"
/// ```
///
/// In code the durations are days, so the rules compare them with order times in days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LifecycleConfig {
    /// A customer whose first order is at most this old is new.
    #[serde(rename = "new_within", with = "days")]
    pub new_days: f64,
    /// How recent the return order of a reactivated customer must be.
    #[serde(rename = "recent_within", with = "days")]
    pub recent_days: f64,
    /// At least this many orders (and not at risk or lapsed) make a customer loyal.
    #[serde(deserialize_with = "at_least_one")]
    pub loyal_orders: u32,
    /// No order for longer than this: lapsed.
    #[serde(rename = "lapsed_after", with = "days")]
    pub lapsed_days: f64,
    /// At risk when the time since the last order exceeds this multiple of the median gap.
    #[serde(deserialize_with = "positive_factor")]
    pub at_risk_factor: f64,
    /// A floor under the repeat buyer's at-risk threshold, so a burst of orders on one day does
    /// not put a customer at risk the next day.
    #[serde(rename = "at_risk_min", with = "days")]
    pub at_risk_min_days: f64,
    /// The at-risk threshold of a one-time buyer, who has no gap of their own.
    #[serde(rename = "one_time_at_risk_after", with = "days")]
    pub one_time_at_risk_days: f64,
}

/// Durations as text (`"90d"`) in the file, days in code.
mod days {
    use super::*;

    const MS_PER_DAY: f64 = 86_400_000.0;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let text = String::deserialize(d)?;
        crate::dsl::literal::duration(text.trim())
            .map(|ms| ms as f64 / MS_PER_DAY)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{text}` is not a duration; write a whole number with a unit, such as \"90d\", \"12w\" or \"36h\""
                ))
            })
    }

    pub fn serialize<S: Serializer>(days: &f64, s: S) -> Result<S::Ok, S::Error> {
        if days.fract() == 0.0 {
            s.serialize_str(&format!("{days}d"))
        } else {
            s.serialize_str(&format!("{}ms", (days * MS_PER_DAY).round()))
        }
    }
}

fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = u32::deserialize(d)?;
    if n == 0 {
        return Err(serde::de::Error::custom(
            "0 orders would make every buyer loyal; write a count of at least 1",
        ));
    }
    Ok(n)
}

fn positive_factor<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if !(v.is_finite() && v > 0.0) {
        return Err(serde::de::Error::custom(format!(
            "{v} is not a positive multiple of the customer's median gap between orders; write one such as 1.5"
        )));
    }
    Ok(v)
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        LifecycleConfig {
            new_days: 30.0,
            recent_days: 30.0,
            loyal_orders: 3,
            lapsed_days: 365.0,
            at_risk_factor: 1.5,
            at_risk_min_days: 30.0,
            one_time_at_risk_days: 90.0,
        }
    }
}

/// A lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lifecycle {
    Prospect,
    New,
    Active,
    Loyal,
    AtRisk,
    Lapsed,
    Reactivated,
}

impl Lifecycle {
    /// The name used in rules (`lifecycle == "at risk"`) and stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Prospect => "prospect",
            Lifecycle::New => "new",
            Lifecycle::Active => "active",
            Lifecycle::Loyal => "loyal",
            Lifecycle::AtRisk => "at risk",
            Lifecycle::Lapsed => "lapsed",
            Lifecycle::Reactivated => "reactivated",
        }
    }
}

/// The stage of a customer with these order times (days, ascending) at `now` (days).
pub fn lifecycle(orders: &[f64], now: f64, config: &LifecycleConfig) -> Lifecycle {
    let (Some(&first), Some(&last)) = (orders.first(), orders.last()) else {
        return Lifecycle::Prospect;
    };
    let since_last = now - last;
    if since_last > config.lapsed_days {
        return Lifecycle::Lapsed;
    }
    if orders.len() >= 2 {
        let gap_before_last = last - orders[orders.len() - 2];
        if since_last <= config.recent_days && gap_before_last > config.lapsed_days {
            return Lifecycle::Reactivated;
        }
    }
    if now - first <= config.new_days {
        return Lifecycle::New;
    }
    let threshold = match median_gap(orders) {
        Some(gap) => (config.at_risk_factor * gap).max(config.at_risk_min_days),
        None => config.one_time_at_risk_days,
    };
    if since_last > threshold {
        return Lifecycle::AtRisk;
    }
    if orders.len() >= config.loyal_orders as usize {
        return Lifecycle::Loyal;
    }
    Lifecycle::Active
}

/// The median of the gaps between consecutive orders; `None` for fewer than two orders.
fn median_gap(orders: &[f64]) -> Option<f64> {
    let mut gaps: Vec<f64> = orders.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.is_empty() {
        return None;
    }
    gaps.sort_unstable_by(f64::total_cmp);
    let mid = gaps.len() / 2;
    Some(if gaps.len() % 2 == 1 {
        gaps[mid]
    } else {
        (gaps[mid - 1] + gaps[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(orders: &[f64], now: f64) -> &'static str {
        lifecycle(orders, now, &LifecycleConfig::default()).as_str()
    }

    #[test]
    fn each_rule_names_its_stage() {
        assert_eq!(stage(&[], 100.0), "prospect");
        assert_eq!(stage(&[0.0], 400.0), "lapsed");
        assert_eq!(stage(&[0.0, 500.0], 510.0), "reactivated");
        assert_eq!(stage(&[90.0], 100.0), "new");
        // A one-time buyer 100 days ago is past the 90-day default.
        assert_eq!(stage(&[0.0], 100.0), "at risk");
        assert_eq!(stage(&[0.0], 60.0), "active");
        // Orders every 20 days: at risk after max(1.5 × 20, 30) = 30 days.
        assert_eq!(stage(&[0.0, 20.0, 40.0, 60.0], 85.0), "loyal");
        assert_eq!(stage(&[0.0, 20.0, 40.0, 60.0], 95.0), "at risk");
        assert_eq!(stage(&[0.0, 40.0], 60.0), "active");
    }

    #[test]
    fn the_table_parses_durations_and_keeps_defaults_for_missing_keys() {
        let c: LifecycleConfig =
            toml::from_str("lapsed_after = \"180d\"\nat_risk_min = \"2w\"\nloyal_orders = 5")
                .unwrap();
        assert_eq!(c.lapsed_days, 180.0);
        assert_eq!(c.at_risk_min_days, 14.0);
        assert_eq!(c.loyal_orders, 5);
        assert_eq!(c.new_days, LifecycleConfig::default().new_days);
        let c: LifecycleConfig = toml::from_str("new_within = \"36h\"").unwrap();
        assert_eq!(c.new_days, 1.5);
        // What it serialises to reads back the same.
        let text = toml::to_string(&c).unwrap();
        assert_eq!(toml::from_str::<LifecycleConfig>(&text).unwrap(), c);
    }

    #[test]
    fn bad_values_are_errors_that_say_what_to_write() {
        for (text, says) in [
            ("lapsed_after = \"soon\"", "`soon` is not a duration"),
            ("lapsed_after = 365", "string"),
            ("at_risk_factor = -1.0", "positive multiple"),
            ("loyal_orders = 0", "at least 1"),
            ("lapsed_days = \"365d\"", "unknown field"),
        ] {
            let err = toml::from_str::<LifecycleConfig>(text)
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{text}: {err}");
        }
    }

    #[test]
    fn median_gap_of_odd_and_even_counts() {
        assert_eq!(median_gap(&[0.0, 1.0, 11.0]), Some(5.5));
        assert_eq!(median_gap(&[0.0, 1.0, 11.0, 14.0]), Some(3.0));
        assert_eq!(median_gap(&[5.0]), None);
    }
}
