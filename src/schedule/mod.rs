//! The scheduler's library: when jobs are due (`Cadence`) and which slots have run
//! (`schedule_slots`), for the daemon's loop and for workflow schedule triggers.
//!
//! A *job* is a name (`segment:NAME` for a segment's `refresh:`, the workflow name for a
//! workflow's `schedule:` trigger) with a cadence. A *slot* is one instant at which the cadence
//! fires, computed from the cadence alone so that every process agrees on it.
//!
//! # Policy
//!
//! - **Once per slot.** A slot is claimed by inserting `(job, slot)` under `UNIQUE(job, slot)`,
//!   so neither a restart, nor a second process, nor a DST change (a fall-back night repeats the
//!   local hour but not the instant) can claim a slot twice.
//! - **Catch-up: once, the latest.** After downtime, the missed slots of a job run once, as the
//!   latest slot at or before `now`; the older ones are skipped, never recorded. A segment
//!   refreshed at 09:00 already reflects 06:00, 07:00 and 08:00.
//! - **New jobs run at once.** A job with no row in `schedule_slots` claims the latest slot at or
//!   before `now`, so a newly added `refresh:` refreshes on the daemon's first pass. Workflow
//!   schedule triggers differ on purpose and keep their earlier behaviour: a workflow first seen
//!   starts journeys from its next slot on, never for a past one.
//! - **Resume an unfinished slot.** A claimed slot without `done_at` (the process crashed or the
//!   job failed before `complete`) is handed out again, flagged `resumed`, before any newer slot,
//!   until it is completed. Jobs are therefore written to be safe to run twice for one slot
//!   (a segment refresh is: membership is recomputed, not appended).
//! - **One scheduler per store.** The resume rule cannot tell a crashed claimer from a live one
//!   that is still running the job; two daemons on one store would both run a slot, the second as
//!   a resume. The daemon must hold the store exclusively.

pub mod cadence;
pub use crate::store::slots;

pub use cadence::Cadence;
pub use slots::{claim_due, complete, next_wake, segment_job, Claim};
