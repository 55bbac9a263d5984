//! Membership of single customers: after their data changed, each changed customer is
//! evaluated against every segment on the warm snapshot and only their rows change, so an event
//! moves a customer into a segment (and starts its `segment_entered` journeys) within the
//! engine's next pass instead of at the segment's next full refresh.
//!
//! Every segment is evaluated, not only those reading the changed table: one customer costs
//! microseconds per segment, and this way a segment can never miss a change it depends on.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use super::warm::WarmSnapshot;
use crate::repository::CompiledSegment;
use crate::store::membership::{memberships_of, MembershipWriter};

/// Re-evaluates `customers` against every segment and records who entered or exited; returns
/// the number of changes. Reading the stored membership and evaluating happen before the write
/// transaction, which then holds the write lock only for the rows that change: the HTTP writer
/// waits on that lock, so its length is the daemon's ingestion latency under load.
pub fn update_customers(
    conn: &mut Connection,
    segments: &[CompiledSegment],
    warm: &WarmSnapshot,
    customers: &[i64],
    now: i64,
) -> rusqlite::Result<usize> {
    let index: HashMap<&str, usize> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut stored: HashSet<(usize, i64)> = HashSet::new();
    for (segment, customer) in memberships_of(conn, customers)? {
        if let Some(&i) = index.get(segment.as_str()) {
            stored.insert((i, customer));
        }
    }
    let mut diffs: Vec<(usize, i64, bool)> = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        for &c in customers {
            let member = warm.matches(&s.program, c, now);
            if member != stored.contains(&(i, c)) {
                diffs.push((i, c, member));
            }
        }
    }
    if diffs.is_empty() {
        return Ok(0);
    }
    let tx = conn.transaction()?;
    let mut changes = 0;
    {
        // A change is recorded only when the row really changed, so a membership written by
        // someone else in between is never reported twice.
        let mut writer = MembershipWriter::new(&tx)?;
        for (i, c, member) in diffs {
            let name = &segments[i].name;
            let done = if member {
                writer.enter(name, c, now)?
            } else {
                writer.exit(name, c, now)?
            };
            changes += usize::from(done);
        }
    }
    tx.commit()?;
    Ok(changes)
}
