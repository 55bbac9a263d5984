//! The owner of the outbox table: one row per intended send, keyed by an idempotency key built from
//! (workflow, step, customer, journey run), so enqueueing the same send twice is a no-op and no
//! email can leave without a row (ARCHITECTURE.md, invariant 8). Each state change is a single statement and so
//! its own committed transaction: a crash leaves every row in a state the sender can resume from.

use rusqlite::{params, Connection, OptionalExtension, Row};

mod status;

pub use status::{next_due_after, sent_after, sent_since, step_status, SentMessage, StepStatus};

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

/// A row to insert: what `mail::outbox::NewMessage` holds, as columns.
#[derive(Debug, Clone, Copy)]
pub struct NewRow<'a> {
    pub origin: &'a Origin,
    pub template: &'a str,
    pub to_email: &'a str,
    pub subject: &'a str,
    pub body_html: &'a str,
    pub body_text: &'a str,
    pub unsubscribe_url: Option<&'a str>,
    pub message_id: &'a str,
    /// The earliest send time (unix ms); `None` means as soon as possible.
    pub not_before: Option<i64>,
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
pub fn enqueue(conn: &Connection, msg: &NewRow, now: i64) -> rusqlite::Result<Enqueued> {
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
            msg.subject,
            msg.body_html,
            msg.body_text,
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

/// Whether a row with this idempotency key exists.
pub fn exists(conn: &Connection, idempotency_key: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM outbox WHERE idempotency_key = ?1")?
        .exists([idempotency_key])
}

/// The send (or planned send) times after `since` of the customer's messages that count
/// against a frequency cap: sent, queued or being sent.
pub fn recent_send_times(
    conn: &Connection,
    customer: i64,
    since: i64,
) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(sent_at, next_attempt_at) FROM outbox
         WHERE customer = ?1 AND status IN ('sent', 'queued', 'sending')
           AND COALESCE(sent_at, next_attempt_at) > ?2",
    )?;
    let times = stmt.query_map(params![customer, since], |r| r.get(0))?;
    times.collect()
}

/// Another customer's message of the same workflow step to the same address (compared trimmed
/// and lower-cased) created at or after `since`: (their merchant id, the row's status, when it
/// was created), the earliest such.
pub fn same_address(
    conn: &Connection,
    workflow: &str,
    step: &str,
    email: &str,
    customer: i64,
    since: i64,
) -> rusqlite::Result<Option<(String, String, i64)>> {
    // The expression matches the index `outbox_by_address`, so SQLite can use it.
    let mut stmt = conn.prepare_cached(
        "SELECT c.external_id, o.status, o.created_at FROM outbox o JOIN customers c ON c.id = o.customer
         WHERE o.workflow = ?1 AND o.step = ?2 AND lower(trim(o.to_email)) = lower(trim(?3))
           AND o.customer <> ?4 AND o.created_at >= ?5
         ORDER BY o.created_at, o.id LIMIT 1",
    )?;
    stmt.query_row(params![workflow, step, email, customer, since], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .optional()
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

    pub fn parse(s: &str) -> Option<Status> {
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

/// When the message with this Message-ID was sent, if it was.
pub fn sent_at_of(conn: &Connection, message_id: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT sent_at FROM outbox WHERE message_id = ?1")?
        .query_row([message_id], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

/// The id of the latest row, 0 without any.
pub fn last_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM outbox", [], |r| r.get(0))
}

/// (workflow, customer) of every row after `after` still queued and due by `due_by`.
pub fn queued_after(
    conn: &Connection,
    after: i64,
    due_by: i64,
) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT workflow, customer FROM outbox
         WHERE id > ?1 AND status = 'queued' AND next_attempt_at <= ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![after, due_by], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The message a bounce or complaint names by its Message-ID: the row's id, customer,
/// workflow and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressed {
    pub id: i64,
    pub customer: i64,
    pub workflow: String,
    pub to_email: String,
}

/// The row with this Message-ID (angle brackets included), the latest if several share it.
pub fn by_message_id(conn: &Connection, message_id: &str) -> rusqlite::Result<Option<Addressed>> {
    conn.prepare_cached(
        "SELECT id, customer, workflow, to_email FROM outbox WHERE message_id = ?1
         ORDER BY id DESC LIMIT 1",
    )?
    .query_row([message_id], |r| {
        Ok(Addressed {
            id: r.get(0)?,
            customer: r.get(1)?,
            workflow: r.get(2)?,
            to_email: r.get(3)?,
        })
    })
    .optional()
}

/// The row whose Message-ID has this local part (the text between `<` and `@`), as a relay's
/// metadata reports it; the latest if several share it. The range keeps to the Message-ID
/// index: every id `<local@...>` sorts between `<local@` and `<localA` (`A` follows `@`).
pub fn by_message_id_local(
    conn: &Connection,
    local: &str,
) -> rusqlite::Result<Option<(Addressed, String)>> {
    if local.is_empty() || local.contains(['@', '<', '>']) {
        return Ok(None);
    }
    conn.prepare_cached(
        "SELECT id, customer, workflow, to_email, message_id FROM outbox
         WHERE message_id >= ?1 AND message_id < ?2 ORDER BY id DESC LIMIT 1",
    )?
    .query_row(
        params![format!("<{local}@"), format!("<{local}A")],
        addressed_with_message_id,
    )
    .optional()
}

/// An `Addressed` row and its Message-ID from (id, customer, workflow, to_email, message_id).
fn addressed_with_message_id(r: &rusqlite::Row) -> rusqlite::Result<(Addressed, String)> {
    Ok((
        Addressed {
            id: r.get(0)?,
            customer: r.get(1)?,
            workflow: r.get(2)?,
            to_email: r.get(3)?,
        },
        r.get(4)?,
    ))
}

/// The row `id` with its Message-ID, which a VERP address's signature is checked against.
pub fn by_id_with_message_id(
    conn: &Connection,
    id: i64,
) -> rusqlite::Result<Option<(Addressed, String)>> {
    conn.prepare_cached(
        "SELECT id, customer, workflow, to_email, message_id FROM outbox WHERE id = ?1",
    )?
    .query_row([id], addressed_with_message_id)
    .optional()
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

/// How many messages wait to be sent or are being sent (queued, held or sending): the
/// daemon's outbox depth.
pub fn pending(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM outbox WHERE status IN ('queued', 'held', 'sending')",
        [],
        |r| r.get(0),
    )
}

/// The number of rows in each status.
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
