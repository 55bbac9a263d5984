//! The warm state's background work: loading a fresh base (a rebase) and merging overlay
//! chunks (a compaction), each on its own thread and connection, so the engine thread never
//! stalls on a large read; the result is swapped in at a later catch-up.

use std::thread::JoinHandle;

use super::{load_base, Chunk, Rebase, WarmSnapshot};
use crate::store::snapshot::Snapshot;
use crate::store::StoreError;

/// Chunks `0..merged` being read again as one snapshot of `ids`.
pub(super) struct Compaction {
    merged: usize,
    ids: Vec<i64>,
    handle: JoinHandle<Result<Snapshot, StoreError>>,
}

impl WarmSnapshot {
    pub(super) fn start_rebase(&mut self, from_seq: i64, refresh: bool) {
        let Some(db) = self.db.clone() else { return };
        if self.rebase.is_some() {
            return;
        }
        tracing::info!(
            changed = self.changed.len(),
            "loading a fresh snapshot in the background"
        );
        // The swap renumbers the overlay; a merge in flight would not fit it afterwards, and
        // the fresh base makes it unnecessary (its thread ends on its own, unread).
        self.compaction = None;
        self.since_rebase.clear();
        let handle = std::thread::spawn(move || {
            crate::daemon::priority::lower_this_thread();
            let conn = crate::store::open(&db)?;
            load_base(&conn)
        });
        self.rebase = Some(Rebase {
            from_seq,
            handle,
            refresh,
        });
    }

    /// Swaps in a finished background load; `Some(refresh)` when it did, where `refresh` says
    /// whether every segment must be re-evaluated. The overlay keeps the customers changed since
    /// the load began (their data there is newer than the base's) and drops the others.
    pub(super) fn finish_rebase(&mut self) -> Result<Option<bool>, StoreError> {
        if !self.rebase.as_ref().is_some_and(|r| r.handle.is_finished()) {
            return Ok(None);
        }
        let Some(rebase) = self.rebase.take() else {
            return Ok(None);
        };
        let (base, loaded_at) = match rebase.handle.join() {
            Ok(result) => result?,
            Err(_) => {
                tracing::error!("the background snapshot load panicked; keeping the current one");
                return Ok(None);
            }
        };
        let floor = loaded_at.min(rebase.from_seq);
        let mut again: Vec<i64> = self
            .since_rebase
            .drain(..)
            .filter(|&(s, _)| s > floor)
            .map(|(_, c)| c)
            .collect();
        again.sort_unstable();
        again.dedup();
        self.base = base;
        self.owner.retain(|c, _| again.binary_search(c).is_ok());
        self.changed = again
            .into_iter()
            .filter(|c| self.owner.contains_key(c))
            .collect();
        if self.changed.is_empty() {
            self.chunks.clear();
            self.owner.clear();
        }
        tracing::info!(
            customers = self.base.len(),
            kept = self.changed.len(),
            "fresh snapshot swapped in"
        );
        if std::mem::take(&mut self.pending_full) {
            self.start_rebase(self.seq, true);
        }
        Ok(Some(rebase.refresh))
    }

    /// Starts reading every changed customer into one snapshot that will replace the chunks
    /// existing now; not while a rebase runs (its swap renumbers the overlay).
    pub(super) fn start_compaction(&mut self) {
        let Some(db) = self.db.clone() else { return };
        if self.compaction.is_some() || self.rebase.is_some() {
            return;
        }
        let ids = self.changed.clone();
        let for_thread = ids.clone();
        let handle = std::thread::spawn(move || {
            crate::daemon::priority::lower_this_thread();
            let conn = crate::store::open(&db)?;
            Snapshot::load_customers(&conn, &for_thread)
        });
        self.compaction = Some(Compaction {
            merged: self.chunks.len(),
            ids,
            handle,
        });
    }

    /// Replaces the chunks a finished compaction covered by its one snapshot. A customer whose
    /// newest data is in a covered chunk changed before the compaction began reading, so the
    /// merged snapshot holds data at least as new; customers changed since keep their chunk.
    /// Returns whether it did.
    pub(super) fn finish_compaction(&mut self) -> bool {
        if !self
            .compaction
            .as_ref()
            .is_some_and(|c| c.handle.is_finished())
        {
            return false;
        }
        let Some(c) = self.compaction.take() else {
            return false;
        };
        let snap = match c.handle.join() {
            Ok(Ok(snap)) => snap,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "merging the overlay failed; it is retried");
                return false;
            }
            Err(_) => {
                tracing::error!("merging the overlay panicked; it is retried");
                return false;
            }
        };
        let later = self.chunks.split_off(c.merged);
        self.chunks = std::iter::once(Chunk { snap }).chain(later).collect();
        for (customer, index) in self.owner.iter_mut() {
            if *index < c.merged {
                // Every customer owned by a covered chunk was changed before the compaction
                // started, so it is among `ids`.
                debug_assert!(c.ids.binary_search(customer).is_ok());
                *index = 0;
            } else {
                *index = *index + 1 - c.merged;
            }
        }
        true
    }
}
