//! `segflow report`: key figures per segment, per workflow and step, and per A/B split, read
//! from the store, plus a self-contained HTML rendering of them.
//!
//! The figures are computed by SQL over the period `[since, now]`; the statistics of the splits
//! come from the pure `crate::analytics::report`. Definitions (all documented where they are
//! computed): segment engagement in `segments.rs`, open/click attribution and last-touch
//! revenue in `workflows.rs`, the split verdict in `analytics::report::ab_test`.

mod charts;
pub mod dashboard;
mod html;
mod money;
pub mod pages;
mod priority;
mod segments;
pub mod split_text;
pub mod svg;
mod workflows;

use rusqlite::Connection;
use serde::Serialize;

use crate::analytics::report::VerdictRules;
use crate::config::ShopConfig;

pub use charts::{ChartData, RfmCell};
pub use html::render_html;
pub use money::Money;
pub use segments::SegmentReport;
pub use workflows::{SplitMetrics, SplitReport, StepReport, WorkflowReport};

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

/// The period a report covers, as a merchant reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// `2026-09-03 00:00 UTC`.
    pub since: String,
    pub until: String,
    /// The length of the period in days (90 by default).
    pub days: f64,
}

impl Period {
    fn new(options: &ReportOptions) -> Period {
        Period {
            since: utc(options.since),
            until: utc(options.now),
            days: (options.now - options.since) as f64 / DAY_MS as f64,
        }
    }

    /// `2026-09-03 00:00 UTC to 2026-12-02 00:00 UTC (90 days)`.
    pub fn describe(&self) -> String {
        format!(
            "{} to {} ({} days)",
            self.since,
            self.until,
            self.days.round()
        )
    }
}

fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// Everything `segflow report` prints. Every money figure is a [`Money`] in `currency`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The shop's name and currency (`[shop]` in segflow.toml).
    pub shop: String,
    pub currency: String,
    pub period: Period,
    pub options: ReportOptions,
    pub segments: Vec<SegmentReport>,
    pub workflows: Vec<WorkflowReport>,
    pub splits: Vec<SplitReport>,
    pub charts: ChartData,
}

/// Reads every figure of the report from the store; `metrics` says what each split is judged
/// by (the workflow files know it, the store does not).
pub fn build(
    conn: &Connection,
    options: &ReportOptions,
    shop: &ShopConfig,
    metrics: &SplitMetrics,
) -> rusqlite::Result<Report> {
    Ok(Report {
        shop: shop.name.clone(),
        currency: shop.currency.clone(),
        period: Period::new(options),
        options: *options,
        segments: segments::segment_reports(conn, options, &shop.currency)?,
        workflows: workflows::workflow_reports(conn, options)?,
        splits: workflows::split_reports(conn, options, metrics)?,
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
