//! The outbox table: one row per intended send, keyed by an idempotency key built from
//! (workflow, step, customer, journey run), so enqueueing the same send twice is a no-op and no
//! email can leave without a row (ARCHITECTURE.md, invariant 8). Each state change is a single statement and so
//! its own committed transaction: a crash leaves every row in a state the sender can resume from.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::message::message_id_for;
use super::templates::{RenderedEmail, TemplateError, Templates};

mod status;

pub use status::{next_due_after, sent_after, step_status, SentMessage, StepStatus};

/// Where an intended send comes from; together these four name it uniquely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub workflow: String,
    pub step: String,
    pub customer: i64,
    pub run: i64,
}

impl Origin {
    /// The idempotency key: the JSON array `[workflow, step, customer, run]`, which cannot be
    /// ambiguous whatever characters the names hold.
    pub fn idempotency_key(&self) -> String {
        serde_json::json!([self.workflow, self.step, self.customer, self.run]).to_string()
    }
}

/// A message to put into the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub origin: Origin,
    pub template: String,
    pub to_email: String,
    pub email: RenderedEmail,
    /// The one-click unsubscribe URL for the List-Unsubscribe header; `None` for transactional mail.
    pub unsubscribe_url: Option<String>,
    /// The Message-ID every attempt of this send carries.
    pub message_id: String,
    /// The earliest send time (unix ms); `None` means as soon as possible.
    pub not_before: Option<i64>,
}

impl NewMessage {
    /// A message whose Message-ID derives from the origin's idempotency key and `domain`.
    pub fn new(
        origin: Origin,
        template: &str,
        to_email: &str,
        email: RenderedEmail,
        message_id_domain: &str,
    ) -> Self {
        let message_id = message_id_for(&origin.idempotency_key(), message_id_domain);
        NewMessage {
            origin,
            template: template.to_string(),
            to_email: to_email.to_string(),
            email,
            unsubscribe_url: None,
            message_id,
            not_before: None,
        }
    }

    /// Renders `template` with `context` into a message; a template error yields no message, so a
    /// broken template can never put a partial email into the outbox.
    pub fn render(
        templates: &Templates,
        template: &str,
        context: &serde_json::Value,
        origin: Origin,
        to_email: &str,
        message_id_domain: &str,
    ) -> Result<Self, TemplateError> {
        let email = templates.render(template, context)?;
        Ok(Self::new(
            origin,
            template,
            to_email,
            email,
            message_id_domain,
        ))
    }

    /// Adds the one-click unsubscribe URL.
    pub fn with_unsubscribe_url(mut self, url: String) -> Self {
        self.unsubscribe_url = Some(url);
        self
    }

    /// Delays the first attempt until `at` (unix ms), e.g. past quiet hours.
    pub fn not_before(mut self, at: i64) -> Self {
        self.not_before = Some(at);
        self
    }
}

/// The outcome of `enqueue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new row with this id.
    Inserted(i64),
    /// A row with the same idempotency key already existed; nothing changed.
    AlreadyQueued(i64),
}

impl Enqueued {
    /// The row id either way.
    pub fn id(self) -> i64 {
        match self {
            Enqueued::Inserted(id) | Enqueued::AlreadyQueued(id) => id,
        }
    }
}

/// Inserts `msg` unless a row with its idempotency key exists.
pub fn enqueue(conn: &Connection, msg: &NewMessage, now: i64) -> rusqlite::Result<Enqueued> {
    let key = msg.origin.idempotency_key();
    let inserted = conn.execute(
        "INSERT INTO outbox (idempotency_key, workflow, step, customer, run, template, to_email,
             subject, body_html, body_text, unsubscribe_url, message_id, status, attempts,
             next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'queued', 0, ?13, ?14)
         ON CONFLICT(idempotency_key) DO NOTHING",
        params![
            key,
            msg.origin.workflow,
            msg.origin.step,
            msg.origin.customer,
            msg.origin.run,
            msg.template,
            msg.to_email,
            msg.email.subject,
            msg.email.html,
            msg.email.text,
            msg.unsubscribe_url,
            msg.message_id,
            msg.not_before.unwrap_or(now).max(now),
            now,
        ],
    )?;
    let id: i64 = conn.query_row(
        "SELECT id FROM outbox WHERE idempotency_key = ?1",
        [&key],
        |r| r.get(0),
    )?;
    Ok(if inserted == 1 {
        Enqueued::Inserted(id)
    } else {
        Enqueued::AlreadyQueued(id)
    })
}

/// The state of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Queued,
    Sending,
    Sent,
    Failed,
    Held,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Held => "held",
            Status::Skipped => "skipped",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "queued" => Status::Queued,
            "sending" => Status::Sending,
            "sent" => Status::Sent,
            "failed" => Status::Failed,
            "held" => Status::Held,
            "skipped" => Status::Skipped,
            _ => return None,
        })
    }
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub idempotency_key: String,
    pub origin: Origin,
    pub template: String,
    pub to_email: String,
    pub subject: String,
    pub body_html: String,
    pub body_text: String,
    pub unsubscribe_url: Option<String>,
    pub message_id: String,
    pub status: Status,
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

const COLUMNS: &str = "id, idempotency_key, workflow, step, customer, run, template, to_email,
    subject, body_html, body_text, unsubscribe_url, message_id, status, attempts,
    next_attempt_at, last_error, created_at, sent_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    let status: String = r.get(13)?;
    let status = Status::parse(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            13,
            rusqlite::types::Type::Text,
            format!("unknown outbox status {status:?}").into(),
        )
    })?;
    Ok(OutboxRow {
        id: r.get(0)?,
        idempotency_key: r.get(1)?,
        origin: Origin {
            workflow: r.get(2)?,
            step: r.get(3)?,
            customer: r.get(4)?,
            run: r.get(5)?,
        },
        template: r.get(6)?,
        to_email: r.get(7)?,
        subject: r.get(8)?,
        body_html: r.get(9)?,
        body_text: r.get(10)?,
        unsubscribe_url: r.get(11)?,
        message_id: r.get(12)?,
        status,
        attempts: r.get(14)?,
        next_attempt_at: r.get(15)?,
        last_error: r.get(16)?,
        created_at: r.get(17)?,
        sent_at: r.get(18)?,
    })
}

/// The row with this id.
pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<OutboxRow>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Up to `limit` queued rows due at `now`, oldest due first.
pub fn due(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<OutboxRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![now, limit as i64], from_row)?;
    rows.collect()
}

/// Every row in id order (for reports and tests).
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<OutboxRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// Marks a queued row `sending` and counts the attempt; false if the row was not queued
/// (another sender took it). Committed before the network call, so a crash is visible later.
pub fn claim(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1
         WHERE id = ?1 AND status = 'queued'",
        [id],
    )?;
    Ok(changed == 1)
}

/// Records a delivered message.
pub fn mark_sent(conn: &Connection, id: i64, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Puts a row back in the queue for another attempt at `next_attempt_at`.
pub fn mark_retry(
    conn: &Connection,
    id: i64,
    next_attempt_at: i64,
    error: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE outbox SET status = 'queued', next_attempt_at = ?2, last_error = ?3 WHERE id = ?1",
        params![id, next_attempt_at, error],
    )?;
    Ok(())
}

/// Ends a row with `status` (failed or skipped) and the reason.
pub fn mark_final(conn: &Connection, id: i64, status: Status, error: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE outbox SET status = ?2, last_error = ?3 WHERE id = ?1",
        params![id, status.as_str(), error],
    )?;
    Ok(())
}

/// Returns rows left in `sending` by a crash to the queue, due at once; they keep their
/// Message-ID, so a resend of a message the server had already accepted is recognisable.
pub fn recover_in_flight(conn: &Connection, now: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE outbox SET status = 'queued', next_attempt_at = MIN(next_attempt_at, ?1),
             last_error = 'interrupted while sending; retried with the same Message-ID'
         WHERE status = 'sending'",
        [now],
    )
}

/// The number of rows in each status.
/// How many messages wait to be sent or are being sent (queued, held or sending): the
/// daemon's outbox depth.
pub fn pending(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'held', 'sending')",
        [],
        |r| r.get(0),
    )
}

pub fn status_counts(conn: &Connection) -> rusqlite::Result<Vec<(Status, i64)>> {
    let mut stmt = conn.prepare("SELECT status, COUNT(*) FROM outbox GROUP BY status")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut counts = Vec::new();
    for row in rows {
        let (status, count) = row?;
        if let Some(status) = Status::parse(&status) {
            counts.push((status, count));
        }
    }
    Ok(counts)
}
