//! The daemon's engine thread: one loop that keeps segments fresh and runs the journeys.
//!
//! Each pass, in order: pick up edited rule files (hot reload); apply the change journal to the
//! warm snapshot and re-evaluate only the changed customers against every segment; run the
//! segment refreshes whose slot is due; run the journey engine (new triggers, due journeys);
//! record its state for `segflow status`. Then it sleeps until new data is committed, the
//! next slot or journey wake-up, or the tick, whichever comes first. Every step is idempotent
//! over the store, so a crash between two steps is repaired by the next pass.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::membership::update_customers;
use super::metrics::Metrics;
use super::status;
use super::wake::Wake;
use super::warm::WarmSnapshot;
use crate::config::Config;
use crate::mail::Clock;
use crate::repository::{fingerprint, rescore, Generation, Paths};
use crate::schedule::{claim_due, complete, next_wake, segment_job};
use crate::segment::refresh::store_members;

/// Why an engine pass failed; the pass is retried at the next tick.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    #[error("reading or writing the store failed: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the journeys could not advance: {0}")]
    Journeys(#[from] crate::workflow::EngineError),
    #[error("re-scoring the customer models failed: {0}")]
    Scores(#[from] crate::analytics_store::ScoreError),
    #[error("segment {segment}: storing its members failed: {source}")]
    Segment {
        segment: String,
        source: rusqlite::Error,
    },
}

pub struct Engine {
    /// Where every pass, journey step and reload takes its time from.
    pub clock: Arc<dyn Clock + Send + Sync>,
    pub conn: Connection,
    pub gen: Generation,
    pub warm: WarmSnapshot,
    pub paths: Paths,
    pub config: Config,
    pub metrics: Arc<Metrics>,
    /// Raised by the writer after each commit.
    pub wake: Arc<Wake>,
    /// Raised here when mail was queued, for the sender.
    pub send_wake: Arc<Wake>,
    pub stop: Arc<AtomicBool>,
    pub last_poll: Instant,
    /// Each segment job's next slot after its last claim. Claiming takes the write lock, which
    /// the HTTP writer holds most of the time under load, so a job is only asked for when its
    /// next slot has come (or after a reload, when the map is emptied).
    pub next_due: HashMap<String, i64>,
    /// When the heartbeat was last written.
    pub last_beat: Option<Instant>,
    /// (time, customer): customers whose data holds a time after the pass that evaluated them
    /// (an order stamped by a clock ahead of ours, or written while the pass ran). Evaluation
    /// at `now` does not see such data yet, so each is evaluated again when its time has come
    /// instead of waiting for the segment's next full refresh.
    pub future: BTreeSet<(i64, i64)>,
    /// The `now` of the last re-scoring, so one pass re-scores once however many segments
    /// read scores.
    pub rescored_at: Option<i64>,
}

impl Engine {
    /// Runs passes until `stop` is set; a failing pass is logged and retried on the next one.
    pub fn run(mut self) {
        while !self.stop.load(Ordering::SeqCst) {
            let now = self.clock.now_ms();
            let sleep = match self.pass(now) {
                Ok(next) => {
                    Duration::from_millis((next - now).clamp(0, self.config.daemon.tick) as u64)
                }
                Err(e) => {
                    tracing::error!(error = %e, "engine pass failed; retrying at the next tick");
                    Duration::from_millis(self.config.daemon.tick as u64)
                }
            };
            if !sleep.is_zero() {
                self.wake.wait(sleep);
            }
        }
        tracing::info!("engine stopped");
    }

    /// One pass at `now`; returns when the next pass is due at the latest (`now` itself when
    /// journal rows are left for the next pass).
    pub fn pass(&mut self, now: i64) -> Result<i64, PassError> {
        self.maybe_reload();
        // Event triggers first: starting a journey from an event needs no segment work, so a
        // burst of changed customers below never delays it by more than one bounded pass.
        let mut report = self.journeys(self.clock.now_ms())?;
        let started = Instant::now();
        let mut moved = false;
        let caught = self.warm.catch_up(&self.conn)?;
        if caught.reloaded {
            moved = true;
            tracing::info!("store reloaded: every segment refreshed");
            self.rescore_for(0..self.gen.segments.len(), now);
            for i in 0..self.gen.segments.len() {
                self.refresh_segment(i, now)?;
            }
            self.future.extend(self.warm.after(now));
        } else if caught.rebased {
            // A new base moved the population `percentile` ranks in, for every customer.
            for i in 0..self.gen.segments.len() {
                if self.gen.segments[i].program.ranks_customers() {
                    moved = true;
                    self.refresh_segment(i, now)?;
                }
            }
        }
        let mut changed = if caught.reloaded {
            Vec::new()
        } else {
            caught.customers
        };
        while let Some(&(at, customer)) = self.future.first() {
            if at > now {
                break;
            }
            self.future.pop_first();
            changed.push(customer);
        }
        changed.sort_unstable();
        changed.dedup();
        if !changed.is_empty() {
            let changes = update_customers(
                &mut self.conn,
                &self.gen.segments,
                &self.warm,
                &changed,
                now,
            )?;
            moved |= changes > 0;
            for &c in &changed {
                let latest = self.warm.latest_time(c);
                if latest > now {
                    self.future.insert((latest, c));
                }
            }
            tracing::debug!(
                customers = changed.len(),
                changes,
                micros = started.elapsed().as_micros() as u64,
                "changed customers re-evaluated"
            );
        }
        // The due slots are claimed first, so that the scores the claimed segments read are
        // brought up to date once for all of them. A claimed job's next due time is recorded
        // only once its slot is complete: a refresh that fails is retried at the next pass
        // (its claim resumes), not skipped until the next slot.
        let mut claimed = Vec::new();
        for i in 0..self.gen.segments.len() {
            let job = segment_job(&self.gen.segments[i].name);
            if self.next_due.get(&job).is_some_and(|&due| now < due) {
                continue;
            }
            let cadence = self.gen.segments[i].refresh.clone();
            let next = cadence.next_after(now);
            match claim_due(&mut self.conn, &job, &cadence, now)? {
                Some(claim) => claimed.push((i, job, claim.slot, next)),
                None => {
                    if let Some(next) = next {
                        self.next_due.insert(job, next);
                    }
                }
            }
        }
        self.rescore_for(claimed.iter().map(|c| c.0), now);
        for (i, job, slot, next) in claimed {
            self.refresh_segment(i, now)?;
            complete(&self.conn, &job, slot, now)?;
            if let Some(next) = next {
                self.next_due.insert(job, next);
            }
            moved = true;
        }
        // Again, for the segment changes just recorded.
        if moved {
            report.add(&self.journeys(self.clock.now_ms())?);
        }
        if report.started > 0 || report.sent > 0 {
            tracing::info!(
                started = report.started,
                queued = report.sent,
                steps = report.steps,
                "journeys advanced"
            );
        }
        self.metrics
            .journeys_started
            .fetch_add(report.started as u64, Ordering::Relaxed);
        if report.sent > 0 {
            self.send_wake.raise();
        }
        for e in self.gen.dispatcher.errors.drain(..) {
            tracing::warn!(error = %e, "a step's email was not queued");
        }
        if self
            .last_beat
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            self.gauges()?;
            status::heartbeat(&self.conn, now, &self.metrics)?;
            self.last_beat = Some(Instant::now());
        }
        if caught.more {
            return Ok(now);
        }
        self.next_wake(now)
    }

    /// Starts journeys from new triggers and advances the due ones, at `now` (taken when the
    /// step runs, so a journey's `entered_at` is never before its event's receipt).
    fn journeys(&mut self, now: i64) -> Result<crate::workflow::AdvanceReport, PassError> {
        crate::workflow::run_once(
            &mut self.conn,
            &self.gen.workflows,
            now,
            &mut self.gen.dispatcher,
        )
        .map_err(PassError::from)
    }

    fn next_wake(&self, now: i64) -> Result<i64, PassError> {
        let tick = now + self.config.daemon.tick;
        let slots = next_wake(self.gen.segments.iter().map(|s| &s.refresh), now);
        let journeys = crate::store::journeys::next_wake(&self.conn)?;
        let future = self.future.first().map(|&(at, _)| at);
        Ok([Some(tick), slots, journeys, future]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(tick))
    }

    /// Recomputes the model scores at `now` when one of these segments reads them, as
    /// `segflow refresh` does (`repository::refresh`), and gives the warm state the new scores;
    /// at most once per `now`. A failure is logged and the segments are refreshed with the
    /// scores stored before: re-scoring must never keep a segment from being refreshed.
    fn rescore_for(&mut self, segments: impl IntoIterator<Item = usize>, now: i64) {
        if self.rescored_at == Some(now)
            || !segments
                .into_iter()
                .any(|i| self.gen.segments[i].uses_scores)
        {
            return;
        }
        self.rescored_at = Some(now);
        let started = Instant::now();
        let scored = rescore(&mut self.conn, now, &self.config)
            .map_err(PassError::from)
            .and_then(|n| {
                self.warm.reload_scores(&self.conn)?;
                Ok(n)
            });
        match scored {
            Ok(customers) => tracing::info!(
                customers,
                millis = started.elapsed().as_millis() as u64,
                "model scores recomputed for the segments that read them"
            ),
            Err(e) => tracing::error!(
                error = %e,
                "re-scoring the models failed; the segments are refreshed with the scores stored before"
            ),
        }
    }

    fn refresh_segment(&mut self, index: usize, now: i64) -> Result<(), PassError> {
        let s = &self.gen.segments[index];
        let started = Instant::now();
        let members = self.warm.members(&s.program, now);
        let seconds = started.elapsed().as_secs_f64();
        let (entered, exited) =
            store_members(&mut self.conn, &s.name, &members, now).map_err(|source| {
                PassError::Segment {
                    segment: s.name.clone(),
                    source,
                }
            })?;
        self.metrics.segment(&s.name, seconds, members.len());
        tracing::info!(segment = %s.name, members = members.len(), entered, exited, millis = (seconds * 1000.0) as u64, "segment refreshed");
        Ok(())
    }

    /// Swaps in edited files when they all check; keeps the running set otherwise.
    fn maybe_reload(&mut self) {
        if self.last_poll.elapsed() < Duration::from_millis(self.config.daemon.reload_poll as u64) {
            return;
        }
        self.last_poll = Instant::now();
        if fingerprint(&self.paths) == self.gen.fingerprint {
            return;
        }
        match Generation::load(&self.paths, &self.config) {
            Ok(gen) => {
                tracing::info!(
                    segments = gen.segments.len(),
                    workflows = gen.workflows.workflows.len(),
                    "rules, workflows and templates reloaded"
                );
                // A workflow added by the edit goes live now.
                let now = self.clock.now_ms();
                if let Err(e) = crate::workflow::activate(&mut self.conn, &gen.workflows, now) {
                    tracing::error!(error = %e, "cannot record the activation of new workflows");
                }
                self.gen = gen;
                self.next_due.clear();
                self.metrics.reload("ok");
                let _ = status::set(&self.conn, "reload_error", "", self.clock.now_ms());
            }
            Err(error) => {
                let errors = error.to_string();
                // The fingerprint of the broken files is remembered, so the same errors are
                // reported once, not on every poll, until the files change again.
                self.gen.fingerprint = fingerprint(&self.paths);
                self.metrics.reload("error");
                tracing::error!("the edited files have errors; the previous rules stay active until they are fixed:\n{errors}");
                let _ = status::set(&self.conn, "reload_error", &errors, self.clock.now_ms());
            }
        }
    }

    fn gauges(&self) -> Result<(), PassError> {
        let active = crate::store::journeys::running(&self.conn)?;
        let depth = crate::mail::outbox::pending(&self.conn)?;
        self.metrics
            .journeys_active
            .store(active, Ordering::Relaxed);
        self.metrics.outbox_depth.store(depth, Ordering::Relaxed);
        Ok(())
    }
}
