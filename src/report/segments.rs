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
//! - priority: `members × average value × (1 + growth)` (see `analytics::report::priority_score`),
//!   where the average value is the average predicted CLV when scores exist, else revenue per
//!   member in the period.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{ratio, ReportOptions};
use crate::analytics::report::priority_score;

/// The figures of one segment. Money is in minor units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentReport {
    pub segment: String,
    pub members: u64,
    pub share: f64,
    pub revenue_cents: i64,
    pub revenue_share: f64,
    pub orders: u64,
    pub aov_cents: f64,
    pub orders_per_customer: f64,
    pub repeat_rate: f64,
    /// Average predicted CLV and churn risk over members with scores; absent without scores.
    pub avg_predicted_clv: Option<f64>,
    pub avg_churn_risk: Option<f64>,
    pub open_rate: f64,
    pub click_rate: f64,
    pub growth: f64,
    pub priority: f64,
}

const FIGURES: &str = "
WITH m AS (SELECT customer FROM segment_members WHERE segment = ?1),
per AS (
  SELECT m.customer, COUNT(o.id) AS n, COALESCE(SUM(o.total), 0) AS spent
  FROM m LEFT JOIN orders o ON o.customer = m.customer AND o.placed_at BETWEEN ?2 AND ?3
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

/// One report per segment that has stored members or a size history, by name.
pub fn segment_reports(
    conn: &Connection,
    options: &ReportOptions,
) -> rusqlite::Result<Vec<SegmentReport>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT segment FROM segment_members UNION SELECT segment FROM segment_sizes ORDER BY 1",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let customers: i64 = conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))?;
    let total_revenue: i64 = conn.query_row(
        "SELECT COALESCE(SUM(total), 0) FROM orders WHERE placed_at BETWEEN ?1 AND ?2",
        params![options.since, options.now],
        |r| r.get(0),
    )?;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        out.push(one(conn, options, name, customers, total_revenue)?);
    }
    Ok(out)
}

fn one(
    conn: &Connection,
    o: &ReportOptions,
    segment: String,
    customers: i64,
    total_revenue: i64,
) -> rusqlite::Result<SegmentReport> {
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
    let growth = growth(conn, &segment, o, members)?;
    let m = members as f64;
    let average_value = clv.unwrap_or(ratio(revenue as f64, m));
    Ok(SegmentReport {
        members: members as u64,
        share: ratio(m, customers as f64),
        revenue_cents: revenue,
        revenue_share: ratio(revenue as f64, total_revenue as f64),
        orders: orders as u64,
        aov_cents: ratio(revenue as f64, orders as f64),
        orders_per_customer: ratio(orders as f64, m),
        repeat_rate: ratio(repeaters as f64, buyers as f64),
        avg_predicted_clv: clv,
        avg_churn_risk: churn,
        open_rate: ratio(openers as f64, m),
        click_rate: ratio(clickers as f64, m),
        growth,
        priority: priority_score(members as u64, average_value, growth),
        segment,
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
