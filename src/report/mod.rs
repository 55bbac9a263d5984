//! `segflow report`: key figures per segment, per workflow and step, and per A/B split, read
//! from the store, plus a self-contained HTML rendering of them.
//!
//! The figures are computed by SQL over the period `[since, now]`; the statistics of the splits
//! come from the pure `crate::analytics::report`. Definitions (all documented where they are
//! computed): segment engagement in `segments.rs`, open/click attribution and last-touch
//! revenue in `workflows.rs`, the split verdict in `analytics::report::ab_test`.

mod charts;
mod html;
mod segments;
mod svg;
mod workflows;

use rusqlite::Connection;
use serde::Serialize;

use crate::analytics::report::VerdictRules;

pub use charts::{ChartData, RfmCell};
pub use html::render_html;
pub use segments::SegmentReport;
pub use workflows::{SplitReport, StepReport, WorkflowReport};

/// One day in unix milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// What a report covers and how it attributes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReportOptions {
    /// Start of the period, unix milliseconds (inclusive).
    pub since: i64,
    /// End of the period, unix milliseconds (inclusive).
    pub now: i64,
    /// How long after a send an order is attributed to it (last touch), in milliseconds.
    pub attribution_window: i64,
    pub verdict: VerdictRules,
}

impl ReportOptions {
    /// The last 90 days before `now`, with a 7-day attribution window.
    pub fn new(now: i64) -> ReportOptions {
        ReportOptions {
            since: now - 90 * DAY_MS,
            now,
            attribution_window: 7 * DAY_MS,
            verdict: VerdictRules::default(),
        }
    }
}

/// Everything `segflow report` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub options: ReportOptions,
    pub segments: Vec<SegmentReport>,
    pub workflows: Vec<WorkflowReport>,
    pub splits: Vec<SplitReport>,
    pub charts: ChartData,
}

/// Reads every figure of the report from the store.
pub fn build(conn: &Connection, options: &ReportOptions) -> rusqlite::Result<Report> {
    Ok(Report {
        options: *options,
        segments: segments::segment_reports(conn, options)?,
        workflows: workflows::workflow_reports(conn, options)?,
        splits: workflows::split_reports(conn, options)?,
        charts: charts::chart_data(conn, options)?,
    })
}

pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}
