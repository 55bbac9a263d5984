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

use serde::{Deserialize, Serialize};

/// The thresholds of the lifecycle rules, in days; `[lifecycle]` in segflow.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LifecycleConfig {
    /// A customer whose first order is at most this old is new.
    pub new_days: f64,
    /// How recent the return order of a reactivated customer must be.
    pub recent_days: f64,
    /// At least this many orders (and not at risk or lapsed) make a customer loyal.
    pub loyal_orders: u32,
    /// No order for longer than this: lapsed.
    pub lapsed_days: f64,
    /// At risk when the time since the last order exceeds this multiple of the median gap.
    pub at_risk_factor: f64,
    /// A floor under the repeat buyer's at-risk threshold, so a burst of orders on one day does
    /// not put a customer at risk the next day.
    pub at_risk_min_days: f64,
    /// The at-risk threshold of a one-time buyer, who has no gap of their own.
    pub one_time_at_risk_days: f64,
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
    fn median_gap_of_odd_and_even_counts() {
        assert_eq!(median_gap(&[0.0, 1.0, 11.0]), Some(5.5));
        assert_eq!(median_gap(&[0.0, 1.0, 11.0, 14.0]), Some(3.0));
        assert_eq!(median_gap(&[5.0]), None);
    }
}
