//! The step machine that moves one journey forward; its row is stored by `store::journeys`.

use rusqlite::Transaction;

use super::{holds, AdvanceReport, EngineError};
use crate::compile::EvalInput;
use crate::store::journeys::{self, JourneyRow};
use crate::store::snapshot::Snapshot;
use crate::workflow::dispatch::{DispatchOutcome, Dispatcher, SendRequest};
use crate::workflow::{StepKind, Workflow, Workflows};

/// How often a `wait_until` condition is evaluated again while it is false.
pub const POLL_MS: i64 = 3_600_000;

/// A bound on steps per wake-up, so a malformed tree can never loop forever.
const MAX_STEPS: usize = 1_000;

/// A journey row that is due.
pub type Journey = JourneyRow;

pub fn due(tx: &Transaction, now: i64, limit: usize) -> rusqlite::Result<Vec<Journey>> {
    journeys::due(tx, now, limit)
}

pub use crate::store::journeys::log;

/// Ends a journey in a final state.
fn finish(
    tx: &Transaction,
    j: &Journey,
    state: &str,
    reason: Option<&str>,
    now: i64,
) -> rusqlite::Result<()> {
    journeys::finish(tx, j.id, state, reason, now)?;
    log(tx, j.id, j.step.as_deref(), state, now, reason)
}

/// Puts a journey to sleep on its current step.
fn sleep(
    tx: &Transaction,
    j: &Journey,
    wake_at: i64,
    timeout_at: Option<i64>,
    now: i64,
) -> rusqlite::Result<()> {
    journeys::sleep(
        tx,
        j.id,
        j.step.as_deref(),
        wake_at.max(now + 1),
        timeout_at,
        now,
    )
}

/// The triggering event's properties, the input of `trigger.prop.NAME`.
fn trigger_props(j: &Journey) -> Option<serde_json::Value> {
    j.trigger_event
        .as_ref()
        .and_then(|t| t.get("properties").cloned())
}

/// Runs a due journey's steps until it waits or ends.
pub fn process(
    tx: &Transaction,
    workflows: &Workflows,
    snap: &Snapshot,
    mut j: Journey,
    now: i64,
    dispatcher: &mut dyn Dispatcher,
    report: &mut AdvanceReport,
) -> Result<(), EngineError> {
    let Some(wf) = workflows.get(&j.workflow) else {
        report.exited += 1;
        return Ok(finish(
            tx,
            &j,
            "exited",
            Some("the workflow was removed"),
            now,
        )?);
    };
    let input = EvalInput {
        now,
        entered: Some(j.entered_at),
        trigger: trigger_props(&j),
    };
    if let Some(goal) = &wf.goal {
        if holds(&goal.expr, snap, j.customer, &input)? {
            report.converted += 1;
            return Ok(finish(tx, &j, "converted", None, now)?);
        }
    }
    if let Some(exit) = &wf.exit_when {
        if holds(&exit.expr, snap, j.customer, &input)? {
            report.exited += 1;
            return Ok(finish(tx, &j, "exited", Some("exit_when"), now)?);
        }
    }
    for _ in 0..MAX_STEPS {
        let Some(id) = j.step.clone() else {
            report.done += 1;
            return Ok(finish(tx, &j, "done", None, now)?);
        };
        let Some(step) = wf.step(&id) else {
            report.exited += 1;
            let reason = format!("step `{id}` was removed from the workflow");
            return Ok(finish(tx, &j, "exited", Some(&reason), now)?);
        };
        report.steps += 1;
        let next: Option<String> = match &step.kind {
            StepKind::Wait(ms) => {
                if !j.waiting {
                    return Ok(sleep(tx, &j, now + ms, None, now)?);
                }
                after(wf, &id)
            }
            StepKind::WaitUntil { condition, timeout } => {
                if holds(&condition.expr, snap, j.customer, &input)? {
                    log(tx, j.id, Some(&id), "condition_met", now, None)?;
                    after(wf, &id)
                } else {
                    let deadline = if j.waiting {
                        j.timeout_at.unwrap_or(now)
                    } else {
                        now + timeout
                    };
                    if now >= deadline {
                        log(tx, j.id, Some(&id), "timeout", now, None)?;
                        after(wf, &id)
                    } else {
                        return Ok(sleep(
                            tx,
                            &j,
                            (now + POLL_MS).min(deadline),
                            Some(deadline),
                            now,
                        )?);
                    }
                }
            }
            StepKind::Send {
                template,
                subject,
                at,
            } => {
                let req = SendRequest {
                    idempotency_key: SendRequest::key(&wf.name, &id, j.customer, j.run),
                    workflow: wf.name.clone(),
                    step: id.clone(),
                    customer: j.customer,
                    run: j.run,
                    template: template.clone(),
                    subject_override: subject.clone(),
                    trigger_event: j.trigger_event.clone(),
                    now,
                    at: *at,
                };
                let outcome =
                    dispatcher
                        .dispatch(tx, &req)
                        .map_err(|source| EngineError::Dispatch {
                            key: req.idempotency_key.clone(),
                            source,
                        })?;
                match outcome {
                    DispatchOutcome::Queued => {
                        report.sent += 1;
                        log(tx, j.id, Some(&id), "sent", now, Some(template))?;
                    }
                    DispatchOutcome::Held { until } => {
                        report.held += 1;
                        log(tx, j.id, Some(&id), "held", now, Some(&until.to_string()))?;
                        return Ok(sleep(tx, &j, until, None, now)?);
                    }
                    DispatchOutcome::Skipped { reason } => {
                        report.skipped += 1;
                        log(tx, j.id, Some(&id), "skipped", now, Some(&reason))?;
                    }
                }
                after(wf, &id)
            }
            StepKind::If {
                condition,
                then,
                otherwise,
            } => {
                let yes = holds(&condition.expr, snap, j.customer, &input)?;
                log(
                    tx,
                    j.id,
                    Some(&id),
                    if yes { "then" } else { "else" },
                    now,
                    None,
                )?;
                let branch = if yes { then } else { otherwise };
                branch
                    .first()
                    .map(|s| s.id.clone())
                    .or_else(|| after(wf, &id))
            }
            StepKind::Split(variants, _) => {
                let v = super::super::split::assign(&wf.name, &id, j.customer, j.run, variants);
                record_variant(tx, j.id, &id, &v.name)?;
                log(tx, j.id, Some(&id), "variant", now, Some(&v.name))?;
                v.steps
                    .first()
                    .map(|s| s.id.clone())
                    .or_else(|| after(wf, &id))
            }
            StepKind::Tag(tag) | StepKind::Untag(tag) => {
                let add = matches!(step.kind, StepKind::Tag(_));
                set_tag(tx, j.customer, tag, add)?;
                log(
                    tx,
                    j.id,
                    Some(&id),
                    if add { "tag" } else { "untag" },
                    now,
                    Some(tag),
                )?;
                after(wf, &id)
            }
            StepKind::Exit(reason) => {
                report.exited += 1;
                let reason = reason
                    .clone()
                    .unwrap_or_else(|| format!("exit step `{id}`"));
                return Ok(finish(tx, &j, "exited", Some(&reason), now)?);
            }
        };
        j.step = next;
        j.waiting = false;
        journeys::advance(tx, j.id, j.step.as_deref(), now)?;
    }
    Ok(())
}

fn after(wf: &Workflow, id: &str) -> Option<String> {
    wf.next_after(id).map(|s| s.id.clone())
}

/// Adds `split_id: variant` to the journey's JSON object of assignments.
fn record_variant(
    tx: &Transaction,
    journey: i64,
    split: &str,
    variant: &str,
) -> rusqlite::Result<()> {
    let current = journeys::variants(tx, journey)?;
    let mut map = current
        .and_then(|c| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&c).ok())
        .unwrap_or_default();
    map.insert(
        split.to_string(),
        serde_json::Value::String(variant.to_string()),
    );
    journeys::set_variants(tx, journey, &serde_json::Value::Object(map).to_string())
}

/// Adds or removes a tag in `customers.tags` (a JSON array of strings).
fn set_tag(tx: &Transaction, customer: i64, tag: &str, add: bool) -> rusqlite::Result<()> {
    let tags = crate::store::customers::tags(tx, customer)?;
    let mut list: Vec<String> = tags
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let has = list.iter().any(|t| t == tag);
    if add && !has {
        list.push(tag.to_string());
    } else if !add && has {
        list.retain(|t| t != tag);
    } else {
        return Ok(());
    }
    let text = serde_json::to_string(&list).unwrap_or_else(|_| "[]".into());
    crate::store::customers::set_tags(tx, customer, &text)
}
