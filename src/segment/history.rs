//! `segflow refresh --history 52w`: rebuilds the past sizes of every segment, week by week,
//! from the orders and events already in the store, so a new shop sees its trends on day one
//! instead of waiting for refreshes to accumulate.
//!
//! Each past week's end is evaluated at that time (an evaluation at `now` sees only what had
//! happened by then, see `dsl::ir`), and the size is written to `segment_sizes` with the
//! entered and exited counts against the week before. Nothing else is touched: stored members
//! and `segment_changes` stay the record of live refreshes, so rebuilding history never starts
//! a journey. A size already recorded at a time is kept. Conditions that read model scores
//! (`rfm.*`, `lifecycle`, `predicted.*`) use the stored scores, which are of today.

use rusqlite::Connection;

use super::refresh::RefreshError;
use super::SegmentSet;
use crate::compile::columnar::Program;
use crate::store::membership::{self, SizeRow};
use crate::store::snapshot::Snapshot;

/// One week in milliseconds: the step of the rebuilt history.
pub const WEEK_MS: i64 = 7 * 86_400_000;

/// What a rebuild wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryReport {
    /// The first and last rebuilt time, unix milliseconds.
    pub from: i64,
    pub until: i64,
    /// Weeks evaluated.
    pub points: usize,
    /// Size rows written (points already recorded are kept and not counted).
    pub written: usize,
}

/// Evaluates every segment at `now - k weeks` for every whole week within `span` before `now`
/// (not `now` itself, which a live refresh records) and writes the sizes in one transaction.
pub fn rebuild(
    conn: &mut Connection,
    set: &SegmentSet,
    snapshot: &Snapshot,
    now: i64,
    span: i64,
) -> Result<HistoryReport, RefreshError> {
    let weeks = (span / WEEK_MS).max(0);
    let times: Vec<i64> = (1..=weeks).rev().map(|k| now - k * WEEK_MS).collect();
    let mut rows = Vec::new();
    for segment in &set.segments {
        let program = Program::compile(&segment.expr).map_err(|source| RefreshError::Compile {
            segment: segment.name.clone(),
            source,
        })?;
        let mut previous: Option<Vec<i64>> = None;
        for &at in &times {
            let members = program.members(snapshot, at);
            // The first rebuilt week has nothing to compare with: no entries or exits.
            let (entered, exited) = match &previous {
                None => (0, 0),
                Some(before) => {
                    let (entered, exited) = super::refresh::diff(before, &members);
                    (entered.len(), exited.len())
                }
            };
            rows.push(SizeRow {
                segment: segment.name.as_str(),
                at,
                members: members.len() as i64,
                entered: entered as i64,
                exited: exited as i64,
            });
            previous = Some(members);
        }
    }
    let tx = conn
        .transaction()
        .map_err(|source| RefreshError::Begin { source })?;
    // A failure before any row (preparing the statement) belongs to no segment.
    let written =
        membership::add_past_sizes(&tx, &rows).map_err(|(segment, source)| match segment {
            None => RefreshError::Begin { source },
            Some(segment) => RefreshError::Store {
                segment: segment.to_string(),
                source,
            },
        })?;
    tx.commit()
        .map_err(|source| RefreshError::Commit { source })?;
    Ok(HistoryReport {
        from: times.first().copied().unwrap_or(now),
        until: times.last().copied().unwrap_or(now),
        points: times.len(),
        written,
    })
}
