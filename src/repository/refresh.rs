//! "Refresh every segment", the one definition the CLI's `refresh` and the daemon share: a
//! segment that reads a model score (`rfm.*`, `lifecycle`, `predicted.*`) must see scores as of
//! the refresh, not as of the last `segflow model fit`, so the scores are recomputed with the
//! last fitted models first whenever any segment reads them.

use rusqlite::Connection;

use crate::analytics_store::{refresh_scores, ScoreError, ScoreOptions};
use crate::config::Config;
use crate::segment::history::HistoryReport;
use crate::segment::refresh::{RefreshError, SegmentRefresh};
use crate::segment::SegmentSet;
use crate::store::snapshot::Snapshot;
use crate::store::StoreError;

/// What `refresh_all` did.
#[derive(Debug, serde::Serialize)]
pub struct AllRefreshed {
    pub segments: Vec<SegmentRefresh>,
    /// The customers evaluated.
    pub customers: usize,
    /// The customers re-scored first, when a segment reads model scores.
    pub rescored: Option<usize>,
    /// The weekly sizes rebuilt, when asked for.
    pub history: Option<HistoryReport>,
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshAllError {
    #[error(
        "re-scoring the customer models before the refresh failed; no segment was changed: {0}"
    )]
    Scores(#[from] ScoreError),
    #[error("reading the store failed; no segment was changed: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Refresh(#[from] RefreshError),
}

/// Scoring settings from segflow.toml: the `[lifecycle]` thresholds, defaults for the rest.
pub fn score_options(config: &Config) -> ScoreOptions {
    ScoreOptions {
        lifecycle: config.lifecycle.clone(),
        ..ScoreOptions::default()
    }
}

/// Whether a condition reads a stored model score.
pub fn uses_scores(expr: &crate::dsl::ir::Expr) -> bool {
    crate::analytics_store::uses_model_fields(expr)
}

/// Re-scores every customer at `now` with the last fitted models; returns how many.
pub fn rescore(conn: &mut Connection, now: i64, config: &Config) -> Result<usize, ScoreError> {
    refresh_scores(conn, now, &score_options(config))
}

/// Re-scores the customers when a segment needs it, then evaluates every segment of `set` at
/// `now` and records membership and changes for all of them in one transaction. With
/// `history`, the weekly sizes of that span (milliseconds) are rebuilt first.
pub fn refresh_all(
    conn: &mut Connection,
    set: &SegmentSet,
    now: i64,
    config: &Config,
    history: Option<i64>,
) -> Result<AllRefreshed, RefreshAllError> {
    let rescored = if set.segments.iter().any(|s| uses_scores(&s.expr)) {
        Some(rescore(conn, now, config)?)
    } else {
        None
    };
    let snapshot = Snapshot::load(conn)?;
    let history = match history {
        Some(span) => Some(crate::segment::history::rebuild(
            conn, set, &snapshot, now, span,
        )?),
        None => None,
    };
    let segments = crate::segment::refresh::refresh(conn, set, &snapshot, now)?;
    Ok(AllRefreshed {
        segments,
        customers: snapshot.len(),
        rescored,
        history,
    })
}
