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
//! - opened / clicked (attribution): distinct customers with a person's (`prop.machine` not
//!   true, see `mail::engagement`; `opened_all`/`clicked_all` count machines too) `email_opened` /
//!   `email_clicked` event in the period whose `prop.workflow` names the workflow, or, when the
//!   event has no `workflow` property, whose `prop.campaign` does. A step counts only events
//!   that also carry `prop.step` equal to the step id;
//! - hard / soft bounces and complaints: the reports `segflow bounces import` tied to those
//!   outbox rows by their Message-ID (`mail_feedback`);
//! - converted: journeys in state `converted` among those entered;
//! - revenue (last touch): every order placed in the period goes to the most recent delivered
//!   send (`outbox.sent_at`) to the same customer at or before the order and no longer ago than
//!   the attribution window; orders without such a send are not attributed.
//!   A split's arms are its journeys grouped by the variant recorded in `journeys.variant`; the
//!   first arm by name is the control every other arm is compared with, by conversion or, for
//!   a split with `metric: revenue`, by revenue per recipient: the revenue of the customer's
//!   orders from the journey's entry to the end of the period, per journey.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;

use super::money::Money;
use super::{ratio, ReportOptions};
use crate::analytics::report::{compare_by, Arm, Comparison, Metric};
use crate::store::reports::workflows::{self as queries, Period};

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
    /// Customers who opened or clicked, people only (`mail::engagement`).
    pub opened: u64,
    pub clicked: u64,
    /// The same with machine opens and clicks (privacy proxies, link scanners) counted.
    pub opened_all: u64,
    pub clicked_all: u64,
    pub hard_bounces: u64,
    pub soft_bounces: u64,
    pub complaints: u64,
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

/// One report per workflow with journeys or outbox rows, by name.
pub fn workflow_reports(
    conn: &Connection,
    o: &ReportOptions,
) -> rusqlite::Result<Vec<WorkflowReport>> {
    let period = period(o);
    let revenue = queries::attributed_revenue(conn, period, o.attribution_window)?;
    let mut out = Vec::new();
    for workflow in queries::workflow_names(conn)? {
        let mut totals = funnel(conn, period, &workflow, None)?;
        let steps = queries::steps(conn, &workflow)?;
        let mut reports = Vec::with_capacity(steps.len());
        for step in steps {
            let mut r = funnel(conn, period, &workflow, Some(&step))?;
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

fn period(o: &ReportOptions) -> Period {
    Period {
        since: o.since,
        now: o.now,
    }
}

fn funnel(
    conn: &Connection,
    period: Period,
    workflow: &str,
    step: Option<&str>,
) -> rusqlite::Result<StepReport> {
    let c = queries::funnel(conn, period, workflow, step)?;
    Ok(StepReport {
        step: step.unwrap_or_default().to_string(),
        entered: c.entered as u64,
        converted: c.converted as u64,
        conversion_rate: ratio(c.converted as f64, c.entered as f64),
        sent: c.sent as u64,
        queued: c.queued as u64,
        held: c.held as u64,
        skipped: c.skipped as u64,
        failed: c.failed as u64,
        opened: c.opened as u64,
        clicked: c.clicked as u64,
        opened_all: c.opened_all as u64,
        clicked_all: c.clicked_all as u64,
        hard_bounces: c.hard_bounces as u64,
        soft_bounces: c.soft_bounces as u64,
        complaints: c.complaints as u64,
        ..StepReport::default()
    })
}

/// What each split is judged by, keyed by (workflow, split step id); a split not listed is
/// judged by conversion.
pub type SplitMetrics = HashMap<(String, String), Metric>;

/// Arms of every split recorded on journeys entered in the period, with their comparisons by
/// each split's metric. An arm's revenue is in major units of the shop's currency.
pub fn split_reports(
    conn: &Connection,
    o: &ReportOptions,
    metrics: &SplitMetrics,
) -> rusqlite::Result<Vec<SplitReport>> {
    let mut out: Vec<SplitReport> = Vec::new();
    for c in queries::split_arms(conn, period(o))? {
        let arm = Arm {
            revenue: Money::from_minor(c.revenue).major(),
            // Squares of minor units, in squares of major units.
            revenue_squares: c.revenue_squares / 10_000.0,
            ..Arm::new(c.arm, c.journeys as u64, c.converted as u64)
        };
        let (workflow, split) = (c.workflow, c.split);
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
