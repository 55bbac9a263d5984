//! The journey engine: starts journeys from triggers and advances every journey whose wake
//! time has come, in bounded batches, each batch one transaction.
//!
//! Time is always an input (`now`), so a journey can be simulated forward deterministically
//! (`run_until`). Conditions are evaluated by the columnar evaluator over a snapshot of just the
//! batch's customers.

mod forecast;
mod journey;
mod simulate;
mod triggers;

use rusqlite::Connection;

use super::dispatch::Dispatcher;
use super::set::Workflows;
use crate::compile::columnar::Program;
use crate::compile::{CompileError, EvalInput};
use crate::store::snapshot::Snapshot;
use crate::store::StoreError;

pub use forecast::{forecast, Forecast, Starts};
pub use simulate::{next_wake, run_once, run_until};
pub use triggers::{activate, consume_triggers, preview_trigger};

/// Why the engine stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("snapshot: {0}")]
    Store(#[from] StoreError),
    #[error("workflow condition: {0}")]
    Compile(#[from] CompileError),
    #[error("dispatching {key}: {source}")]
    Dispatch {
        key: String,
        source: crate::workflow::dispatch::DispatchError,
    },
}

/// What one call did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdvanceReport {
    pub started: usize,
    pub steps: usize,
    pub sent: usize,
    pub held: usize,
    pub skipped: usize,
    pub converted: usize,
    pub exited: usize,
    pub done: usize,
}

impl AdvanceReport {
    pub fn add(&mut self, o: &AdvanceReport) {
        self.started += o.started;
        self.steps += o.steps;
        self.sent += o.sent;
        self.held += o.held;
        self.skipped += o.skipped;
        self.converted += o.converted;
        self.exited += o.exited;
        self.done += o.done;
    }
}

/// Advances every journey due at `now` (state active or waiting, `wake_at <= now`), at most
/// `batch_size` per transaction, until none is due.
pub fn advance(
    conn: &mut Connection,
    workflows: &Workflows,
    now: i64,
    batch_size: usize,
    dispatcher: &mut dyn Dispatcher,
) -> Result<AdvanceReport, EngineError> {
    let mut report = AdvanceReport::default();
    loop {
        let tx = conn.transaction()?;
        let due = journey::due(&tx, now, batch_size.max(1))?;
        if due.is_empty() {
            break;
        }
        let mut customers: Vec<i64> = due.iter().map(|j| j.customer).collect();
        customers.sort_unstable();
        customers.dedup();
        let snap = Snapshot::load_customers(&tx, &customers)?;
        for j in due {
            journey::process(&tx, workflows, &snap, j, now, dispatcher, &mut report)?;
        }
        tx.commit()?;
    }
    Ok(report)
}

/// Whether `customer` meets a checked condition with these inputs.
pub(crate) fn holds(
    expr: &crate::dsl::ir::Expr,
    snap: &Snapshot,
    customer: i64,
    input: &EvalInput,
) -> Result<bool, EngineError> {
    let Some(index) = snap.index_of(customer) else {
        return Ok(false);
    };
    Ok(Program::compile(expr)?.matches_with(snap, index, input))
}
