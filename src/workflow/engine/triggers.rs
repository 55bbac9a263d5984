//! Trigger consumption: segment changes and events after each workflow's cursor, and schedule
//! slots recorded in `schedule_slots`, so that every trigger starts at most one journey even
//! when the engine runs twice or crashes halfway (cursor and journeys commit together).
//!
//! A trigger never reaches back: the first run that sees a workflow records its activation
//! time, and only segment changes and events that happened after it (or within the workflow's
//! `backfill:` window before it) start journeys. Without this, a new abandoned-checkout flow
//! would mail every customer whose checkout of months ago is in the store, and a new
//! `segment_entered` flow would greet every existing member as newly entered.

use rusqlite::Transaction;

use super::{holds, AdvanceReport, EngineError};
use crate::compile::EvalInput;
use crate::schedule::Cadence;
use crate::store::snapshot::Snapshot;
use crate::store::{events, journeys, membership};
use crate::workflow::{Reentry, Trigger, Workflow, Workflows};

use crate::store::journeys::{cursor, set_cursor};

/// Records `at` as the activation time of every workflow not yet active: what the first run
/// would record as its `now`, given explicitly (a workflow that went live before the data at
/// hand, in a simulation or a test).
pub fn activate(
    conn: &mut rusqlite::Connection,
    workflows: &Workflows,
    at: i64,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for wf in &workflows.workflows {
        activated_at(&tx, wf, at)?;
    }
    tx.commit()
}

/// The workflow's activation time, recorded on the first run that sees it. A workflow that
/// already consumed triggers before activations were recorded counts as active for ever.
fn activated_at(tx: &Transaction, wf: &Workflow, now: i64) -> rusqlite::Result<i64> {
    if let Some(at) = cursor(tx, &wf.name, "activated")? {
        return Ok(at);
    }
    let consumed = journeys::has_cursor(tx, &wf.name)?;
    let at = if consumed { i64::MIN } else { now };
    set_cursor(tx, &wf.name, "activated", at)?;
    Ok(at)
}

/// The earliest time a trigger may have happened and still start a journey: after the
/// activation, less the backfill window.
fn earliest(tx: &Transaction, wf: &Workflow, now: i64) -> rusqlite::Result<i64> {
    let activated = activated_at(tx, wf, now)?;
    Ok(activated.saturating_sub(wf.backfill.unwrap_or(0)))
}

/// Segment changes or events consumed per transaction: a refresh that moves a million
/// customers must not hold the write lock (and with it the daemon's HTTP writes) for the whole
/// run; the cursor commits with each batch, so a crash resumes after the last one.
const TRIGGER_BATCH: i64 = 2_000;

/// Starts journeys for every new trigger of every workflow, in transactions of at most
/// `TRIGGER_BATCH` triggers.
pub fn consume_triggers(
    conn: &mut rusqlite::Connection,
    workflows: &Workflows,
    now: i64,
) -> Result<AdvanceReport, EngineError> {
    let mut report = AdvanceReport::default();
    for wf in &workflows.workflows {
        loop {
            let tx = conn.transaction()?;
            let (started, more) = match &wf.trigger {
                Trigger::SegmentEntered(s) => segment(&tx, wf, s, "entered", now)?,
                Trigger::SegmentExited(s) => segment(&tx, wf, s, "exited", now)?,
                Trigger::Event { event_type, .. } => events(&tx, wf, event_type, now)?,
                Trigger::Schedule {
                    cron,
                    timezone,
                    segment,
                } => (schedule(&tx, wf, cron, *timezone, segment, now)?, false),
            };
            tx.commit()?;
            report.started += started;
            if !more {
                break;
            }
        }
    }
    Ok(report)
}

fn segment(
    tx: &Transaction,
    wf: &Workflow,
    segment: &str,
    change: &str,
    now: i64,
) -> Result<(usize, bool), EngineError> {
    let earliest = earliest(tx, wf, now)?;
    let from = cursor(tx, &wf.name, "segment_changes")?.unwrap_or(0);
    let rows = membership::changes_after(tx, segment, change, from, TRIGGER_BATCH)?;
    let full = rows.len() as i64 == TRIGGER_BATCH;
    let mut started = 0;
    let mut last = from;
    for membership::Change { id, customer, at } in rows {
        last = id;
        // A change from before the activation (a member who was already in the segment) is
        // consumed without starting a journey.
        if at <= earliest {
            continue;
        }
        started += usize::from(start(tx, wf, customer, now, None)?);
    }
    if full {
        set_cursor(tx, &wf.name, "segment_changes", last)?;
        return Ok((started, true));
    }
    // Changes of other segments move the cursor too, so they are never scanned again.
    let max = membership::last_change_id(tx)?;
    set_cursor(tx, &wf.name, "segment_changes", max.max(last))?;
    Ok((started, false))
}

fn events(
    tx: &Transaction,
    wf: &Workflow,
    event_type: &str,
    now: i64,
) -> Result<(usize, bool), EngineError> {
    let earliest = earliest(tx, wf, now)?;
    let from = cursor(tx, &wf.name, "events")?.unwrap_or(0);
    let max = events::last_id(tx)?;
    let rows = events::of_type_between(tx, event_type, from, max, TRIGGER_BATCH)?;
    let full = rows.len() as i64 == TRIGGER_BATCH;
    let last_row = rows.last().map(|r| r.id);
    let filter = match &wf.trigger {
        Trigger::Event {
            filter: Some(f), ..
        } => Some(f),
        _ => None,
    };
    let snap = match filter {
        Some(_) if !rows.is_empty() => {
            let mut ids: Vec<i64> = rows.iter().map(|r| r.customer).collect();
            ids.sort_unstable();
            ids.dedup();
            Some(Snapshot::load_customers(tx, &ids)?)
        }
        _ => None,
    };
    let mut started = 0;
    for events::EventRow {
        id,
        customer,
        occurred_at,
        properties: props,
    } in rows
    {
        // An event from before the activation, even one imported later, starts nothing.
        if occurred_at <= earliest {
            continue;
        }
        let properties: serde_json::Value =
            serde_json::from_str(&props).unwrap_or(serde_json::Value::Null);
        if let (Some(f), Some(snap)) = (filter, &snap) {
            let input = EvalInput {
                now,
                entered: Some(occurred_at),
                trigger: Some(properties.clone()),
            };
            if !holds(&f.expr, snap, customer, &input)? {
                continue;
            }
        }
        let event = serde_json::json!({
            "id": id, "type": event_type, "occurred_at": occurred_at, "properties": properties
        });
        started += usize::from(start(tx, wf, customer, now, Some(event))?);
    }
    if let (true, Some(last)) = (full, last_row) {
        set_cursor(tx, &wf.name, "events", last)?;
        return Ok((started, true));
    }
    set_cursor(tx, &wf.name, "events", max.max(from))?;
    Ok((started, false))
}

/// The latest slot of the cron pattern at or before `now`, after `after`; slots missed while
/// the engine was down fire once, as the latest one (the scheduler's catch-up policy).
pub fn due_slot(cron: &str, tz: chrono_tz::Tz, after: i64, now: i64) -> Option<i64> {
    Cadence::cron(cron, tz).ok()?.latest_due(after, now)
}

/// The first slot strictly after `t`.
pub fn next_slot(cron: &str, tz: chrono_tz::Tz, t: i64) -> Option<i64> {
    Cadence::cron(cron, tz).ok()?.next_after(t)
}

fn schedule(
    tx: &Transaction,
    wf: &Workflow,
    cron: &str,
    tz: chrono_tz::Tz,
    segment: &str,
    now: i64,
) -> Result<usize, EngineError> {
    // A workflow first seen now fires from its next slot on, not for the whole past.
    let Some(from) = cursor(tx, &wf.name, "schedule")? else {
        set_cursor(tx, &wf.name, "schedule", now)?;
        return Ok(0);
    };
    let Some(slot) = due_slot(cron, tz, from, now) else {
        return Ok(0);
    };
    set_cursor(tx, &wf.name, "schedule", slot)?;
    // The slot's journeys start in this same transaction, so it is started and done at once.
    if !crate::store::slots::record_done(tx, &wf.name, slot, now)? {
        return Ok(0);
    }
    let members = membership::members(tx, segment)?;
    let mut started = 0;
    for customer in members {
        started += usize::from(start(tx, wf, customer, now, None)?);
    }
    Ok(started)
}

/// Starts a new run for the customer if the re-entry rule allows it; `true` when it did.
pub fn start(
    tx: &Transaction,
    wf: &Workflow,
    customer: i64,
    now: i64,
    event: Option<serde_json::Value>,
) -> Result<bool, EngineError> {
    let last = journeys::last_run(tx, &wf.name, customer)?;
    let run = match last {
        None => 1,
        Some((_, state, _)) if state == "active" || state == "waiting" => return Ok(false),
        Some((run, _, entered)) => match wf.reentry {
            Reentry::Never => return Ok(false),
            Reentry::Always => run + 1,
            Reentry::After(d) if now - entered >= d => run + 1,
            Reentry::After(_) => return Ok(false),
        },
    };
    let Some(first) = wf.first() else {
        return Ok(false);
    };
    let event = event.map(|e| e.to_string());
    let id = journeys::insert(
        tx,
        &wf.name,
        customer,
        run,
        &first.id,
        now,
        event.as_deref(),
    )?;
    journeys::log(tx, id, None, "entered", now, None)?;
    Ok(true)
}

/// The trigger event a preview of `wf` for `customer` renders with, shaped as a journey holds
/// it: the event of the customer's latest journey of `wf`, else the customer's latest event of
/// the trigger's type. `None` when the workflow is not event-triggered or there is no such
/// event, so `segflow preview` shows a cart reminder with the cart the customer would see.
pub fn preview_trigger(
    tx: &Transaction,
    wf: &Workflow,
    customer: i64,
) -> rusqlite::Result<Option<serde_json::Value>> {
    let Trigger::Event { event_type, .. } = &wf.trigger else {
        return Ok(None);
    };
    let held = journeys::last_trigger_event(tx, &wf.name, customer)?;
    if let Some(event) = held.flatten().and_then(|t| serde_json::from_str(&t).ok()) {
        return Ok(Some(event));
    }
    Ok(events::latest_of(tx, customer, event_type)?.map(|e| {
        let properties: serde_json::Value =
            serde_json::from_str(&e.properties).unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "id": e.id, "type": event_type, "occurred_at": e.occurred_at, "properties": properties
        })
    }))
}
