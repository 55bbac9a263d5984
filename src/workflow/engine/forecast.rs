//! What-if journeys: the journeys and emails that given customers entering (or leaving) a
//! segment would produce, found by running the real engine, with its re-entry rules, branches,
//! waits, frequency caps, suppressions and quiet hours, on a private copy of the store. Nothing
//! is written to the merchant's store and nothing is sent: the dispatcher only queues into the
//! copy's outbox, which is thrown away.
//!
//! `segflow diff` uses it to say what a rule change would mail in the next day, which a count
//! of entering customers alone cannot: a customer already in a journey, unsubscribed or capped
//! gets nothing.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use super::simulate::run_until;
use super::triggers::start;
use super::EngineError;
use crate::store::{journeys, membership, outbox};
use crate::workflow::dispatch::Dispatcher;
use crate::workflow::Workflows;

/// The customers (internal ids) a change would start one workflow's journeys for.
pub struct Starts<'a> {
    pub workflow: &'a str,
    pub customers: &'a [i64],
}

/// What one workflow would do because of the change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forecast {
    /// Journeys started (a customer in a running journey of the workflow, or barred by its
    /// re-entry rule, starts none).
    pub journeys: usize,
    /// Emails queued for those customers and due within the horizon.
    pub emails: usize,
}

/// Starts the journeys of `starts` at `now` on `copy`, a private copy of the store
/// (`store::copy_in_memory`) that this writes to, and runs the engine to `now + horizon`
/// (milliseconds); returns, per workflow, what it did for those customers. As in the real
/// engine, a trigger never reaches back: a workflow not yet active (new in the change) starts
/// journeys for the change only within its `backfill:`.
pub fn forecast(
    copy: &mut Connection,
    workflows: &Workflows,
    starts: &[Starts],
    dispatcher: &mut dyn Dispatcher,
    now: i64,
    horizon: i64,
) -> Result<BTreeMap<String, Forecast>, EngineError> {
    let mut out: BTreeMap<String, Forecast> = BTreeMap::new();
    let involved: Vec<_> = workflows
        .workflows
        .iter()
        .filter(|w| starts.iter().any(|s| s.workflow == w.name))
        .cloned()
        .collect();
    if involved.is_empty() {
        return Ok(out);
    }
    let outbox_before = outbox::last_id(copy)?;
    let mut customers: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    {
        let tx = copy.transaction()?;
        // Changes already recorded are not the change under review: the copy's workflows start
        // from the latest one, so only the journeys started here run.
        let last = membership::last_change_id(&tx)?;
        for s in starts {
            let Some(wf) = involved.iter().find(|w| w.name == s.workflow) else {
                continue;
            };
            journeys::set_cursor(&tx, &wf.name, "segment_changes", last)?;
            let activated = match journeys::cursor(&tx, &wf.name, "activated")? {
                Some(at) => at,
                None => {
                    journeys::set_cursor(&tx, &wf.name, "activated", now)?;
                    now
                }
            };
            let entry = out.entry(wf.name.clone()).or_default();
            let started = customers.entry(s.workflow).or_default();
            // The change happens at `now`; one at or before the earliest time is not a trigger.
            if now <= activated.saturating_sub(wf.backfill.unwrap_or(0)) {
                continue;
            }
            for &customer in s.customers {
                if start(&tx, wf, customer, now, None)? {
                    entry.journeys += 1;
                    started.insert(customer);
                }
            }
        }
        tx.commit()?;
    }
    let involved = Workflows {
        workflows: involved,
    };
    let until = now.saturating_add(horizon);
    run_until(copy, &involved, now, until, dispatcher)?;
    for (workflow, customer) in outbox::queued_after(copy, outbox_before, until)? {
        let ours = customers
            .get(workflow.as_str())
            .is_some_and(|c| c.contains(&customer));
        if ours {
            out.entry(workflow).or_default().emails += 1;
        }
    }
    Ok(out)
}
