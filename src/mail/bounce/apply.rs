//! What a bounce or complaint does, once read: it is tied back to its outbox message by the
//! original's Message-ID, a relay's metadata or the VERP address it came back to (else to the
//! customer with that address), recorded once in
//! `mail_feedback`, and then a hard bounce suppresses the address, soft bounces suppress it
//! at `[mail.bounces] soft_limit` within `soft_window`, and a complaint suppresses it and ends
//! the customer's running journeys of the workflow that sent the message. The tables stay with
//! their owners: `store::mail_feedback`, `store::suppressions`, `store::journeys`.

use rusqlite::Connection;

use super::config::BounceConfig;
use super::feedback::{Feedback, FeedbackKind};
use crate::mail::verp::Verp;
use crate::store::{customers, journeys, mail_feedback, outbox, suppressions};

/// Where a report came from and when it was received.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Printed and stored with the row, such as `bounces.mbox message 3`.
    pub label: &'a str,
    /// The report's date (else the import's `now`), in unix ms: the time soft bounces are
    /// counted by.
    pub received_at: i64,
    /// What tells this report apart when it does not name the original message: its own
    /// Message-ID, else a hash of its bytes.
    pub report_key: &'a str,
    /// The addresses the report was delivered to (the listener's `RCPT TO`, an imported
    /// report's `Delivered-To`, `X-Original-To`, `To`); empty for a relay's webhook.
    pub addressed_to: &'a [String],
    /// The VERP addresses of `[mail.bounces] verp`, which name a message among
    /// `addressed_to` once their signature checks; `None` when VERP is off.
    pub verp: Option<&'a Verp>,
}

/// What recording one report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded now.
    Recorded(Applied),
    /// The same report (original message, address and kind) was recorded before.
    Duplicate,
    /// No outbox message has the original's Message-ID and no customer has the address (or
    /// the report names no address): nothing recorded.
    Unknown { recipient: Option<String> },
}

/// A report recorded now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub email: String,
    /// Whether an outbox message was found by the original's Message-ID (else only the
    /// address tied the report to a customer).
    pub matched: bool,
    /// The reason the address was suppressed by this report, if it was.
    pub suppressed: Option<String>,
    /// Running journeys this complaint ended.
    pub journeys_exited: usize,
}

/// Records `feedback` and applies the policy of `config`, at `now` (the journeys' end time).
pub fn apply(
    conn: &Connection,
    feedback: &Feedback,
    source: &Source,
    config: &BounceConfig,
    now: i64,
) -> rusqlite::Result<Outcome> {
    let found = find_message(conn, feedback, source)?;
    let (message, message_id) = match found {
        Some((message, id)) => (Some(message), Some(id)),
        None => (None, feedback.original_message_id.clone()),
    };
    // The address segflow sent to wins over the one reported, which may be a forwarding target.
    let Some(email) = message
        .as_ref()
        .map(|m| suppressions::normalize(&m.to_email))
        .or_else(|| feedback.recipient.clone())
    else {
        return Ok(Outcome::Unknown { recipient: None });
    };
    let customer = match &message {
        Some(m) => Some(m.customer),
        None => customers::by_email(conn, &email)?,
    };
    let Some(customer) = customer else {
        return Ok(Outcome::Unknown {
            recipient: Some(email),
        });
    };
    let about = message_id
        .clone()
        .unwrap_or_else(|| format!("report {}", source.report_key));
    let dedup_key = serde_json::json!([about, email, feedback.kind.as_str()]).to_string();
    let Some(id) = mail_feedback::record(
        conn,
        &mail_feedback::NewFeedback {
            dedup_key: &dedup_key,
            outbox: message.as_ref().map(|m| m.id),
            customer,
            email: &email,
            kind: feedback.kind.as_str(),
            status: feedback.status.as_deref(),
            diagnostic: feedback.diagnostic.as_deref(),
            original_message_id: message_id.as_deref(),
            received_at: source.received_at,
            source: source.label,
        },
    )?
    else {
        return Ok(Outcome::Duplicate);
    };
    let reason = match feedback.kind {
        FeedbackKind::Hard => Some(match &feedback.status {
            Some(status) => format!("hard bounce {status}"),
            None => "hard bounce".to_string(),
        }),
        FeedbackKind::Complaint => Some("spam complaint".to_string()),
        FeedbackKind::Soft => {
            let limit = config.soft_limit.max(1);
            let window = config.soft_window.max(0);
            let count = mail_feedback::soft_bounces(
                conn,
                &email,
                source.received_at.saturating_sub(window),
                source.received_at,
            )?;
            (count >= i64::from(limit))
                .then(|| format!("{count} soft bounces within {}", describe_window(window)))
        }
    };
    let mut suppressed = None;
    if let Some(reason) = reason {
        if suppressions::suppress(conn, &email, &reason, source.received_at)? {
            mail_feedback::mark_suppressed(conn, id)?;
            suppressed = Some(reason);
        }
    }
    let mut journeys_exited = 0;
    if feedback.kind == FeedbackKind::Complaint {
        if let Some(m) = &message {
            journeys_exited =
                journeys::exit_running(conn, &m.workflow, customer, "spam complaint", now)?;
        }
    }
    Ok(Outcome::Recorded(Applied {
        email,
        matched: message.is_some(),
        suppressed,
        journeys_exited,
    }))
}

/// The outbox message a report is about, with its Message-ID: by the original's Message-ID,
/// else by the local part a relay's metadata returned, else by a VERP address the report was
/// delivered to whose signature checks against the row it names.
fn find_message(
    conn: &Connection,
    feedback: &Feedback,
    source: &Source,
) -> rusqlite::Result<Option<(outbox::Addressed, String)>> {
    if let Some(id) = &feedback.original_message_id {
        if let Some(message) = outbox::by_message_id(conn, id)? {
            return Ok(Some((message, id.clone())));
        }
    }
    if let Some(local) = &feedback.message_id_local {
        if let Some(found) = outbox::by_message_id_local(conn, local)? {
            return Ok(Some(found));
        }
    }
    let Some(verp) = source.verp else {
        return Ok(None);
    };
    for address in source.addressed_to {
        let Some((id, mac)) = verp.token(address) else {
            continue;
        };
        match outbox::by_id_with_message_id(conn, id)? {
            Some((message, message_id)) if verp.verifies(id, &message_id, &mac) => {
                return Ok(Some((message, message_id)))
            }
            _ => tracing::warn!(
                address = address.as_str(),
                "a report came to a VERP address whose signature names no outbox message; tied by the address it reports"
            ),
        }
    }
    Ok(None)
}

/// A window in the largest whole unit it is written in (`30d`, `36h`, `90m`).
fn describe_window(ms: i64) -> String {
    const UNITS: [(i64, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ];
    for (size, unit) in UNITS {
        if ms >= size && ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}
