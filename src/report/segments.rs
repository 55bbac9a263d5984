//! Key figures per stored segment (the members written by `segflow refresh`).
//!
//! Definitions, all over the period `[since, now]`:
//! - revenue, orders, AOV, orders per customer: the members' orders placed in the period;
//! - repeat rate: members with two or more orders in the period / members with at least one;
//! - open rate / click rate: members with at least one `email_opened` / `email_clicked` event
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

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::money::Money;
use super::{ratio, ReportOptions, DAY_MS};

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
    pub open_rate: f64,
    pub click_rate: f64,
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

const FIGURES: &str = "
WITH m AS (SELECT customer FROM segment_members WHERE segment = ?1),
per AS (
  SELECT m.customer, COUNT(o.id) AS n, COALESCE(SUM(o.total - o.refunded), 0) AS spent
  FROM m LEFT JOIN orders o ON o.customer = m.customer AND o.placed_at BETWEEN ?2 AND ?3
    AND o.counted = 1
  GROUP BY m.customer)
SELECT COUNT(*), COALESCE(SUM(n), 0), COALESCE(SUM(spent), 0),
       COALESCE(SUM(n >= 1), 0), COALESCE(SUM(n >= 2), 0),
       (SELECT AVG(s.predicted_clv) FROM m JOIN customer_scores s ON s.customer = m.customer),
       (SELECT AVG(s.churn_risk) FROM m JOIN customer_scores s ON s.customer = m.customer),
       (SELECT COUNT(DISTINCT e.customer) FROM m JOIN events e ON e.customer = m.customer
          AND e.type = 'email_opened' AND e.occurred_at BETWEEN ?2 AND ?3),
       (SELECT COUNT(DISTINCT e.customer) FROM m JOIN events e ON e.customer = m.customer
          AND e.type = 'email_clicked' AND e.occurred_at BETWEEN ?2 AND ?3)
FROM per";

/// Who a value at stake is summed over: a segment's members (?1 names it), or every customer
/// of the shop (?1 is NULL).
const SEGMENT: &str = "SELECT customer FROM segment_members WHERE segment = ?1";
const SHOP: &str = "SELECT id AS customer FROM customers WHERE ?1 IS NULL";

/// Yearly spend (minor units) and churn risk of every customer of `{members}` who has ordered
/// by `now` (?2); ?3 is the length of a year in milliseconds.
const STAKE: &str = "
WITH m AS ({members}),
life AS (
  SELECT m.customer, SUM(o.total - o.refunded) AS spent, MIN(o.placed_at) AS first
  FROM m JOIN orders o ON o.customer = m.customer AND o.placed_at <= ?2 AND o.counted = 1
  GROUP BY m.customer),
yearly AS (
  SELECT l.spent / MAX(1.0, (?2 - l.first) * 1.0 / ?3) AS spend, s.churn_risk AS churn
  FROM life l LEFT JOIN customer_scores s ON s.customer = l.customer)
SELECT COUNT(*), COALESCE(SUM(spend), 0), SUM(spend * churn), COUNT(churn) FROM yearly";

/// A year of 365.25 days, in milliseconds.
const YEAR_MS: i64 = 36_525 * DAY_MS / 100;

/// One report per segment that has stored members or a size history, ranked by value at stake.
pub fn segment_reports(
    conn: &Connection,
    options: &ReportOptions,
    currency: &str,
) -> rusqlite::Result<Vec<SegmentReport>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT segment FROM segment_members UNION SELECT segment FROM segment_sizes ORDER BY 1",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let customers: i64 = conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))?;
    let total_revenue: i64 = conn.query_row(
        "SELECT COALESCE(SUM(total - refunded), 0) FROM orders WHERE placed_at BETWEEN ?1 AND ?2 AND counted = 1",
        params![options.since, options.now],
        |r| r.get(0),
    )?;
    let shop = stake(conn, SHOP, None, options.now)?;
    let per_customer = shop
        .at_risk
        .map(|x| ratio(x, customers as f64))
        .unwrap_or(0.0);
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        out.push(one(
            conn,
            options,
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
    o: &ReportOptions,
    segment: String,
    shop: (i64, i64, f64),
) -> rusqlite::Result<SegmentReport> {
    let (customers, total_revenue, stake_per_customer) = shop;
    let row = conn.query_row(FIGURES, params![segment, o.since, o.now], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, Option<f64>>(5)?,
            r.get::<_, Option<f64>>(6)?,
            r.get::<_, i64>(7)?,
            r.get::<_, i64>(8)?,
        ))
    })?;
    let (members, orders, revenue, buyers, repeaters, clv, churn, openers, clickers) = row;
    let stake = stake(conn, SEGMENT, Some(&segment), o.now)?;
    let growth = growth(conn, &segment, o, members)?;
    let m = members as f64;
    Ok(SegmentReport {
        members: members as u64,
        share: ratio(m, customers as f64),
        revenue: Money::from_minor(revenue as f64),
        revenue_share: ratio(revenue as f64, total_revenue as f64),
        orders: orders as u64,
        aov: Money::from_minor(ratio(revenue as f64, orders as f64)),
        orders_per_customer: ratio(orders as f64, m),
        repeat_rate: ratio(repeaters as f64, buyers as f64),
        avg_predicted_clv: clv.map(Money::from_major),
        avg_churn_risk: churn,
        open_rate: ratio(openers as f64, m),
        click_rate: ratio(clickers as f64, m),
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

fn stake(
    conn: &Connection,
    members: &str,
    segment: Option<&str>,
    now: i64,
) -> rusqlite::Result<Stake> {
    let sql = STAKE.replace("{members}", members);
    conn.query_row(&sql, params![segment, now, YEAR_MS], |r| {
        let buyers = r.get::<_, i64>(0)? as u64;
        let scored: i64 = r.get(3)?;
        Ok(Stake {
            buyers,
            yearly: r.get(1)?,
            at_risk: if buyers == 0 {
                Some(0.0)
            } else if scored > 0 {
                Some(r.get::<_, Option<f64>>(2)?.unwrap_or(0.0))
            } else {
                None
            },
        })
    })
}

fn growth(conn: &Connection, segment: &str, o: &ReportOptions, now: i64) -> rusqlite::Result<f64> {
    let before: Option<i64> = conn
        .query_row(
            "SELECT members FROM segment_sizes WHERE segment = ?1 AND at <= ?2 ORDER BY at DESC LIMIT 1",
            params![segment, o.since],
            |r| r.get(0),
        )
        .optional()?;
    let baseline = match before {
        Some(b) => Some(b),
        None => conn
            .query_row(
                "SELECT members FROM segment_sizes WHERE segment = ?1 AND at BETWEEN ?2 AND ?3 ORDER BY at LIMIT 1",
                params![segment, o.since, o.now],
                |r| r.get(0),
            )
            .optional()?,
    };
    Ok(match baseline {
        Some(b) if b > 0 => (now - b) as f64 / b as f64,
        _ => 0.0,
    })
}
