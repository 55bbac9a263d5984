//! The owner of `mail_feedback`: the bounces and complaints reported after a message left,
//! each recorded once (by the original's Message-ID, the address and the kind), so importing a
//! mailbox twice changes nothing, and counted for the soft-bounce limit, `segflow status` and
//! the report. What a report means for the address is decided in `mail::bounce::apply`.

use rusqlite::{params, Connection};

/// A row to record.
#[derive(Debug, Clone, Copy)]
pub struct NewFeedback<'a> {
    pub dedup_key: &'a str,
    /// The outbox row the report is about, when its Message-ID names one.
    pub outbox: Option<i64>,
    pub customer: i64,
    /// The address, as the suppression list stores it.
    pub email: &'a str,
    /// `hard`, `soft` or `complaint`.
    pub kind: &'a str,
    pub status: Option<&'a str>,
    pub diagnostic: Option<&'a str>,
    pub original_message_id: Option<&'a str>,
    pub received_at: i64,
    /// Where it came from, such as `bounces.mbox message 3`.
    pub source: &'a str,
}

/// Records `row` unless a row with its dedup key exists; the new row's id, or `None` for a
/// report recorded before.
pub fn record(conn: &Connection, row: &NewFeedback) -> rusqlite::Result<Option<i64>> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO mail_feedback (dedup_key, outbox, customer, email, kind, status,
                 diagnostic, original_message_id, received_at, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT(dedup_key) DO NOTHING",
        )?
        .execute(params![
            row.dedup_key,
            row.outbox,
            row.customer,
            row.email,
            row.kind,
            row.status,
            row.diagnostic,
            row.original_message_id,
            row.received_at,
            row.source,
        ])?;
    Ok((inserted == 1).then(|| conn.last_insert_rowid()))
}

/// Notes that the report `id` put its address on the suppression list.
pub fn mark_suppressed(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE mail_feedback SET suppressed = 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// The soft bounces of `email` received in `(since, until]`.
pub fn soft_bounces(
    conn: &Connection,
    email: &str,
    since: i64,
    until: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM mail_feedback
         WHERE email = ?1 AND kind = 'soft' AND received_at > ?2 AND received_at <= ?3",
    )?
    .query_row(params![email, since, until], |r| r.get(0))
}

/// How many reports of each kind are recorded, and how many addresses they suppressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub hard: i64,
    pub soft: i64,
    pub complaints: i64,
    pub suppressed: i64,
}

/// The totals over every recorded report, or over those about one workflow's messages.
pub fn totals(conn: &Connection, workflow: Option<&str>) -> rusqlite::Result<Totals> {
    conn.prepare_cached(
        "SELECT COALESCE(SUM(f.kind = 'hard'), 0), COALESCE(SUM(f.kind = 'soft'), 0),
                COALESCE(SUM(f.kind = 'complaint'), 0), COALESCE(SUM(f.suppressed), 0)
         FROM mail_feedback f LEFT JOIN outbox o ON o.id = f.outbox
         WHERE ?1 IS NULL OR o.workflow = ?1",
    )?
    .query_row([workflow], |r| {
        Ok(Totals {
            hard: r.get(0)?,
            soft: r.get(1)?,
            complaints: r.get(2)?,
            suppressed: r.get(3)?,
        })
    })
}

/// A recorded bounce or complaint with the workflow and step of its message, if known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub id: i64,
    pub customer: i64,
    pub email: String,
    /// `hard`, `soft` or `complaint`.
    pub kind: String,
    pub status: Option<String>,
    pub diagnostic: Option<String>,
    pub message_id: Option<String>,
    pub workflow: Option<String>,
    pub step: Option<String>,
    pub received_at: i64,
}

/// Up to `limit` reports recorded after id `after`, in id order (the outgoing webhooks' journal).
pub fn after(conn: &Connection, after: i64, limit: i64) -> rusqlite::Result<Vec<Reported>> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.id, f.customer, f.email, f.kind, f.status, f.diagnostic,
                f.original_message_id, o.workflow, o.step, f.received_at
         FROM mail_feedback f LEFT JOIN outbox o ON o.id = f.outbox
         WHERE f.id > ?1 ORDER BY f.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok(Reported {
            id: r.get(0)?,
            customer: r.get(1)?,
            email: r.get(2)?,
            kind: r.get(3)?,
            status: r.get(4)?,
            diagnostic: r.get(5)?,
            message_id: r.get(6)?,
            workflow: r.get(7)?,
            step: r.get(8)?,
            received_at: r.get(9)?,
        })
    })?;
    rows.collect()
}

/// The id of the latest report, 0 without any.
pub fn last_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM mail_feedback", [], |r| {
        r.get(0)
    })
}
