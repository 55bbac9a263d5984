//! The report's queries over a segment's members: their orders, scores and engagement in the
//! period, the sums behind the value at stake, and the stored sizes growth is measured from.
//! The report (`report::segments`) defines the figures; this module only counts and sums.

use rusqlite::{params, Connection, OptionalExtension};

use super::workflows::Period;

/// The counts behind one segment's figures; money in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SegmentCounts {
    pub members: i64,
    pub orders: i64,
    pub revenue: i64,
    pub buyers: i64,
    pub repeaters: i64,
    pub avg_clv: Option<f64>,
    pub avg_churn: Option<f64>,
    /// Members with a human open or click (`mail::engagement`).
    pub openers: i64,
    pub clickers: i64,
    /// Members with any open or click, machines' included.
    pub openers_all: i64,
    pub clickers_all: i64,
}

/// The sums behind a value at stake: buyers, their yearly spend (minor units), the
/// churn-weighted spend and how many of them have a churn risk.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StakeSums {
    pub buyers: i64,
    pub yearly: f64,
    pub at_risk: Option<f64>,
    pub scored: i64,
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
          AND e.type = 'email_opened' AND e.occurred_at BETWEEN ?2 AND ?3 AND HUMAN),
       (SELECT COUNT(DISTINCT e.customer) FROM m JOIN events e ON e.customer = m.customer
          AND e.type = 'email_clicked' AND e.occurred_at BETWEEN ?2 AND ?3 AND HUMAN),
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

/// Every segment with stored members or a size history, by name.
pub fn names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT segment FROM segment_members UNION SELECT segment FROM segment_sizes ORDER BY 1",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// The shop's customers, and its counted revenue in the period (minor units).
pub fn shop(conn: &Connection, p: Period) -> rusqlite::Result<(i64, i64)> {
    let customers: i64 = conn.query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))?;
    let revenue: i64 = conn.query_row(
        "SELECT COALESCE(SUM(total - refunded), 0) FROM orders WHERE placed_at BETWEEN ?1 AND ?2 AND counted = 1",
        params![p.since, p.now],
        |r| r.get(0),
    )?;
    Ok((customers, revenue))
}

/// The counts of one segment's members in the period.
pub fn counts(conn: &Connection, segment: &str, p: Period) -> rusqlite::Result<SegmentCounts> {
    let sql = FIGURES.replace("HUMAN", super::HUMAN);
    conn.query_row(&sql, params![segment, p.since, p.now], |r| {
        Ok(SegmentCounts {
            members: r.get(0)?,
            orders: r.get(1)?,
            revenue: r.get(2)?,
            buyers: r.get(3)?,
            repeaters: r.get(4)?,
            avg_clv: r.get(5)?,
            avg_churn: r.get(6)?,
            openers: r.get(7)?,
            clickers: r.get(8)?,
            openers_all: r.get(9)?,
            clickers_all: r.get(10)?,
        })
    })
}

/// The value-at-stake sums of a segment's members, or of the whole shop (`None`), at `now`;
/// `year_ms` is the length of a year.
pub fn stake(
    conn: &Connection,
    segment: Option<&str>,
    now: i64,
    year_ms: i64,
) -> rusqlite::Result<StakeSums> {
    let members = if segment.is_some() { SEGMENT } else { SHOP };
    let sql = STAKE.replace("{members}", members);
    conn.query_row(&sql, params![segment, now, year_ms], |r| {
        Ok(StakeSums {
            buyers: r.get(0)?,
            yearly: r.get(1)?,
            at_risk: r.get(2)?,
            scored: r.get(3)?,
        })
    })
}

/// The segment's size growth is measured from: the last size recorded at or before `since`,
/// else the first within the period.
pub fn size_baseline(conn: &Connection, segment: &str, p: Period) -> rusqlite::Result<Option<i64>> {
    let before: Option<i64> = conn
        .query_row(
            "SELECT members FROM segment_sizes WHERE segment = ?1 AND at <= ?2 ORDER BY at DESC LIMIT 1",
            params![segment, p.since],
            |r| r.get(0),
        )
        .optional()?;
    if before.is_some() {
        return Ok(before);
    }
    conn.query_row(
        "SELECT members FROM segment_sizes WHERE segment = ?1 AND at BETWEEN ?2 AND ?3 ORDER BY at LIMIT 1",
        params![segment, p.since, p.now],
        |r| r.get(0),
    )
    .optional()
}
