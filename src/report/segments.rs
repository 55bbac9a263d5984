//! Key figures per stored segment (the members written by `segflow refresh`).
//!
//! Definitions, all over the period `[since, now]`:
//! - revenue, orders, AOV, orders per customer: the members' orders placed in the period;
//! - repeat rate: members with two or more orders in the period / members with at least one;
//! - open rate / click rate: members with at least one person's `email_opened` / `email_clicked`
//!   event (machines' too in `open_rate_all` / `click_rate_all`)
//!   in the period, divided by members;
//! - growth: `(members now - baseline) / baseline`, where the baseline is the last size in
//!   `segment_sizes` at or before `since`, else the first size within the period; 0 without
//!   history or with a baseline of 0;
//! - value at stake: the yearly spend of the members who have ordered, each weighted by their
//!   churn risk. A member's yearly spend is everything they spent up to `now` divided by the
//!   years since their first order (at least one year). It is the revenue a year that the
//!   segment is expected to lose if nothing is done;
//! - excess at stake (what the segments are ranked by, see `priority.rs`): the value at stake
//!   minus that of as many average customers of the shop (the shop's value at stake over all
//!   its customers, per customer, times the members). It is what targeting this segment adds
//!   over mailing the same number of customers at random, so a large segment of ordinary
//!   customers does not outrank a small one of lapsing big spenders by its size alone.

use rusqlite::Connection;
use serde::Serialize;

use super::money::Money;
use super::{ratio, ReportOptions, DAY_MS};
use crate::store::reports::segments as queries;
use crate::store::reports::workflows::Period;

/// The figures of one segment. Money is in the shop's currency, major units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentReport {
    pub segment: String,
    pub members: u64,
    pub share: f64,
    pub revenue: Money,
    pub revenue_share: f64,
    pub orders: u64,
    pub aov: Money,
    pub orders_per_customer: f64,
    pub repeat_rate: f64,
    /// Average predicted CLV and churn risk over members with scores; absent without scores.
    pub avg_predicted_clv: Option<Money>,
    pub avg_churn_risk: Option<f64>,
    /// Members with a person's open or click, per member (`mail::engagement`).
    pub open_rate: f64,
    pub click_rate: f64,
    /// The same with machine opens and clicks counted.
    pub open_rate_all: f64,
    pub click_rate_all: f64,
    pub growth: f64,
    /// Members with at least one order up to `now`, and their summed yearly spend.
    pub buyers: u64,
    pub yearly_spend: Money,
    /// The churn-weighted yearly spend; 0 without buyers; absent when no buyer has a churn risk
    /// (no model fit).
    pub value_at_stake: Option<Money>,
    /// `value_at_stake` minus that of as many average customers; absent with it.
    pub excess_at_stake: Option<Money>,
    /// 1 for the segment with the most value at stake; see `priority.rs`.
    pub rank: u32,
    /// Why the segment has its rank, in words a merchant reads.
    pub reason: String,
}

/// A year of 365.25 days, in milliseconds.
const YEAR_MS: i64 = 36_525 * DAY_MS / 100;

/// One report per segment that has stored members or a size history, ranked by value at stake.
pub fn segment_reports(
    conn: &Connection,
    options: &ReportOptions,
    currency: &str,
) -> rusqlite::Result<Vec<SegmentReport>> {
    let period = Period {
        since: options.since,
        now: options.now,
    };
    let (customers, total_revenue) = queries::shop(conn, period)?;
    let shop = stake(conn, None, options.now)?;
    let per_customer = shop
        .at_risk
        .map(|x| ratio(x, customers as f64))
        .unwrap_or(0.0);
    let names = queries::names(conn)?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        out.push(one(
            conn,
            period,
            name,
            (customers, total_revenue, per_customer),
        )?);
    }
    super::priority::rank(&mut out, currency);
    Ok(out)
}

/// The figures of one segment; `shop` is the shop's customers, revenue in the period and value
/// at stake per customer (minor units).
fn one(
    conn: &Connection,
    period: Period,
    segment: String,
    shop: (i64, i64, f64),
) -> rusqlite::Result<SegmentReport> {
    let (customers, total_revenue, stake_per_customer) = shop;
    let c = queries::counts(conn, &segment, period)?;
    let stake = stake(conn, Some(&segment), period.now)?;
    let growth = match queries::size_baseline(conn, &segment, period)? {
        Some(b) if b > 0 => (c.members - b) as f64 / b as f64,
        _ => 0.0,
    };
    let m = c.members as f64;
    Ok(SegmentReport {
        members: c.members as u64,
        share: ratio(m, customers as f64),
        revenue: Money::from_minor(c.revenue as f64),
        revenue_share: ratio(c.revenue as f64, total_revenue as f64),
        orders: c.orders as u64,
        aov: Money::from_minor(ratio(c.revenue as f64, c.orders as f64)),
        orders_per_customer: ratio(c.orders as f64, m),
        repeat_rate: ratio(c.repeaters as f64, c.buyers as f64),
        avg_predicted_clv: c.avg_clv.map(Money::from_major),
        avg_churn_risk: c.avg_churn,
        open_rate: ratio(c.openers as f64, m),
        click_rate: ratio(c.clickers as f64, m),
        open_rate_all: ratio(c.openers_all as f64, m),
        click_rate_all: ratio(c.clickers_all as f64, m),
        growth,
        buyers: stake.buyers,
        yearly_spend: Money::from_minor(stake.yearly),
        value_at_stake: stake.at_risk.map(Money::from_minor),
        excess_at_stake: stake
            .at_risk
            .map(|x| Money::from_minor(x - stake_per_customer * m)),
        rank: 0,
        reason: String::new(),
        segment,
    })
}

/// Sums behind a value at stake, in minor units.
struct Stake {
    buyers: u64,
    yearly: f64,
    /// 0 without buyers; `None` when buyers have no churn risk.
    at_risk: Option<f64>,
}

fn stake(conn: &Connection, segment: Option<&str>, now: i64) -> rusqlite::Result<Stake> {
    let s = queries::stake(conn, segment, now, YEAR_MS)?;
    let buyers = s.buyers as u64;
    Ok(Stake {
        buyers,
        yearly: s.yearly,
        at_risk: if buyers == 0 {
            Some(0.0)
        } else if s.scored > 0 {
            Some(s.at_risk.unwrap_or(0.0))
        } else {
            None
        },
    })
}
