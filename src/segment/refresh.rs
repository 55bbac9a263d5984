//! Refresh: evaluate every segment, store the current members, and append who entered and who
//! exited, so that membership history and segment triggers have a durable record.
//!
//! Each segment's diff is written in its own transaction; the columnar evaluator is the fast path
//! used here (the SQL evaluator computes the same members and is used by `explain` and tests).

use std::time::Instant;

use rusqlite::{params, Connection};

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
    #[error("segment {segment}: writing membership failed: {source}")]
    Store {
        segment: String,
        source: rusqlite::Error,
    },
}

/// Evaluates every segment of `set` over `snapshot` at `now` and records the changes.
pub fn refresh(
    conn: &mut Connection,
    set: &SegmentSet,
    snapshot: &Snapshot,
    now: i64,
) -> Result<Vec<SegmentRefresh>, RefreshError> {
    let mut report = Vec::with_capacity(set.segments.len());
    for segment in &set.segments {
        let program = Program::compile(&segment.expr).map_err(|source| RefreshError::Compile {
            segment: segment.name.clone(),
            source,
        })?;
        let started = Instant::now();
        let members = program.members(snapshot, now);
        let eval_micros = started.elapsed().as_micros();
        let (entered, exited) =
            store_members(conn, &segment.name, &members, now).map_err(|source| {
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
    Ok(report)
}

/// Replaces the stored members of one segment with `members` (sorted ascending) and appends the
/// difference to `segment_changes`; returns (entered, exited).
pub fn store_members(
    conn: &mut Connection,
    segment: &str,
    members: &[i64],
    now: i64,
) -> rusqlite::Result<(usize, usize)> {
    let tx = conn.transaction()?;
    let old: Vec<i64> = {
        let mut stmt = tx
            .prepare("SELECT customer FROM segment_members WHERE segment = ?1 ORDER BY customer")?;
        let rows = stmt.query_map([segment], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let (entered, exited) = diff(&old, members);
    {
        let mut writer = MembershipWriter::new(&tx)?;
        for &c in &entered {
            writer.enter(segment, c, now)?;
        }
        for &c in &exited {
            writer.exit(segment, c, now)?;
        }
    }
    tx.execute(
        "INSERT OR REPLACE INTO segment_sizes (segment, at, members, entered, exited) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![segment, now, members.len() as i64, entered.len() as i64, exited.len() as i64],
    )?;
    tx.commit()?;
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
fn diff(old: &[i64], new: &[i64]) -> (Vec<i64>, Vec<i64>) {
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
