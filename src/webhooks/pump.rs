//! Turning the store's journals into queued deliveries: segment changes, journey milestones
//! and bounce and complaint reports by id after a cursor, sent messages by send time. Sends are read again over the
//! last minute each time, because two sender connections may commit their send times slightly
//! out of order; the deliveries' unique keys make the second reading queue nothing.

use rusqlite::Connection;
use serde_json::{json, Value};

use super::Webhook;
use crate::store::webhooks::{cursor, enqueue, set_cursor, NewDelivery};
use crate::store::{customers, journeys, mail_feedback, membership, outbox};

/// Journal rows read per transaction.
const BATCH: i64 = 1_000;

/// How far back sent messages are read again (milliseconds).
const SENT_OVERLAP: i64 = 60_000;

/// Sent messages read per pump: more than a minute of sending at any rate an SMTP relay takes,
/// so the overlap never holds a whole batch and the cursor always moves on.
const SENT_BATCH: i64 = 100_000;

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// One journal entry as the webhooks see it.
struct Event<'a> {
    name: &'a str,
    /// Unique per entry: the delivery's id.
    key: String,
    segment: Option<&'a str>,
    workflow: Option<&'a str>,
    data: Value,
    at: i64,
}

/// Queues one delivery per webhook that wants `e`; returns how many were new.
fn queue(tx: &Connection, hooks: &[Webhook], e: &Event, now: i64) -> rusqlite::Result<usize> {
    let mut queued = 0;
    for hook in hooks
        .iter()
        .filter(|h| h.wants(e.name, e.segment, e.workflow))
    {
        let body = json!({
            "id": e.key,
            "type": e.name,
            "occurred_at": iso(e.at),
            "data": e.data,
        })
        .to_string();
        let d = NewDelivery {
            webhook: &hook.config.name,
            key: &e.key,
            event: e.name,
            body: &body,
        };
        queued += usize::from(enqueue(tx, &d, now)?);
    }
    Ok(queued)
}

fn external(tx: &Connection, customer: i64) -> rusqlite::Result<String> {
    Ok(customers::external(tx, customer)?.unwrap_or_default())
}

/// Reads every journal up to its end and queues what the webhooks want at `now`; returns how
/// many deliveries were queued. The first pump only records where the journals end.
pub fn pump(conn: &mut Connection, hooks: &[Webhook], now: i64) -> rusqlite::Result<usize> {
    if hooks.is_empty() {
        return Ok(0);
    }
    let mut queued = 0;
    loop {
        let tx = conn.transaction()?;
        let mut more = false;
        let from = match cursor(&tx, "segment_changes")? {
            Some(at) => at,
            None => membership::last_change_id(&tx)?,
        };
        let changes = membership::all_changes_after(&tx, from, BATCH)?;
        more |= changes.len() as i64 == BATCH;
        let mut last = from;
        for c in &changes {
            last = c.id;
            let name = format!("segment_{}", c.change);
            let e = Event {
                name: &name,
                key: format!("segment_change:{}", c.id),
                segment: Some(&c.segment),
                workflow: None,
                data: json!({ "segment": c.segment, "customer_id": external(&tx, c.customer)? }),
                at: c.at,
            };
            queued += queue(&tx, hooks, &e, now)?;
        }
        set_cursor(&tx, "segment_changes", last)?;

        let from = match cursor(&tx, "journey_log")? {
            Some(at) => at,
            None => journeys::last_log_id(&tx)?,
        };
        let milestones = journeys::milestones_after(&tx, from, BATCH)?;
        more |= milestones.len() as i64 == BATCH;
        let mut last = from;
        for m in &milestones {
            last = m.id;
            let e = Event {
                name: match m.action.as_str() {
                    "entered" => "journey_started",
                    "converted" => "journey_converted",
                    _ => "journey_exited",
                },
                key: format!("journey_log:{}", m.id),
                segment: None,
                workflow: Some(&m.workflow),
                data: json!({
                    "workflow": m.workflow,
                    "run": m.run,
                    "customer_id": external(&tx, m.customer)?,
                    "reason": m.detail,
                }),
                at: m.at,
            };
            queued += queue(&tx, hooks, &e, now)?;
        }
        set_cursor(&tx, "journey_log", last)?;

        let from = match cursor(&tx, "mail_feedback")? {
            Some(at) => at,
            None => mail_feedback::last_id(&tx)?,
        };
        let reports = mail_feedback::after(&tx, from, BATCH)?;
        more |= reports.len() as i64 == BATCH;
        let mut last = from;
        for f in &reports {
            last = f.id;
            let e = Event {
                name: if f.kind == "complaint" {
                    "message_complained"
                } else {
                    "message_bounced"
                },
                key: format!("mail_feedback:{}", f.id),
                segment: None,
                workflow: f.workflow.as_deref(),
                data: json!({
                    "workflow": f.workflow,
                    "step": f.step,
                    "customer_id": external(&tx, f.customer)?,
                    "email": f.email,
                    "message_id": f.message_id,
                    "bounce": (f.kind != "complaint").then_some(&f.kind),
                    "status": f.status,
                    "diagnostic": f.diagnostic,
                }),
                at: f.received_at,
            };
            queued += queue(&tx, hooks, &e, now)?;
        }
        set_cursor(&tx, "mail_feedback", last)?;

        let since = cursor(&tx, "sent")?.unwrap_or(now);
        let sent = outbox::sent_since(&tx, since - SENT_OVERLAP, SENT_BATCH)?;
        let mut latest = since;
        for s in &sent {
            latest = latest.max(s.sent_at);
            let e = Event {
                name: "message_sent",
                key: format!("message_sent:{}", s.id),
                segment: None,
                workflow: Some(&s.workflow),
                data: json!({
                    "workflow": s.workflow,
                    "step": s.step,
                    "customer_id": s.customer_external_id,
                    "message_id": s.message_id,
                }),
                at: s.sent_at,
            };
            queued += queue(&tx, hooks, &e, now)?;
        }
        set_cursor(&tx, "sent", latest)?;
        tx.commit()?;
        if !more {
            return Ok(queued);
        }
    }
}
