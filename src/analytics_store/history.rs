//! Reads every customer's orders in one pass and summarises them for RFM, lifecycle and the
//! models, without holding all orders in memory at once.

use rusqlite::Connection;

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

/// Calls `each(customer, orders)` for every customer in ascending id order with their orders
/// placed at or before `until`, as `(placed_at, total cents)` in time order; customers without
/// such orders get an empty slice.
pub fn read_histories(
    conn: &Connection,
    until: i64,
    mut each: impl FnMut(i64, &[(i64, i64)]),
) -> rusqlite::Result<()> {
    let mut customers = conn.prepare("SELECT id FROM customers ORDER BY id")?;
    let mut customer_rows = customers.query([])?;
    let mut orders = conn.prepare(
        "SELECT customer, placed_at, total - refunded FROM orders WHERE placed_at <= ?1 AND counted = 1 ORDER BY customer, placed_at, id",
    )?;
    let mut order_rows = orders.query([until])?;
    let mut pending: Option<(i64, i64, i64)> = None;
    let mut buffer: Vec<(i64, i64)> = Vec::new();
    while let Some(row) = customer_rows.next()? {
        let id: i64 = row.get(0)?;
        buffer.clear();
        loop {
            if pending.is_none() {
                pending = match order_rows.next()? {
                    Some(r) => Some((r.get(0)?, r.get(1)?, r.get(2)?)),
                    None => None,
                };
            }
            match pending {
                // Orders of a customer id that has no customer row cannot exist (foreign key),
                // but are skipped rather than attributed to the next customer.
                Some((c, _, _)) if c < id => pending = None,
                Some((c, at, total)) if c == id => {
                    buffer.push((at, total));
                    pending = None;
                }
                _ => break,
            }
        }
        each(id, &buffer);
    }
    Ok(())
}

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
