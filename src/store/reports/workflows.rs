//! The report's queries over journeys, the outbox, orders and events: the counts behind each
//! workflow's and step's funnel, last-touch revenue, and the arms of A/B splits. The report
//! (`report::workflows`) defines the figures and shapes them; this module only counts.

use std::collections::HashMap;

use rusqlite::{params, Connection};

/// The period `[since, now]` the figures are counted over.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub since: i64,
    pub now: i64,
}

/// The raw counts of one workflow (step `None`) or step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunnelCounts {
    pub entered: i64,
    pub converted: i64,
    pub sent: i64,
    pub queued: i64,
    pub held: i64,
    pub skipped: i64,
    pub failed: i64,
    /// Customers with a human open or click of the workflow (`mail::engagement`).
    pub opened: i64,
    pub clicked: i64,
    /// Customers with any, machines' included.
    pub opened_all: i64,
    pub clicked_all: i64,
    /// Bounces and complaints reported later about these outbox rows (`mail_feedback`).
    pub hard_bounces: i64,
    pub soft_bounces: i64,
    pub complaints: i64,
}

/// One arm of a split: journeys, conversions, and the revenue of their orders in minor units
/// (sum and sum of squares).
#[derive(Debug, Clone, PartialEq)]
pub struct ArmCounts {
    pub workflow: String,
    pub split: String,
    pub arm: String,
    pub journeys: i64,
    pub converted: i64,
    pub revenue: f64,
    pub revenue_squares: f64,
}

/// An engagement event names its workflow in `prop.workflow`, or else in `prop.campaign`.
const MATCHES: &str = "COALESCE(json_extract(e.properties, '$.workflow'), json_extract(e.properties, '$.campaign')) = ?1";

/// Every workflow with journeys or outbox rows, by name.
pub fn workflow_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT workflow FROM journeys UNION SELECT workflow FROM outbox ORDER BY 1")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// The steps of a workflow that journeys reached or mail was queued for, in the order journeys
/// first reached them (steps only seen in the outbox last, by name).
pub fn steps(conn: &Connection, workflow: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT step FROM (
           SELECT l.step, MIN(l.id) AS first FROM journey_log l JOIN journeys j ON j.id = l.journey
           WHERE j.workflow = ?1 AND l.step IS NOT NULL GROUP BY l.step
           UNION ALL
           SELECT step, 1e18 FROM outbox WHERE workflow = ?1 GROUP BY step)
         GROUP BY step ORDER BY MIN(first), step",
    )?;
    let rows = stmt.query_map([workflow], |r| r.get(0))?;
    rows.collect()
}

/// The funnel counts of a workflow, or of one of its steps (see `report::workflows` for what
/// each counts).
pub fn funnel(
    conn: &Connection,
    p: Period,
    workflow: &str,
    step: Option<&str>,
) -> rusqlite::Result<FunnelCounts> {
    // ?4 is NULL for the workflow's totals, which then skip every step condition.
    let journeys = "FROM journeys j WHERE j.workflow = ?1 AND j.entered_at BETWEEN ?2 AND ?3
        AND (?4 IS NULL OR EXISTS (SELECT 1 FROM journey_log l WHERE l.journey = j.id AND l.step = ?4))";
    let outbox = "FROM outbox WHERE workflow = ?1 AND created_at BETWEEN ?2 AND ?3 AND (?4 IS NULL OR step = ?4)";
    let events = |kind: &str, human: bool| {
        let class = if human {
            format!("AND {}", super::HUMAN)
        } else {
            String::new()
        };
        format!(
            "SELECT COUNT(DISTINCT e.customer) FROM events e WHERE e.type = '{kind}'
             AND e.occurred_at BETWEEN ?2 AND ?3 AND {MATCHES} {class}
             AND (?4 IS NULL OR json_extract(e.properties, '$.step') = ?4)"
        )
    };
    let feedback = |kind: &str| {
        format!(
            "SELECT COUNT(*) FROM mail_feedback f JOIN outbox o ON o.id = f.outbox
             WHERE f.kind = '{kind}' AND o.workflow = ?1 AND o.created_at BETWEEN ?2 AND ?3
               AND (?4 IS NULL OR o.step = ?4)"
        )
    };
    let sql = format!(
        "SELECT (SELECT COUNT(*) {journeys}),
                (SELECT COUNT(*) {journeys} AND j.state = 'converted'),
                (SELECT COUNT(*) {outbox} AND status = 'sent'),
                (SELECT COUNT(*) {outbox} AND (status = 'sending'
                    OR (status = 'queued' AND next_attempt_at <= ?3))),
                (SELECT COUNT(*) {outbox} AND (status = 'held'
                    OR (status = 'queued' AND next_attempt_at > ?3))),
                (SELECT COUNT(*) {outbox} AND status = 'skipped')
                  + (SELECT COUNT(*) FROM journey_log l JOIN journeys j ON j.id = l.journey
                     WHERE j.workflow = ?1 AND l.action = 'skipped' AND l.at BETWEEN ?2 AND ?3
                       AND (?4 IS NULL OR l.step = ?4)),
                (SELECT COUNT(*) {outbox} AND status = 'failed'),
                ({}), ({}), ({}), ({}), ({}), ({}), ({})",
        events("email_opened", true),
        events("email_clicked", true),
        events("email_opened", false),
        events("email_clicked", false),
        feedback("hard"),
        feedback("soft"),
        feedback("complaint"),
    );
    conn.query_row(&sql, params![workflow, p.since, p.now, step], |r| {
        Ok(FunnelCounts {
            entered: r.get(0)?,
            converted: r.get(1)?,
            sent: r.get(2)?,
            queued: r.get(3)?,
            held: r.get(4)?,
            skipped: r.get(5)?,
            failed: r.get(6)?,
            opened: r.get(7)?,
            clicked: r.get(8)?,
            opened_all: r.get(9)?,
            clicked_all: r.get(10)?,
            hard_bounces: r.get(11)?,
            soft_bounces: r.get(12)?,
            complaints: r.get(13)?,
        })
    })
}

/// Last-touch revenue per (workflow, step): (orders, minor units). Every counted order placed
/// in the period goes to the latest delivered send to its customer at or before it and at most
/// `window` ms earlier.
pub fn attributed_revenue(
    conn: &Connection,
    p: Period,
    window: i64,
) -> rusqlite::Result<HashMap<(String, String), (u64, i64)>> {
    let mut stmt = conn.prepare(
        "WITH touch AS (
           SELECT o.total - o.refunded AS total,
             (SELECT ob.id FROM outbox ob
              WHERE ob.customer = o.customer AND ob.status = 'sent'
                AND ob.sent_at <= o.placed_at AND ob.sent_at >= o.placed_at - ?3
              ORDER BY ob.sent_at DESC, ob.id DESC LIMIT 1) AS send
           FROM orders o WHERE o.placed_at BETWEEN ?1 AND ?2 AND o.counted = 1)
         SELECT ob.workflow, ob.step, COUNT(*), SUM(t.total)
         FROM touch t JOIN outbox ob ON ob.id = t.send GROUP BY 1, 2",
    )?;
    let rows = stmt.query_map(params![p.since, p.now, window], |r| {
        Ok((
            (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
            (r.get::<_, i64>(2)? as u64, r.get::<_, i64>(3)?),
        ))
    })?;
    rows.collect()
}

/// Per journey of a split: whether it converted and the revenue (minor units) of the
/// customer's orders from the journey's entry to the end of the period.
const ARMS: &str = "
WITH per AS (
  SELECT j.workflow, v.key AS split, v.value AS arm, j.state = 'converted' AS converted,
         COALESCE((SELECT SUM(o.total - o.refunded) FROM orders o
                   WHERE o.customer = j.customer AND o.counted = 1
                     AND o.placed_at BETWEEN j.entered_at AND ?2), 0)
           AS revenue
  FROM journeys j, json_each(j.variant) v
  WHERE j.variant IS NOT NULL AND json_valid(j.variant) AND j.entered_at BETWEEN ?1 AND ?2)
SELECT workflow, split, arm, COUNT(*), SUM(converted), SUM(revenue), SUM(revenue * revenue)
FROM per GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";

/// The arms of every split recorded on journeys entered in the period, by workflow, split and
/// arm.
pub fn split_arms(conn: &Connection, p: Period) -> rusqlite::Result<Vec<ArmCounts>> {
    let mut stmt = conn.prepare(ARMS)?;
    let rows = stmt.query_map(params![p.since, p.now], |r| {
        Ok(ArmCounts {
            workflow: r.get(0)?,
            split: r.get(1)?,
            arm: r.get(2)?,
            journeys: r.get(3)?,
            converted: r.get(4)?,
            revenue: r.get(5)?,
            revenue_squares: r.get(6)?,
        })
    })?;
    rows.collect()
}
