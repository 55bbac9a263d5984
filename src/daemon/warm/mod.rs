//! The daemon's warm columnar state: the whole store loaded once, plus overlays with the current
//! data of every customer changed since, so that neither an event nor a scheduled refresh has
//! to reload the world.
//!
//! The columnar snapshot is built for scanning, not for in-place edits (its collections are
//! CSR arrays), so changes do not patch it. Each catch-up reads just the customers changed since
//! the last one into a small snapshot (a chunk); a customer's current data is in the newest
//! chunk holding them, else in the base. A segment's members are the base's members minus the
//! changed customers plus, from each chunk, the members whose newest chunk it is. Every snapshot
//! is evaluated by the same compiled program, so the result equals a full reload's
//! (`tests/daemon_warm.rs`), except that `percentile` ranks a changed customer in the base's
//! population, with the customer's own entry replaced by their current value; every new base
//! moves that population, and the engine then refreshes the segments that rank. Chunks are merged into one when there are more than 32, so
//! evaluation never walks many small snapshots.
//!
//! When the changed customers outgrow a bound, a fresh base is loaded on a background thread
//! while the engine goes on with the old one; it is swapped in at a later catch-up, and the
//! customers changed since the load began stay in the overlay. That swap changes nobody's data
//! as the engine sees it, so it needs no refresh; a bulk import (the journal's NULL marker) or a
//! new model fit also loads a fresh base, and then every segment is refreshed after the swap. Which customers changed comes from the `store_changes`
//! journal (database triggers), so CSV imports from cron are seen as well as the HTTP API.

use std::collections::HashMap;
use std::path::PathBuf;
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::compile::columnar::Program;
use crate::store::changes;
use crate::store::snapshot::Snapshot;
use crate::store::StoreError;

/// Chunks kept before they are merged into one.
const MAX_CHUNKS: usize = 32;

/// Journal rows applied per catch-up, which bounds the length of an engine pass under a burst
/// of writes; the rest waits for the next pass, which then starts at once.
const MAX_ROWS: i64 = 1_000;

mod background;

use background::Compaction;

struct Chunk {
    snap: Snapshot,
}

/// A base being loaded in the background, and the journal position it starts from.
struct Rebase {
    from_seq: i64,
    handle: JoinHandle<Result<(Snapshot, i64), StoreError>>,
    /// True when data changed without a per-customer journal (a bulk load, a model fit), so
    /// every segment must be refreshed after the swap. A reload only because the overlay grew
    /// changes nobody's data as the engine sees it and needs no refresh.
    refresh: bool,
}

pub struct WarmSnapshot {
    base: Snapshot,
    chunks: Vec<Chunk>,
    /// Changed customer → index of the newest chunk holding them.
    owner: HashMap<i64, usize>,
    /// Changed customers, ascending (the keys of `owner`).
    changed: Vec<i64>,
    /// The last `store_changes.seq` applied.
    seq: i64,
    /// The latest model fit the base holds scores of.
    fit: i64,
    max_overlay: usize,
    /// Where to open a second connection for a background load; `None` loads in place.
    db: Option<PathBuf>,
    rebase: Option<Rebase>,
    /// (seq, customer) applied since a running rebase started, kept in the overlay after the swap.
    since_rebase: Vec<(i64, i64)>,
    /// A bulk change arrived while a rebase was running: load again after the swap.
    pending_full: bool,
    /// Chunks being merged into one in the background.
    compaction: Option<Compaction>,
    /// The scores were recomputed while a background load was reading older ones: what it
    /// swaps in reads its scores again.
    scores_stale: bool,
}

/// What `catch_up` found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CatchUp {
    /// Customers whose data changed (to re-evaluate one by one); empty after a full reload.
    pub customers: Vec<i64>,
    /// True when the base was replaced and everything must be re-evaluated.
    pub reloaded: bool,
    /// True when journal rows were left for the next catch-up.
    pub more: bool,
    /// True when a new base was swapped in, even one that changes nobody's data: the
    /// population `percentile` ranks in moved, so the segments that rank customers are
    /// refreshed (`Program::ranks_customers`).
    pub rebased: bool,
}

impl WarmSnapshot {
    /// Loads the whole store. With `db`, later full reloads run on a background thread.
    pub fn load(
        conn: &Connection,
        max_overlay: usize,
        db: Option<PathBuf>,
    ) -> Result<WarmSnapshot, StoreError> {
        let (base, seq) = load_base(conn)?;
        Ok(WarmSnapshot {
            base,
            chunks: Vec::new(),
            owner: HashMap::new(),
            changed: Vec::new(),
            seq,
            fit: latest_fit(conn)?,
            max_overlay,
            db,
            rebase: None,
            since_rebase: Vec::new(),
            pending_full: false,
            compaction: None,
            scores_stale: false,
        })
    }

    /// Reads the stored model scores again into the base and every chunk, after they were
    /// recomputed (scoring changes no other column). A background load in flight read the old
    /// scores, so its result reads them again when it is swapped in.
    pub fn reload_scores(&mut self, conn: &Connection) -> Result<(), StoreError> {
        self.base.reload_scores(conn)?;
        for chunk in &mut self.chunks {
            chunk.snap.reload_scores(conn)?;
        }
        self.scores_stale = self.rebase.is_some() || self.compaction.is_some();
        Ok(())
    }

    /// How many overlay chunks are kept (for tests and the logs).
    pub fn overlay_chunks(&self) -> usize {
        self.chunks.len()
    }

    /// True while a fresh base is loading in the background.
    pub fn is_reloading(&self) -> bool {
        self.rebase.is_some()
    }

    /// How many customers the warm state knows.
    pub fn customers(&self) -> usize {
        let new = self
            .changed
            .iter()
            .filter(|c| self.base.index_of(**c).is_none());
        self.base.len() + new.count()
    }

    /// Applies the journal since the last call (see the module doc). Applied journal rows are
    /// deleted; the daemon is the journal's only reader.
    pub fn catch_up(&mut self, conn: &Connection) -> Result<CatchUp, StoreError> {
        let compacted = self.finish_compaction();
        let swapped = self.finish_rebase()?;
        if self.scores_stale && (compacted || swapped.is_some()) {
            self.reload_scores(conn)?;
        }
        let refresh_all = swapped == Some(true);
        let rebased = swapped.is_some();
        let journal = journal_end(conn)?;
        let fit = latest_fit(conn)?;
        if journal == self.seq && fit == self.fit {
            return Ok(CatchUp {
                customers: Vec::new(),
                reloaded: refresh_all,
                more: false,
                rebased,
            });
        }
        let rows = changes::between(conn, self.seq, journal, MAX_ROWS)?;
        let more = rows.len() as i64 == MAX_ROWS;
        let end = if more {
            rows.last().map_or(journal, |r| r.0)
        } else {
            journal
        };
        let bulk = rows.iter().any(|r| r.1.is_none());
        let mut customers: Vec<i64> = rows.iter().filter_map(|r| r.1).collect();
        customers.sort_unstable();
        customers.dedup();
        if self.rebase.is_some() {
            self.since_rebase
                .extend(rows.iter().filter_map(|&(s, c)| c.map(|c| (s, c))));
        }
        self.seq = end;
        changes::applied(conn, end)?;
        if bulk || fit != self.fit {
            self.fit = fit;
            if self.db.is_none() {
                *self = WarmSnapshot::load(conn, self.max_overlay, None)?;
                return Ok(CatchUp {
                    customers: Vec::new(),
                    reloaded: true,
                    more,
                    rebased: true,
                });
            }
            if self.rebase.is_some() {
                self.pending_full = true;
            }
            self.start_rebase(end, true);
        }
        self.add_chunk(conn, &customers)?;
        if self.changed.len() > self.max_overlay
            && self.rebase.is_none()
            && self.compaction.is_none()
        {
            if self.db.is_none() {
                // The new base holds these customers' data; they are still to be evaluated.
                *self = WarmSnapshot::load(conn, self.max_overlay, None)?;
                return Ok(CatchUp {
                    customers,
                    reloaded: false,
                    more,
                    rebased: true,
                });
            }
            self.start_rebase(end, false);
        }
        Ok(if refresh_all {
            CatchUp {
                customers: Vec::new(),
                reloaded: true,
                more,
                rebased,
            }
        } else {
            CatchUp {
                customers,
                reloaded: false,
                more,
                rebased,
            }
        })
    }

    /// Reads `customers` into a new chunk (or, with too many chunks, all changed customers
    /// into one).
    fn add_chunk(&mut self, conn: &Connection, customers: &[i64]) -> Result<(), StoreError> {
        if customers.is_empty() {
            return Ok(());
        }
        self.changed = merge(&self.changed, customers);
        if self.chunks.len() >= MAX_CHUNKS && self.db.is_none() {
            self.chunks = vec![Chunk {
                snap: Snapshot::load_customers(conn, &self.changed)?,
            }];
            self.owner = self.changed.iter().map(|&c| (c, 0)).collect();
            return Ok(());
        }
        if self.chunks.len() >= MAX_CHUNKS {
            self.start_compaction();
        }
        let index = self.chunks.len();
        self.chunks.push(Chunk {
            snap: Snapshot::load_customers(conn, customers)?,
        });
        for &c in customers {
            self.owner.insert(c, index);
        }
        Ok(())
    }

    /// The members of a segment at `now`, ascending, as a full reload would compute them.
    pub fn members(&self, program: &Program, now: i64) -> Vec<i64> {
        let base = program.members(&self.base, now);
        if self.changed.is_empty() {
            return base;
        }
        let mut out: Vec<i64> = base
            .into_iter()
            .filter(|c| !self.owner.contains_key(c))
            .collect();
        for (i, chunk) in self.chunks.iter().enumerate() {
            let input = crate::compile::EvalInput::at(now);
            let current = program
                .members_in(&chunk.snap, &input, &self.base)
                .into_iter()
                .filter(|c| self.owner.get(c) == Some(&i));
            out.extend(current);
        }
        out.sort_unstable();
        out
    }

    /// The latest time in one customer's newest data (`Snapshot::latest_time`).
    pub fn latest_time(&self, customer: i64) -> i64 {
        let snap = self.current(customer);
        snap.index_of(customer)
            .map_or(crate::store::snapshot::NULL_TIME, |k| snap.latest_time(k))
    }

    /// (time, customer) for every customer whose newest data holds a time after `now`.
    pub fn after(&self, now: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        for (k, &c) in self.base.customer_ids().iter().enumerate() {
            if self.owner.contains_key(&c) {
                continue;
            }
            let t = self.base.latest_time(k);
            if t > now {
                out.push((t, c));
            }
        }
        for &c in &self.changed {
            let t = self.latest_time(c);
            if t > now {
                out.push((t, c));
            }
        }
        out
    }

    fn current(&self, customer: i64) -> &Snapshot {
        match self.owner.get(&customer) {
            Some(&i) => &self.chunks[i].snap,
            None => &self.base,
        }
    }

    /// Whether one customer matches at `now`, from their newest data. A percentile ranks them
    /// among the base's customers: the population as of the last full load.
    pub fn matches(&self, program: &Program, customer: i64, now: i64) -> bool {
        let snap = self.current(customer);
        let input = crate::compile::EvalInput::at(now);
        snap.index_of(customer)
            .is_some_and(|i| program.matches_in(snap, i, &input, &self.base))
    }
}

/// A full snapshot and the journal position it includes; the position is read first, so a
/// change committed during the load is applied again later (harmless) rather than missed.
fn load_base(conn: &Connection) -> Result<(Snapshot, i64), StoreError> {
    let seq = journal_end(conn)?;
    Ok((Snapshot::load(conn)?, seq))
}

fn journal_end(conn: &Connection) -> rusqlite::Result<i64> {
    changes::end(conn)
}

fn latest_fit(conn: &Connection) -> rusqlite::Result<i64> {
    crate::analytics_store::latest_fit_id(conn)
}

/// The sorted union of two ascending lists.
fn merge(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    out.extend_from_slice(a);
    out.extend_from_slice(b);
    out.sort_unstable();
    out.dedup();
    out
}
