//! The owner of `schedule_slots(job, slot, started_at, done_at)`: claiming and completing slots.
//!
//! A slot is claimed (`started_at`) before its job runs and completed (`done_at`) after. The
//! claim is an insert under `UNIQUE(job, slot)`, so a slot is claimed afresh at most once, by one
//! process, whatever restarts or clock changes happen. See the module docs of `schedule` for the
//! catch-up and resume policy.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::schedule::cadence::Cadence;

/// A slot handed to the caller to run now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub job: String,
    pub slot: i64,
    /// The slot was claimed earlier and never completed: a previous run crashed or failed
    /// part-way, and this is the retry. Jobs must therefore be safe to run twice for one slot.
    pub resumed: bool,
}

/// In one transaction: if the job has a claimed but unfinished slot, return it (resumed: true);
/// else the latest due slot after the job's last slot (catch-up policy: once, the latest);
/// a job never seen before gets `now`'s latest due slot if any, else records nothing and waits
/// for its next slot. Inserting uses UNIQUE(job, slot) so two processes or a restart can never
/// claim the same slot twice.
///
/// "`now`'s latest due slot" is the latest slot at or before `now`, however old: a job seen for
/// the first time (a segment that just gained `refresh:`) runs at once, as if it had been down
/// since forever. Only a cadence with no slot in the past (a cron pattern for a future year)
/// records nothing.
///
/// The transaction is `IMMEDIATE`, so concurrent claimers queue on SQLite's write lock (within
/// the connection's busy timeout) instead of failing on a lock upgrade.
pub fn claim_due(
    conn: &mut Connection,
    job: &str,
    cadence: &Cadence,
    now: i64,
) -> rusqlite::Result<Option<Claim>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let unfinished: Option<i64> = tx
        .query_row(
            "SELECT slot FROM schedule_slots
             WHERE job = ?1 AND started_at IS NOT NULL AND done_at IS NULL
             ORDER BY slot DESC LIMIT 1",
            [job],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(slot) = unfinished {
        tx.commit()?;
        return Ok(Some(Claim {
            job: job.to_string(),
            slot,
            resumed: true,
        }));
    }
    let last: Option<i64> = tx.query_row(
        "SELECT MAX(slot) FROM schedule_slots WHERE job = ?1",
        [job],
        |r| r.get(0),
    )?;
    let Some(slot) = cadence.latest_due(last.unwrap_or(i64::MIN), now) else {
        return Ok(None);
    };
    let inserted = tx.execute(
        "INSERT INTO schedule_slots (job, slot, started_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (job, slot) DO NOTHING",
        params![job, slot, now],
    )?;
    tx.commit()?;
    Ok((inserted == 1).then(|| Claim {
        job: job.to_string(),
        slot,
        resumed: false,
    }))
}

/// Marks a claimed slot done, so it is never handed out again. Completing a slot twice keeps the
/// first `done_at`; completing a slot that was never claimed changes nothing.
pub fn complete(conn: &Connection, job: &str, slot: i64, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE schedule_slots SET done_at = ?3
         WHERE job = ?1 AND slot = ?2 AND done_at IS NULL",
        params![job, slot, now],
    )?;
    Ok(())
}

/// The earliest time any of `jobs` has its next slot after `now` (for the daemon's sleep).
pub fn next_wake<'a>(jobs: impl IntoIterator<Item = &'a Cadence>, now: i64) -> Option<i64> {
    jobs.into_iter().filter_map(|c| c.next_after(now)).min()
}

/// The job name of a segment's `refresh:` in `schedule_slots`. Workflows keep their bare names,
/// which can never contain a colon, so the two never collide.
/// Records `slot` of `job` as started and done at once (a workflow's schedule slot, whose
/// journeys start in the same transaction); false when it was recorded before.
pub fn record_done(conn: &Connection, job: &str, slot: i64, now: i64) -> rusqlite::Result<bool> {
    let fresh = conn.execute(
        "INSERT OR IGNORE INTO schedule_slots (job, slot, started_at, done_at) VALUES (?1, ?2, ?3, ?3)",
        params![job, slot, now],
    )?;
    Ok(fresh == 1)
}

/// (job, latest slot, when that slot finished) for every job whose name begins with `prefix`,
/// by job name; the finish time is `None` while the slot runs.
pub fn latest_per_job(
    conn: &Connection,
    prefix: &str,
) -> rusqlite::Result<Vec<(String, i64, Option<i64>)>> {
    let mut stmt = conn.prepare(
        "SELECT job, MAX(slot), MAX(done_at) FROM schedule_slots WHERE substr(job, 1, length(?1)) = ?1 GROUP BY job ORDER BY job",
    )?;
    let rows = stmt.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

pub fn segment_job(segment: &str) -> String {
    format!("segment:{segment}")
}
