//! Monthly acquisition cohorts: customers grouped by the month (shop calendar) of their first
//! counted order, followed month by month.
//!
//! Definitions: a cohort's `customers` are those whose first counted order ever falls in its
//! month; for each month since (0 is the acquisition month itself, up to the current month),
//! `active` counts the cohort's customers with a counted order in that month, `retention` is
//! `active ÷ customers`, and `revenue` sums those orders' totals less refunds. So month 0's
//! retention is always 100%, and a later cell is the share who bought again in that month.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::calendar::Calendar;
use super::Purchases;
use crate::report::{ratio, Money};

/// One acquisition month, its cells indexed by months since acquisition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    /// `2026-03`.
    pub month: String,
    pub customers: u64,
    pub active: Vec<u64>,
    pub retention: Vec<f64>,
    pub revenue: Vec<Money>,
}

impl Cohort {
    /// Revenue of month `k` per customer of the cohort.
    pub fn revenue_per_customer(&self, k: usize) -> Money {
        let total = self.revenue.get(k).map_or(0.0, |m| m.major());
        Money::from_major(ratio(total, self.customers as f64))
    }
}

/// The last `months` acquisition cohorts up to the month of `now`, oldest first; cohorts
/// without customers are kept (a month nobody first bought in still is a row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohorts {
    pub cohorts: Vec<Cohort>,
}

/// Computes the cohorts of the last `months` months (the current one included) from every
/// counted order up to `now`.
pub fn cohorts(purchases: &Purchases, calendar: &Calendar, now: i64, months: usize) -> Cohorts {
    let current = calendar.month_of(now);
    let first = current - months.max(1) as i32 + 1;
    // Every order's month, and each customer's acquisition month.
    let mut acquired: HashMap<i64, i32> = HashMap::new();
    for p in purchases.all() {
        if p.ordinal == 1 {
            acquired.insert(p.customer, calendar.month_of(p.at));
        }
    }
    let rows = (current - first + 1) as usize;
    let mut cohorts: Vec<Cohort> = (0..rows)
        .map(|i| {
            let cells = rows - i;
            Cohort {
                month: Calendar::month_label(first + i as i32),
                customers: 0,
                active: vec![0; cells],
                retention: vec![0.0; cells],
                revenue: vec![Money::default(); cells],
            }
        })
        .collect();
    for m in acquired.values() {
        if *m >= first && *m <= current {
            cohorts[(m - first) as usize].customers += 1;
        }
    }
    // Sums in minor units, converted once, so no rounding piles up.
    let mut minor: Vec<Vec<i64>> = cohorts.iter().map(|c| vec![0; c.active.len()]).collect();
    let mut counted: HashSet<(i64, i32)> = HashSet::new();
    for p in purchases.all() {
        let Some(&m0) = acquired.get(&p.customer) else {
            continue;
        };
        let m = calendar.month_of(p.at);
        if m0 < first || m > current {
            continue;
        }
        let (row, k) = ((m0 - first) as usize, (m - m0) as usize);
        minor[row][k] += p.amount;
        if counted.insert((p.customer, m)) {
            cohorts[row].active[k] += 1;
        }
    }
    for (c, sums) in cohorts.iter_mut().zip(&minor) {
        c.revenue = sums.iter().map(|m| Money::from_minor(*m as f64)).collect();
        c.retention = c
            .active
            .iter()
            .map(|a| ratio(*a as f64, c.customers as f64))
            .collect();
    }
    Cohorts { cohorts }
}
