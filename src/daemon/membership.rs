//! Membership of single customers: after their data changed, each changed customer is
//! evaluated against every segment on the warm snapshot and only their rows change, so an event
//! moves a customer into a segment (and starts its `segment_entered` journeys) within the
//! engine's next pass instead of at the segment's next full refresh.
//!
//! Every segment is evaluated, not only those reading the changed table: one customer costs
//! microseconds per segment, and this way a segment can never miss a change it depends on.

use rusqlite::{params, Connection, OptionalExtension};

use super::generation::CompiledSegment;
use super::warm::WarmSnapshot;

/// Re-evaluates `customers` against every segment and records who entered or exited, in one
/// transaction; returns the number of changes.
pub fn update_customers(
    conn: &mut Connection,
    segments: &[CompiledSegment],
    warm: &WarmSnapshot,
    customers: &[i64],
    now: i64,
) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let mut changes = 0;
    {
        let mut stored = tx
            .prepare_cached("SELECT 1 FROM segment_members WHERE segment = ?1 AND customer = ?2")?;
        let mut add = tx.prepare_cached(
            "INSERT INTO segment_members (segment, customer, since) VALUES (?1, ?2, ?3)",
        )?;
        let mut remove =
            tx.prepare_cached("DELETE FROM segment_members WHERE segment = ?1 AND customer = ?2")?;
        let mut change = tx.prepare_cached(
            "INSERT INTO segment_changes (segment, customer, change, at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for s in segments {
            for &c in customers {
                let member = warm.matches(&s.program, c, now);
                let was = stored
                    .query_row(params![s.name, c], |_| Ok(()))
                    .optional()?
                    .is_some();
                if member && !was {
                    add.execute(params![s.name, c, now])?;
                    change.execute(params![s.name, c, "entered", now])?;
                    changes += 1;
                } else if was && !member {
                    remove.execute(params![s.name, c])?;
                    change.execute(params![s.name, c, "exited", now])?;
                    changes += 1;
                }
            }
        }
    }
    tx.commit()?;
    Ok(changes)
}
