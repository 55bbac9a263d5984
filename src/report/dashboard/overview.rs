//! The overview's figures per week and per month, each beside the same period a year earlier.
//!
//! Definitions, over the counted orders (`orders.counted`, refunds subtracted) placed in a
//! period `[start, end)` of the shop's calendar:
//! - revenue: the sum of their totals less refunds; orders: how many;
//! - customers: distinct customers with such an order; new: those whose first counted order
//!   ever is in the period; returning: the others (they had ordered before it);
//! - AOV: revenue ÷ orders;
//! - repeat rate: the share of the period's customers who have placed two or more counted
//!   orders by the period's end (returning customers, and new ones who came back within it).
//!
//! The last period is the current one, cut at `now` (`partial`); its year-earlier period is
//! cut after as long, so a week to Wednesday compares with the year-earlier week to Wednesday.
//! A year earlier is 52 weeks for a week (same weekdays) and 12 months for a month.

use std::collections::HashMap;

use serde::Serialize;

use super::calendar::Calendar;
use super::Purchases;
use crate::report::{ratio, Money};

/// The figures of one period. Money is in the shop's currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Figures {
    pub revenue: Money,
    pub orders: u64,
    pub customers: u64,
    pub new_customers: u64,
    pub returning_customers: u64,
    pub aov: Money,
    pub repeat_rate: f64,
}

/// One week or month, with the same period a year earlier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// `2026-03` for a month, the Monday's date `2026-03-02` for a week.
    pub label: String,
    /// Unix ms: the first instant, and the end (exclusive).
    pub start: i64,
    pub end: i64,
    /// The current period, cut at `now`.
    pub partial: bool,
    pub figures: Figures,
    pub year_earlier_start: i64,
    pub year_earlier_end: i64,
    pub year_earlier: Figures,
}

/// The overview: the last `weeks` weeks and `months` months up to `now`, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    pub weeks: Vec<Period>,
    pub months: Vec<Period>,
}

/// How many weeks and months the overview shows, the current one included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverviewOptions {
    pub now: i64,
    pub weeks: usize,
    pub months: usize,
}

impl OverviewOptions {
    /// 26 weeks and 13 months (a year and the current month).
    pub fn new(now: i64) -> OverviewOptions {
        OverviewOptions {
            now,
            weeks: 26,
            months: 13,
        }
    }
}

/// Computes the overview from every counted order up to `now`.
pub fn overview(purchases: &Purchases, calendar: &Calendar, options: &OverviewOptions) -> Overview {
    let now = options.now;
    let end_now = now.saturating_add(1);
    let mut weeks = Vec::with_capacity(options.weeks);
    let current_week = calendar.week_start(now);
    for back in (0..options.weeks as i64).rev() {
        let start = calendar.add_weeks(current_week, -back);
        let next = calendar.add_weeks(start, 1);
        let ye_start = calendar.add_weeks(start, -52);
        let ye_next = calendar.add_weeks(start, -51);
        weeks.push(period(
            purchases,
            calendar.date_label(start),
            (start, next),
            (ye_start, ye_next),
            end_now,
        ));
    }
    let mut months = Vec::with_capacity(options.months);
    let current_month = calendar.month_of(now);
    for back in (0..options.months as i32).rev() {
        let m = current_month - back;
        months.push(period(
            purchases,
            Calendar::month_label(m),
            (calendar.month_start(m), calendar.month_start(m + 1)),
            (calendar.month_start(m - 12), calendar.month_start(m - 11)),
            end_now,
        ));
    }
    Overview { weeks, months }
}

/// One period `[start, next)` cut at `end_now`; when cut short, the year-earlier period
/// `[ye_start, ye_next)` is cut after as long.
fn period(
    purchases: &Purchases,
    label: String,
    (start, next): (i64, i64),
    (ye_start, ye_next): (i64, i64),
    end_now: i64,
) -> Period {
    let end = next.min(end_now);
    let partial = end < next;
    let ye_end = if partial {
        (ye_start + (end - start)).min(ye_next)
    } else {
        ye_next
    };
    Period {
        label,
        start,
        end,
        partial,
        figures: figures(purchases, start, end),
        year_earlier_start: ye_start,
        year_earlier_end: ye_end,
        year_earlier: figures(purchases, ye_start, ye_end),
    }
}

/// The figures of the counted orders placed in `[start, end)`.
pub fn figures(purchases: &Purchases, start: i64, end: i64) -> Figures {
    let in_period = purchases.between(start, end);
    let mut revenue = 0i64;
    // Per customer: whether their first order is in the period, and their highest ordinal.
    let mut seen: HashMap<i64, (bool, u32)> = HashMap::new();
    for p in in_period {
        revenue += p.amount;
        let entry = seen.entry(p.customer).or_insert((false, 0));
        entry.0 |= p.ordinal == 1;
        entry.1 = entry.1.max(p.ordinal);
    }
    let customers = seen.len() as u64;
    let new_customers = seen.values().filter(|(first, _)| *first).count() as u64;
    let repeaters = seen.values().filter(|(_, n)| *n >= 2).count() as u64;
    let orders = in_period.len() as u64;
    Figures {
        revenue: Money::from_minor(revenue as f64),
        orders,
        customers,
        new_customers,
        returning_customers: customers - new_customers,
        aov: Money::from_minor(ratio(revenue as f64, orders as f64)),
        repeat_rate: ratio(repeaters as f64, customers as f64),
    }
}
