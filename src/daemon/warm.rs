//! The daemon's warm columnar state: the whole store loaded once, plus an overlay with the
//! current data of every customer changed since, so that neither an event nor a scheduled
//! refresh has to reload the world.
//!
//! The columnar snapshot is built for scanning, not for in-place edits (its collections are
//! CSR arrays), so changes do not patch it. Instead the changed customers are read again, all
//! of them together, into a small second snapshot; a segment's members are the base's members
//! minus the changed customers plus the overlay's members. Both snapshots are evaluated by the
//! same compiled program, so the result equals a full reload's. When the overlay grows past a
//! bound, or a writer signals a bulk change, the base is reloaded and the overlay emptied.
//!
//! Which customers changed comes from the `store_changes` journal (database triggers), so CSV
//! imports run from cron are seen as well as the HTTP API's writes.

use rusqlite::Connection;

use crate::compile::columnar::Program;
use crate::store::snapshot::Snapshot;
use crate::store::StoreError;

pub struct WarmSnapshot {
    base: Snapshot,
    overlay: Snapshot,
    /// Internal ids of the customers in the overlay, ascending.
    changed: Vec<i64>,
    /// The last `store_changes.seq` applied.
    seq: i64,
    /// The latest model fit the base holds scores of.
    fit: i64,
    max_overlay: usize,
}

/// What `catch_up` found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CatchUp {
    /// Customers whose data changed (to re-evaluate one by one); empty after a full reload.
    pub customers: Vec<i64>,
    /// True when the base was reloaded (everything must be re-evaluated).
    pub reloaded: bool,
}

impl WarmSnapshot {
    /// Loads the whole store.
    pub fn load(conn: &Connection, max_overlay: usize) -> Result<WarmSnapshot, StoreError> {
        // The journal position is read first: a change committed during the load is then
        // applied again later, which is harmless, instead of being missed.
        let seq = journal_end(conn)?;
        let fit = latest_fit(conn)?;
        let base = Snapshot::load(conn)?;
        Ok(WarmSnapshot {
            base,
            overlay: Snapshot::default(),
            changed: Vec::new(),
            seq,
            fit,
            max_overlay,
        })
    }

    /// How many customers the warm state knows.
    pub fn customers(&self) -> usize {
        self.base.len()
            + self
                .changed
                .iter()
                .filter(|c| self.base.index_of(**c).is_none())
                .count()
    }

    /// Applies the journal since the last call: reloads the changed customers into the overlay,
    /// or the whole base after a bulk change, a new model fit or too many changes. Applied
    /// journal rows are deleted (the daemon is the journal's only reader).
    pub fn catch_up(&mut self, conn: &Connection) -> Result<CatchUp, StoreError> {
        let end = journal_end(conn)?;
        let fit = latest_fit(conn)?;
        if end == self.seq && fit == self.fit {
            return Ok(CatchUp::default());
        }
        let mut touched: Vec<Option<i64>> = conn
            .prepare("SELECT customer FROM store_changes WHERE seq > ?1 AND seq <= ?2")?
            .query_map([self.seq, end], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let bulk = touched.iter().any(Option::is_none);
        let mut customers: Vec<i64> = touched.drain(..).flatten().collect();
        customers.sort_unstable();
        customers.dedup();
        let mut merged = merge(&self.changed, &customers);
        let reload = bulk || fit != self.fit || merged.len() > self.max_overlay;
        if reload {
            *self = WarmSnapshot::load(conn, self.max_overlay)?;
            merged.clear();
        } else {
            self.overlay = Snapshot::load_customers(conn, &merged)?;
            self.changed = merged;
            self.seq = end;
        }
        conn.execute(
            "DELETE FROM store_changes WHERE seq <= ?1",
            [end.min(self.seq)],
        )?;
        Ok(CatchUp {
            customers: if reload { Vec::new() } else { customers },
            reloaded: reload,
        })
    }

    /// The members of a segment at `now`, ascending, as a full reload would compute them.
    pub fn members(&self, program: &Program, now: i64) -> Vec<i64> {
        let base = program.members(&self.base, now);
        if self.changed.is_empty() {
            return base;
        }
        let kept: Vec<i64> = base
            .into_iter()
            .filter(|c| self.changed.binary_search(c).is_err())
            .collect();
        merge(&kept, &program.members(&self.overlay, now))
    }

    /// Whether one customer matches at `now`, from the overlay if it changed.
    pub fn matches(&self, program: &Program, customer: i64, now: i64) -> bool {
        let snap = if self.changed.binary_search(&customer).is_ok() {
            &self.overlay
        } else {
            &self.base
        };
        snap.index_of(customer)
            .is_some_and(|i| program.matches(snap, i, now))
    }
}

fn journal_end(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM store_changes", [], |r| {
        r.get(0)
    })
}

fn latest_fit(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(rowid), 0) FROM model_fits", [], |r| {
        r.get(0)
    })
}

/// The sorted union of two ascending lists.
fn merge(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                out.push(*x);
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                out.push(*x);
                i += 1;
            }
            (Some(_), Some(y)) | (None, Some(y)) => {
                out.push(*y);
                j += 1;
            }
            (Some(x), None) => {
                out.push(*x);
                i += 1;
            }
            (None, None) => break,
        }
    }
    out
}
