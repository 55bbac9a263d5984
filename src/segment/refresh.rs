//! Refresh: evaluate every segment, store the current members, and append who entered and who
//! exited, so that membership history and segment triggers have a durable record.
//!
//! A full refresh writes every segment's diff in one transaction, so it changes all segments or
//! none; the daemon's scheduled refresh of a single segment writes it in a transaction of its
//! own. The columnar evaluator is the fast path used here (the SQL evaluator computes the same
//! members and is used by `explain` and tests).

use std::time::Instant;

use rusqlite::{params, Connection, Transaction};

use super::SegmentSet;
use crate::compile::columnar::Program;
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
    let old: Vec<i64> = {
        let mut stmt = tx
            .prepare("SELECT customer FROM segment_members WHERE segment = ?1 ORDER BY customer")?;
        let rows = stmt.query_map([segment], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
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
    // The size row at `now` counts the changes recorded at `now`, not only this run's: a
    // refresh re-run with the same `--now` finds nothing new to record, and must not turn the
    // row of an earlier run at that time into `entered = 0` while `segment_changes` keeps the
    // entries that run recorded.
    tx.execute(
        "INSERT OR REPLACE INTO segment_sizes (segment, at, members, entered, exited) \
         SELECT ?1, ?2, ?3, COUNT(*) FILTER (WHERE change = 'entered'), COUNT(*) FILTER (WHERE change = 'exited') \
         FROM segment_changes WHERE segment = ?1 AND at = ?2",
        params![segment, now, members.len() as i64],
    )?;
    Ok((entered.len(), exited.len()))
}

/// Writes membership rows and their `segment_changes` record together; shared by the full
/// refresh and the daemon's per-customer updates.
pub struct MembershipWriter<'t> {
    add: rusqlite::CachedStatement<'t>,
    remove: rusqlite::CachedStatement<'t>,
    change: rusqlite::CachedStatement<'t>,
}

impl<'t> MembershipWriter<'t> {
    pub fn new(tx: &'t rusqlite::Transaction) -> rusqlite::Result<Self> {
        Ok(MembershipWriter {
            add: tx.prepare_cached(
                "INSERT OR IGNORE INTO segment_members (segment, customer, since) VALUES (?1, ?2, ?3)",
            )?,
            remove: tx
                .prepare_cached("DELETE FROM segment_members WHERE segment = ?1 AND customer = ?2")?,
            change: tx.prepare_cached(
                "INSERT INTO segment_changes (segment, customer, change, at) VALUES (?1, ?2, ?3, ?4)",
            )?,
        })
    }

    /// Adds the customer and records `entered`; false (and no record) when already a member.
    pub fn enter(&mut self, segment: &str, customer: i64, now: i64) -> rusqlite::Result<bool> {
        let done = self.add.execute(params![segment, customer, now])? == 1;
        if done {
            self.change
                .execute(params![segment, customer, "entered", now])?;
        }
        Ok(done)
    }

    /// Removes the customer and records `exited`; false (and no record) when not a member.
    pub fn exit(&mut self, segment: &str, customer: i64, now: i64) -> rusqlite::Result<bool> {
        let done = self.remove.execute(params![segment, customer])? == 1;
        if done {
            self.change
                .execute(params![segment, customer, "exited", now])?;
        }
        Ok(done)
    }
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
