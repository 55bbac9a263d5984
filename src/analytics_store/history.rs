//! Reads every customer's orders in one pass and summarises them for RFM, lifecycle and the
//! models, without holding all orders in memory at once.

use crate::analytics::{lifecycle, Lifecycle, LifecycleConfig, RfmInput, RfmValues};

/// Milliseconds per day.
pub const DAY_MS: i64 = 86_400_000;

/// One customer's summaries at an evaluation time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Internal customer id.
    pub customer: i64,
    /// `None` without an order.
    pub rfm: Option<RfmValues>,
    /// The BG/NBD and Gamma-Gamma input in whole days; `None` without an order.
    pub model: Option<RfmInput>,
    pub lifecycle: Lifecycle,
}

pub use crate::store::orders::histories as read_histories;

/// Summarises one customer's orders (time order) at `now`.
pub fn summarize(
    customer: i64,
    orders: &[(i64, i64)],
    now: i64,
    config: &LifecycleConfig,
) -> Summary {
    let days: Vec<f64> = orders
        .iter()
        .map(|&(at, _)| at as f64 / DAY_MS as f64)
        .collect();
    let stage = lifecycle(&days, now as f64 / DAY_MS as f64, config);
    let (Some(first), Some(last)) = (orders.first(), orders.last()) else {
        return Summary {
            customer,
            rfm: None,
            model: None,
            lifecycle: stage,
        };
    };
    let spent: i64 = orders.iter().map(|&(_, total)| total).sum();
    let rfm = RfmValues {
        recency_days: (now - last.0) as f64 / DAY_MS as f64,
        frequency: orders.len() as f64,
        monetary: spent as f64 / 100.0,
    };
    // Whole UTC days: orders on one day are one purchase whose value is their sum.
    let day = |at: i64| at.div_euclid(DAY_MS);
    let first_day = day(first.0);
    let (mut x, mut last_day, mut repeat_cents) = (0u32, first_day, 0i64);
    for &(at, total) in orders {
        let d = day(at);
        if d != first_day {
            repeat_cents += total;
            if d != last_day {
                x += 1;
            }
        }
        last_day = d;
    }
    let age = (day(now) - first_day).max(0) as f64;
    let t_x = ((last_day - first_day) as f64).min(age);
    let model = RfmInput {
        x: f64::from(x),
        t_x: if x == 0 { 0.0 } else { t_x },
        t: age,
        monetary: if x == 0 {
            0.0
        } else {
            repeat_cents as f64 / 100.0 / f64::from(x)
        },
    };
    Summary {
        customer,
        rfm: Some(rfm),
        model: Some(model),
        lifecycle: stage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_on_one_day_are_one_purchase() {
        let day = DAY_MS;
        let orders = [(0, 1000), (day + 5, 2000), (day + 9, 500), (4 * day, 1500)];
        let s = summarize(7, &orders, 10 * day, &LifecycleConfig::default());
        let m = s.model.unwrap();
        assert_eq!((m.x, m.t_x, m.t), (2.0, 4.0, 10.0));
        // Repeat days: 25.00 and 15.00.
        assert!((m.monetary - 20.0).abs() < 1e-12);
        let r = s.rfm.unwrap();
        assert_eq!(r.frequency, 4.0);
        assert!((r.monetary - 50.0).abs() < 1e-12);
        assert!((r.recency_days - 6.0).abs() < 1e-12);
    }

    #[test]
    fn a_customer_without_orders_is_a_prospect() {
        let s = summarize(1, &[], DAY_MS, &LifecycleConfig::default());
        assert_eq!(s.lifecycle, Lifecycle::Prospect);
        assert!(s.rfm.is_none() && s.model.is_none());
    }
}
