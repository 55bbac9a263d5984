//! Key figures per workflow and step, and the A/B comparison of every split.
//!
//! Definitions, over the period `[since, now]`:
//! - entered: journeys that entered the workflow in the period; for a step, those of them with a
//!   `journey_log` row on the step;
//! - of the outbox rows created in the period: sent, those handed to the transport (status
//!   `sent`); queued, those due by `now` and waiting for the sender (`queued`, `sending`);
//!   held, those the sending policy holds until after `now` (quiet hours, frequency cap: the
//!   dispatcher queues them for that later time); skipped, those rows and the sends the policy
//!   skipped without one (no consent, suppressed, a shared address: `journey_log`); failed;
//! - opened / clicked (attribution): distinct customers with an `email_opened` /
//!   `email_clicked` event in the period whose `prop.workflow` names the workflow, or, when the
//!   event has no `workflow` property, whose `prop.campaign` does. A step counts only events
//!   that also carry `prop.step` equal to the step id;
//! - converted: journeys in state `converted` among those entered;
//! - revenue (last touch): every order placed in the period goes to the most recent delivered
//!   send (`outbox.sent_at`) to the same customer at or before the order and no longer ago than
//!   the attribution window; orders without such a send are not attributed.
//!   A split's arms are its journeys grouped by the variant recorded in `journeys.variant`; the
//!   first arm by name is the control every other arm is compared with, by conversion or, for
//!   a split with `metric: revenue`, by revenue per recipient: the revenue of the customer's
//!   orders from the journey's entry to the end of the period, per journey.

use std::collections::HashMap;

use rusqlite::{params, Connection};
use serde::Serialize;

use super::money::Money;
use super::{ratio, ReportOptions};
use crate::analytics::report::{compare_by, Arm, Comparison, Metric};

/// The funnel of a workflow, or of one of its steps. Money is in the shop's currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StepReport {
    /// The step id; empty for the workflow's totals.
    pub step: String,
    pub entered: u64,
    pub sent: u64,
    pub queued: u64,
    pub held: u64,
    pub skipped: u64,
    pub failed: u64,
    pub opened: u64,
    pub clicked: u64,
    pub converted: u64,
    /// `converted / entered`.
    pub conversion_rate: f64,
    pub attributed_orders: u64,
    pub attributed_revenue: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowReport {
    pub workflow: String,
    pub totals: StepReport,
    pub steps: Vec<StepReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitReport {
    pub workflow: String,
    pub split: String,
    /// What the split is judged by (`metric:` on the split step).
    pub metric: Metric,
    pub arms: Vec<Arm>,
    /// Every arm after the first compared with the first.
    pub comparisons: Vec<Comparison>,
}

const MATCHES: &str = "COALESCE(json_extract(e.properties, '$.workflow'), json_extract(e.properties, '$.campaign')) = ?1";

/// One report per workflow with journeys or outbox rows, by name.
pub fn workflow_reports(
    conn: &Connection,
    o: &ReportOptions,
) -> rusqlite::Result<Vec<WorkflowReport>> {
    let names: Vec<String> = conn
        .prepare("SELECT workflow FROM journeys UNION SELECT workflow FROM outbox ORDER BY 1")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let revenue = attributed_revenue(conn, o)?;
    let mut out = Vec::new();
    for workflow in names {
        let mut totals = funnel(conn, o, &workflow, None)?;
        let steps: Vec<String> = conn
            .prepare(
                "SELECT step FROM (
                   SELECT l.step, MIN(l.id) AS first FROM journey_log l JOIN journeys j ON j.id = l.journey
                   WHERE j.workflow = ?1 AND l.step IS NOT NULL GROUP BY l.step
                   UNION ALL
                   SELECT step, 1e18 FROM outbox WHERE workflow = ?1 GROUP BY step)
                 GROUP BY step ORDER BY MIN(first), step",
            )?
            .query_map([&workflow], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut reports = Vec::with_capacity(steps.len());
        for step in steps {
            let mut r = funnel(conn, o, &workflow, Some(&step))?;
            if let Some((n, cents)) = revenue.get(&(workflow.clone(), step.clone())) {
                r.attributed_orders = *n;
                r.attributed_revenue = Money::from_minor(*cents as f64);
                totals.attributed_orders += *n;
                totals.attributed_revenue += r.attributed_revenue;
            }
            reports.push(r);
        }
        out.push(WorkflowReport {
            workflow,
            totals,
            steps: reports,
        });
    }
    Ok(out)
}

fn funnel(
    conn: &Connection,
    o: &ReportOptions,
    workflow: &str,
    step: Option<&str>,
) -> rusqlite::Result<StepReport> {
    // ?4 is NULL for the workflow's totals, which then skip every step condition.
    let journeys = "FROM journeys j WHERE j.workflow = ?1 AND j.entered_at BETWEEN ?2 AND ?3
        AND (?4 IS NULL OR EXISTS (SELECT 1 FROM journey_log l WHERE l.journey = j.id AND l.step = ?4))";
    let outbox = "FROM outbox WHERE workflow = ?1 AND created_at BETWEEN ?2 AND ?3 AND (?4 IS NULL OR step = ?4)";
    let events = |kind: &str| {
        format!(
            "SELECT COUNT(DISTINCT e.customer) FROM events e WHERE e.type = '{kind}'
             AND e.occurred_at BETWEEN ?2 AND ?3 AND {MATCHES}
             AND (?4 IS NULL OR json_extract(e.properties, '$.step') = ?4)"
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
                ({}), ({})",
        events("email_opened"),
        events("email_clicked")
    );
    conn.query_row(&sql, params![workflow, o.since, o.now, step], |r| {
        let entered: i64 = r.get(0)?;
        let converted: i64 = r.get(1)?;
        Ok(StepReport {
            step: step.unwrap_or_default().to_string(),
            entered: entered as u64,
            converted: converted as u64,
            conversion_rate: ratio(converted as f64, entered as f64),
            sent: r.get::<_, i64>(2)? as u64,
            queued: r.get::<_, i64>(3)? as u64,
            held: r.get::<_, i64>(4)? as u64,
            skipped: r.get::<_, i64>(5)? as u64,
            failed: r.get::<_, i64>(6)? as u64,
            opened: r.get::<_, i64>(7)? as u64,
            clicked: r.get::<_, i64>(8)? as u64,
            ..StepReport::default()
        })
    })
}

/// Last-touch revenue per (workflow, step): (orders, minor units).
fn attributed_revenue(
    conn: &Connection,
    o: &ReportOptions,
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
    let rows = stmt.query_map(params![o.since, o.now, o.attribution_window], |r| {
        Ok((
            (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
            (r.get::<_, i64>(2)? as u64, r.get::<_, i64>(3)?),
        ))
    })?;
    rows.collect()
}

/// What each split is judged by, keyed by (workflow, split step id); a split not listed is
/// judged by conversion.
pub type SplitMetrics = HashMap<(String, String), Metric>;

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

/// Arms of every split recorded on journeys entered in the period, with their comparisons by
/// each split's metric. An arm's revenue is in major units of the shop's currency.
pub fn split_reports(
    conn: &Connection,
    o: &ReportOptions,
    metrics: &SplitMetrics,
) -> rusqlite::Result<Vec<SplitReport>> {
    let mut stmt = conn.prepare(ARMS)?;
    let rows = stmt.query_map(params![o.since, o.now], |r| {
        let revenue = Money::from_minor(r.get::<_, f64>(5)?).major();
        // Squares of minor units, in squares of major units.
        let squares = r.get::<_, f64>(6)? / 10_000.0;
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            Arm {
                revenue,
                revenue_squares: squares,
                ..Arm::new(
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)? as u64,
                    r.get::<_, i64>(4)? as u64,
                )
            },
        ))
    })?;
    let mut out: Vec<SplitReport> = Vec::new();
    for row in rows {
        let (workflow, split, arm) = row?;
        match out.last_mut() {
            Some(s) if s.workflow == workflow && s.split == split => s.arms.push(arm),
            _ => out.push(SplitReport {
                metric: metrics
                    .get(&(workflow.clone(), split.clone()))
                    .copied()
                    .unwrap_or_default(),
                workflow,
                split,
                arms: vec![arm],
                comparisons: Vec::new(),
            }),
        }
    }
    for s in &mut out {
        let control = &s.arms[0];
        s.comparisons = s.arms[1..]
            .iter()
            .map(|b| compare_by(s.metric, control.clone(), b.clone(), o.verdict))
            .collect();
    }
    Ok(out)
}
