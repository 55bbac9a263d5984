//! Refresh: evaluate every segment, store the current members, and append who entered and who
//! exited, so that membership history and segment triggers have a durable record.
//!
//! A full refresh writes every segment's diff in one transaction, so it changes all segments or
//! none; the daemon's scheduled refresh of a single segment writes it in a transaction of its
//! own. The columnar evaluator is the fast path used here (the SQL evaluator computes the same
//! members and is used by `explain` and tests).

use std::time::Instant;

use rusqlite::{Connection, Transaction};

use super::SegmentSet;
use crate::compile::columnar::Program;
use crate::store::membership::{self, MembershipWriter};
use crate::store::snapshot::Snapshot;

/// What a refresh did to one segment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SegmentRefresh {
    pub segment: String,
    pub members: usize,
    pub entered: usize,
    pub exited: usize,
    /// Evaluation time in microseconds (not counting the snapshot load).
    pub eval_micros: u128,
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error("segment {segment}: {source}")]
    Compile {
        segment: String,
        source: crate::compile::CompileError,
    },
    #[error("cannot start writing the refresh; no segment was changed: {source}")]
    Begin { source: rusqlite::Error },
    #[error("segment {segment}: writing membership failed; no segment was changed: {source}")]
    Store {
        segment: String,
        source: rusqlite::Error,
    },
    #[error("committing the refresh failed; no segment was changed: {source}")]
    Commit { source: rusqlite::Error },
}

/// Evaluates every segment of `set` over `snapshot` at `now` and records the changes of all of
/// them in one transaction, so a refresh that fails or is killed leaves every segment as it was.
/// Every segment is evaluated before the transaction begins: the write lock, which the daemon's
/// ingestion waits for, is held only while the rows are written.
pub fn refresh(
    conn: &mut Connection,
    set: &SegmentSet,
    snapshot: &Snapshot,
    now: i64,
) -> Result<Vec<SegmentRefresh>, RefreshError> {
    let mut evaluated = Vec::with_capacity(set.segments.len());
    for segment in &set.segments {
        let program = Program::compile(&segment.expr).map_err(|source| RefreshError::Compile {
            segment: segment.name.clone(),
            source,
        })?;
        let started = Instant::now();
        let members = program.members(snapshot, now);
        evaluated.push((segment, members, started.elapsed().as_micros()));
    }
    let tx = conn
        .transaction()
        .map_err(|source| RefreshError::Begin { source })?;
    let mut report = Vec::with_capacity(evaluated.len());
    for (segment, members, eval_micros) in evaluated {
        let (entered, exited) =
            write_members(&tx, &segment.name, &members, now).map_err(|source| {
                RefreshError::Store {
                    segment: segment.name.clone(),
                    source,
                }
            })?;
        report.push(SegmentRefresh {
            segment: segment.name.clone(),
            members: members.len(),
            entered,
            exited,
            eval_micros,
        });
    }
    tx.commit()
        .map_err(|source| RefreshError::Commit { source })?;
    Ok(report)
}

/// Replaces the stored members of one segment with `members` (sorted ascending) in a
/// transaction of its own and appends the difference to `segment_changes`; returns (entered,
/// exited). The daemon refreshes its segments one at a time this way.
pub fn store_members(
    conn: &mut Connection,
    segment: &str,
    members: &[i64],
    now: i64,
) -> rusqlite::Result<(usize, usize)> {
    let tx = conn.transaction()?;
    let changed = write_members(&tx, segment, members, now)?;
    tx.commit()?;
    Ok(changed)
}

/// Writes one segment's new members, its changes and its size row inside `tx`.
fn write_members(
    tx: &Transaction,
    segment: &str,
    members: &[i64],
    now: i64,
) -> rusqlite::Result<(usize, usize)> {
    let old = membership::members(tx, segment)?;
    let (entered, exited) = diff(&old, members);
    {
        let mut writer = MembershipWriter::new(tx)?;
        for &c in &entered {
            writer.enter(segment, c, now)?;
        }
        for &c in &exited {
            writer.exit(segment, c, now)?;
        }
    }
    membership::record_size(tx, segment, now, members.len())?;
    Ok((entered.len(), exited.len()))
}

/// Members only in `new` (entered) and only in `old` (exited); both inputs sorted ascending.
pub(super) fn diff(old: &[i64], new: &[i64]) -> (Vec<i64>, Vec<i64>) {
    let (mut entered, mut exited) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a < b => {
                exited.push(*a);
                i += 1;
            }
            (Some(_), Some(b)) | (None, Some(b)) => {
                entered.push(*b);
                j += 1;
            }
            (Some(a), None) => {
                exited.push(*a);
                i += 1;
            }
            (None, None) => break,
        }
    }
    (entered, exited)
}

#[cfg(test)]
mod tests {
    use super::diff;

    #[test]
    fn diff_sorted_lists() {
        assert_eq!(diff(&[1, 2, 4], &[2, 3, 4, 5]), (vec![3, 5], vec![1]));
        assert_eq!(diff(&[], &[1]), (vec![1], vec![]));
        assert_eq!(diff(&[1], &[]), (vec![], vec![1]));
    }
}
