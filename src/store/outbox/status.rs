//! Where the outbox's messages stand: per workflow step at a time (the demo's summary), and
//! the delivered ones with their customer's id (the demo answers them).

use rusqlite::Connection;

/// A delivered message and the merchant's id of its customer (for the demo's simulated
/// answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub id: i64,
    pub workflow: String,
    pub step: String,
    pub customer: i64,
    pub customer_external_id: String,
    pub message_id: String,
    pub sent_at: i64,
}

/// A sent message from a row of (id, workflow, step, customer, external id, Message-ID,
/// send time).
fn sent_message(r: &rusqlite::Row<'_>) -> rusqlite::Result<SentMessage> {
    Ok(SentMessage {
        id: r.get(0)?,
        workflow: r.get(1)?,
        step: r.get(2)?,
        customer: r.get(3)?,
        customer_external_id: r.get(4)?,
        message_id: r.get(5)?,
        sent_at: r.get(6)?,
    })
}

/// The messages sent whose row id is above `after`, in id order.
pub fn sent_after(conn: &Connection, after: i64) -> rusqlite::Result<Vec<SentMessage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, o.workflow, o.step, o.customer, c.external_id, o.message_id, o.sent_at
         FROM outbox o JOIN customers c ON c.id = o.customer
         WHERE o.status = 'sent' AND o.id > ?1 ORDER BY o.id",
    )?;
    let rows = stmt.query_map([after], sent_message)?;
    rows.collect()
}

/// Up to `limit` messages sent at or after `since`, by send time.
pub fn sent_since(conn: &Connection, since: i64, limit: i64) -> rusqlite::Result<Vec<SentMessage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, o.workflow, o.step, o.customer, c.external_id, o.message_id, o.sent_at
         FROM outbox o JOIN customers c ON c.id = o.customer
         WHERE o.status = 'sent' AND o.sent_at >= ?1 ORDER BY o.sent_at, o.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(rusqlite::params![since, limit], sent_message)?;
    rows.collect()
}

/// The earliest time after `now` at which a queued row (a held one) becomes due.
pub fn next_due_after(conn: &Connection, now: i64) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'queued' AND next_attempt_at > ?1",
        [now],
        |r| r.get(0),
    )
}

/// Where the messages of one workflow step stand at `now`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepStatus {
    pub workflow: String,
    pub step: String,
    /// Handed to the transport.
    pub sent: i64,
    /// Due and waiting for the sender (or being sent).
    pub queued: i64,
    /// Held by the sending policy until after `now` (quiet hours, frequency cap), or held.
    pub held: i64,
    pub failed: i64,
}

/// The messages per workflow and step at `now`, by workflow and step.
pub fn step_status(conn: &Connection, now: i64) -> rusqlite::Result<Vec<StepStatus>> {
    let mut stmt = conn.prepare(
        "SELECT workflow, step,
             SUM(status = 'sent'),
             SUM(status = 'sending' OR (status = 'queued' AND next_attempt_at <= ?1)),
             SUM(status = 'held' OR (status = 'queued' AND next_attempt_at > ?1)),
             SUM(status = 'failed')
         FROM outbox GROUP BY workflow, step ORDER BY workflow, step",
    )?;
    let rows = stmt.query_map([now], |r| {
        Ok(StepStatus {
            workflow: r.get(0)?,
            step: r.get(1)?,
            sent: r.get(2)?,
            queued: r.get(3)?,
            held: r.get(4)?,
            failed: r.get(5)?,
        })
    })?;
    rows.collect()
}
