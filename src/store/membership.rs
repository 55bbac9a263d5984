//! The owner of `segment_members`, `segment_changes` and `segment_sizes`: every statement that
//! reads or writes who is in a segment, who entered or left it and when, and its size over
//! time. The refresh, the daemon's per-customer updates, history rebuilds, journeys started by
//! segment changes and template contexts all go through here, so a second store backend has
//! one file to answer for these tables.

use rusqlite::{params, CachedStatement, Connection, Transaction};

/// A segment change: its id in `segment_changes`, the customer, and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub customer: i64,
    pub at: i64,
}

/// One row of `segment_sizes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeRow<'a> {
    pub segment: &'a str,
    pub at: i64,
    pub members: i64,
    pub entered: i64,
    pub exited: i64,
}

/// The members of `segment`, ascending.
pub fn members(conn: &Connection, segment: &str) -> rusqlite::Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT customer FROM segment_members WHERE segment = ?1 ORDER BY customer",
    )?;
    let rows = stmt.query_map([segment], |r| r.get(0))?;
    rows.collect()
}

/// How many customers are in `segment` now (as of its last refresh).
pub fn size(conn: &Connection, segment: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM segment_members WHERE segment = ?1",
        [segment],
        |r| r.get(0),
    )
}

/// (segment, customer) for every membership of these customers.
pub fn memberships_of(
    conn: &Connection,
    customers: &[i64],
) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for part in customers.chunks(500) {
        let marks = vec!["?"; part.len()].join(",");
        let sql =
            format!("SELECT segment, customer FROM segment_members WHERE customer IN ({marks})");
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(part), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

/// The segments one customer is a member of, sorted by name.
pub fn segments_of(conn: &Connection, customer: i64) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT segment FROM segment_members WHERE customer = ?1 ORDER BY segment",
    )?;
    let names = stmt.query_map([customer], |r| r.get(0))?;
    names.collect()
}

/// Writes membership rows and their `segment_changes` record together; shared by the full
/// refresh and the daemon's per-customer updates.
pub struct MembershipWriter<'t> {
    add: CachedStatement<'t>,
    remove: CachedStatement<'t>,
    change: CachedStatement<'t>,
}

impl<'t> MembershipWriter<'t> {
    pub fn new(tx: &'t Transaction) -> rusqlite::Result<Self> {
        Ok(MembershipWriter {
            add: tx.prepare_cached(
                "INSERT OR IGNORE INTO segment_members (segment, customer, since) VALUES (?1, ?2, ?3)",
            )?,
            remove: tx
                .prepare_cached("DELETE FROM segment_members WHERE segment = ?1 AND customer = ?2")?,
            change: tx.prepare_cached(
                "INSERT INTO segment_changes (segment, customer, change, at) VALUES (?1, ?2, ?3, ?4)",
            )?,
        })
    }

    /// Adds the customer and records `entered`; false (and no record) when already a member.
    pub fn enter(&mut self, segment: &str, customer: i64, now: i64) -> rusqlite::Result<bool> {
        let done = self.add.execute(params![segment, customer, now])? == 1;
        if done {
            self.change
                .execute(params![segment, customer, "entered", now])?;
        }
        Ok(done)
    }

    /// Removes the customer and records `exited`; false (and no record) when not a member.
    pub fn exit(&mut self, segment: &str, customer: i64, now: i64) -> rusqlite::Result<bool> {
        let done = self.remove.execute(params![segment, customer])? == 1;
        if done {
            self.change
                .execute(params![segment, customer, "exited", now])?;
        }
        Ok(done)
    }
}

/// Writes the size row of `segment` at `now`, counting the changes recorded at `now`, not only
/// this run's: a refresh re-run with the same `--now` finds nothing new to record, and must not
/// turn the row of an earlier run at that time into `entered = 0` while `segment_changes`
/// keeps the entries that run recorded.
pub fn record_size(
    tx: &Transaction,
    segment: &str,
    now: i64,
    members: usize,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO segment_sizes (segment, at, members, entered, exited) \
         SELECT ?1, ?2, ?3, COUNT(*) FILTER (WHERE change = 'entered'), COUNT(*) FILTER (WHERE change = 'exited') \
         FROM segment_changes WHERE segment = ?1 AND at = ?2",
        params![segment, now, members as i64],
    )?;
    Ok(())
}

/// Adds past size rows (a history rebuild) without touching those already recorded; returns
/// how many were written, or the segment of the row that failed (none when the statement
/// could not be prepared).
pub fn add_past_sizes<'a>(
    tx: &Transaction,
    rows: &[SizeRow<'a>],
) -> Result<usize, (Option<&'a str>, rusqlite::Error)> {
    let mut insert = tx
        .prepare(
            "INSERT INTO segment_sizes (segment, at, members, entered, exited)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (segment, at) DO NOTHING",
        )
        .map_err(|e| (None, e))?;
    let mut written = 0;
    for r in rows {
        written += insert
            .execute(params![r.segment, r.at, r.members, r.entered, r.exited])
            .map_err(|e| (Some(r.segment), e))?;
    }
    Ok(written)
}

/// The size history of a segment: (time, members, entered, exited), oldest first.
pub fn size_history(
    conn: &Connection,
    segment: &str,
) -> rusqlite::Result<Vec<(i64, i64, i64, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT at, members, entered, exited FROM segment_sizes WHERE segment = ?1 ORDER BY at",
    )?;
    let rows = stmt.query_map([segment], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    rows.collect()
}

/// Up to `limit` changes of one kind (`entered` or `exited`) of `segment` after change `after`,
/// in the order they were recorded.
pub fn changes_after(
    conn: &Connection,
    segment: &str,
    change: &str,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<Change>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, customer, at FROM segment_changes WHERE segment = ?1 AND change = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![segment, change, after, limit], |r| {
        Ok(Change {
            id: r.get(0)?,
            customer: r.get(1)?,
            at: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// The id of the latest change of any segment, 0 without any.
pub fn last_change_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(id), 0) FROM segment_changes",
        [],
        |r| r.get(0),
    )
}

/// Every stored size: (segment, time, members), by segment and time.
pub fn all_sizes(conn: &Connection) -> rusqlite::Result<Vec<(String, i64, i64)>> {
    let mut stmt = conn.prepare("SELECT segment, at, members FROM segment_sizes ORDER BY 1, 2")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// One recorded change of any segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnyChange {
    pub id: i64,
    pub segment: String,
    /// `entered` or `exited`.
    pub change: String,
    pub customer: i64,
    pub at: i64,
}

/// Up to `limit` changes of every segment after id `after`, in id order.
pub fn all_changes_after(
    conn: &Connection,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<AnyChange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, segment, change, customer, at FROM segment_changes WHERE id > ?1
         ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok(AnyChange {
            id: r.get(0)?,
            segment: r.get(1)?,
            change: r.get(2)?,
            customer: r.get(3)?,
            at: r.get(4)?,
        })
    })?;
    rows.collect()
}
