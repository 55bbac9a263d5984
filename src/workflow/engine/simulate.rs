//! Running the engine: once at `now`, or simulated forward to a later time by jumping from one
//! wake-up to the next (tests, the demo, `segflow workflows run --until`).

use rusqlite::Connection;

use super::triggers::{consume_triggers, next_slot};
use super::{advance, AdvanceReport, EngineError};
use crate::workflow::dispatch::Dispatcher;
use crate::workflow::{Trigger, Workflows};

/// Journeys per transaction.
pub const BATCH: usize = 500;

/// Consumes new triggers and advances everything due at `now`.
pub fn run_once(
    conn: &mut Connection,
    workflows: &Workflows,
    now: i64,
    dispatcher: &mut dyn Dispatcher,
) -> Result<AdvanceReport, EngineError> {
    let mut report = consume_triggers(conn, workflows, now)?;
    report.add(&advance(conn, workflows, now, BATCH, dispatcher)?);
    Ok(report)
}

/// Runs at `from`, then at every later wake time and schedule slot up to `until`.
pub fn run_until(
    conn: &mut Connection,
    workflows: &Workflows,
    from: i64,
    until: i64,
    dispatcher: &mut dyn Dispatcher,
) -> Result<AdvanceReport, EngineError> {
    let mut report = AdvanceReport::default();
    let mut t = from;
    loop {
        report.add(&run_once(conn, workflows, t, dispatcher)?);
        match next_wake(conn, workflows, t)? {
            Some(next) if next <= until && next > t => t = next,
            _ => break,
        }
    }
    if t < until {
        report.add(&run_once(conn, workflows, until, dispatcher)?);
    }
    Ok(report)
}

/// The first time after `t` at which the engine has something to do: a journey wakes or a
/// workflow's schedule slot comes.
pub fn next_wake(
    conn: &Connection,
    workflows: &Workflows,
    t: i64,
) -> Result<Option<i64>, EngineError> {
    let wake = crate::store::journeys::next_wake_after(conn, t)?;
    let slot = workflows
        .workflows
        .iter()
        .filter_map(|w| match &w.trigger {
            Trigger::Schedule { cron, timezone, .. } => next_slot(cron, *timezone, t),
            _ => None,
        })
        .min();
    Ok([wake, slot].into_iter().flatten().min())
}
