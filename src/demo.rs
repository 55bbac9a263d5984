//! The demo's live shop: the generated days after `now` played into the store moment by
//! moment, with the daemon's own machinery, so the example workflows meet a shop that lives.
//!
//! At every moment something happens (a sign-up, a checkout, an order, a journey waking, a
//! refresh slot, a held message coming due) the demo does what `segflow run` does at that
//! time: it ingests what happened by then through the ingest API's code, re-evaluates the
//! changed customers on the warm snapshot, refreshes each segment whose slot is due, runs the
//! journey engine and delivers what is due (into files). Every delivered message is then
//! answered, or not, by `generate::response` (an open, a click, an order, later than the
//! send), and the answers join what is still to happen. Time is simulated and every random
//! draw comes from the seeded stream passed in, so a seed gives the same demo every time.

use std::collections::BTreeMap;

use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;

use crate::analytics_store::ScoreOptions;
use crate::daemon::membership::update_customers;
use crate::daemon::warm::WarmSnapshot;
use crate::generate::{Delivered, LiveItem, LiveShop};
use crate::ingest::{shopify, Ingest};
use crate::mail::outbox::{next_due_after, sent_after};
use crate::mail::{Clock, Sender, Transport};
use crate::repository::CompiledSegment;
use crate::schedule::slots::{claim_due, complete, next_wake as next_slot, segment_job};
use crate::segment::refresh::store_members;
use crate::workflow::{next_wake, run_once, AdvanceReport, Dispatcher, Workflows};

/// How long after a sign-up, checkout or order the engine runs, in milliseconds.
const AFTER: i64 = 1_000;

/// A clock stopped at a simulated moment: the sender delivers what is due then, at once.
struct SimulatedClock(i64);

impl Clock for SimulatedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }

    fn sleep(&self, _duration: std::time::Duration) {}
}

/// What the live days brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveReport {
    pub journeys: AdvanceReport,
    /// Ingested: new customers, orders and events (all kinds).
    pub signups: usize,
    pub orders: usize,
    pub events: usize,
    /// The answers to the mail: opens, clicks and orders after a click.
    pub opens: usize,
    pub clicks: usize,
    pub mail_orders: usize,
    /// Moments the engine ran at.
    pub moments: usize,
}

/// Why the live days stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the store: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the journeys: {0}")]
    Journeys(#[from] crate::workflow::EngineError),
    #[error("writing a live item: {0}")]
    Write(#[from] crate::ingest::write::WriteError),
    #[error("re-scoring the customers: {0}")]
    Scores(#[from] crate::analytics_store::ScoreError),
}

/// The merchant's compiled files the demo runs.
pub struct Files<'a> {
    pub segments: &'a [CompiledSegment],
    pub workflows: &'a Workflows,
    /// How to re-score before the refresh of a segment that reads model scores.
    pub scores: &'a ScoreOptions,
}

/// Plays the live days of `live` into the store (see the module doc).
pub fn play<T: Transport>(
    conn: &mut Connection,
    files: &Files,
    dispatcher: &mut dyn Dispatcher,
    sender: &Sender<T>,
    live: &mut LiveShop,
    rng: &mut ChaCha8Rng,
    max_overlay: usize,
) -> Result<LiveReport, DemoError> {
    let mut report = LiveReport::default();
    let mut pending: BTreeMap<(i64, u64), LiveItem> = BTreeMap::new();
    let mut seq = 0u64;
    for item in std::mem::take(&mut live.items) {
        pending.insert((item.at, seq), item);
        seq += 1;
    }
    let mut warm = WarmSnapshot::load(conn, max_overlay, None)?;
    let mut next_due = vec![None; files.segments.len()];
    let mut last_sent = 0;
    let mut t = live.start;
    loop {
        report.moments += 1;
        ingest(conn, &mut pending, t, &mut report)?;
        membership(conn, files, &mut warm, &mut next_due, t)?;
        report
            .journeys
            .add(&run_once(conn, files.workflows, t, dispatcher)?);
        let clock = SimulatedClock(t);
        while sender.drain(conn, &clock)?.processed() > 0 {}
        for sent in sent_after(conn, last_sent)? {
            last_sent = sent.id;
            let delivered = Delivered {
                workflow: sent.workflow,
                step: sent.step,
                customer: sent.customer,
                customer_id: sent.customer_external_id,
                message_id: sent.message_id,
                sent_at: sent.sent_at,
            };
            for item in live.respond(&delivered, rng) {
                report.mail_orders += usize::from(matches!(item.item, Ingest::Order(_)));
                pending.insert((item.at, seq), item);
                seq += 1;
            }
        }
        if t >= live.end {
            break;
        }
        t = next_moment(conn, files, &pending, t)?.min(live.end);
    }
    Ok(report)
}

/// The next moment after `t` the engine has something to do.
fn next_moment(
    conn: &Connection,
    files: &Files,
    pending: &BTreeMap<(i64, u64), LiveItem>,
    t: i64,
) -> Result<i64, DemoError> {
    // The engine runs a moment after what happened, as the daemon's next pass does after a
    // write: a journey entered for a first order must not count that order as its goal.
    let item = pending.values().find(|i| i.wakes).map(|i| i.at + AFTER);
    let journeys = next_wake(conn, files.workflows, t)?;
    let slots = next_slot(files.segments.iter().map(|s| &s.refresh), t);
    let held = next_due_after(conn, t)?;
    Ok([item, journeys, slots, held]
        .into_iter()
        .flatten()
        .filter(|&at| at > t)
        .min()
        .unwrap_or(i64::MAX))
}

/// Writes everything that happened by `t`, in one transaction, as the ingest API would.
fn ingest(
    conn: &mut Connection,
    pending: &mut BTreeMap<(i64, u64), LiveItem>,
    t: i64,
    report: &mut LiveReport,
) -> Result<(), DemoError> {
    let due: Vec<LiveItem> = {
        let later = pending.split_off(&(t + 1, 0));
        std::mem::replace(pending, later).into_values().collect()
    };
    if due.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for item in &due {
        shopify::write(&tx, &item.item, item.at)?;
        match &item.item {
            Ingest::Customer(_) => report.signups += 1,
            Ingest::Order(_) => report.orders += 1,
            Ingest::Event(e) => {
                report.events += 1;
                match e.event_type.as_str() {
                    "email_opened" => report.opens += 1,
                    "email_clicked" => report.clicks += 1,
                    _ => {}
                }
            }
        }
    }
    Ok(tx.commit()?)
}

/// Moves the changed customers between segments at once (as the daemon does after each
/// write) and refreshes every segment whose slot is due.
fn membership(
    conn: &mut Connection,
    files: &Files,
    warm: &mut WarmSnapshot,
    next_due: &mut [Option<i64>],
    t: i64,
) -> Result<(), DemoError> {
    let segments = files.segments;
    loop {
        let caught = warm.catch_up(conn)?;
        if caught.reloaded {
            for s in segments {
                let members = warm.members(&s.program, t);
                store_members(conn, &s.name, &members, t)?;
            }
        } else if !caught.customers.is_empty() {
            update_customers(conn, segments, warm, &caught.customers, t)?;
        }
        if !caught.more {
            break;
        }
    }
    let mut rescored = false;
    for (s, due) in segments.iter().zip(next_due.iter_mut()) {
        // Claiming is a write; between slots there is nothing to claim.
        if due.is_some_and(|due| t < due) {
            continue;
        }
        let job = segment_job(&s.name);
        if let Some(claim) = claim_due(conn, &job, &s.refresh, t)? {
            // As in the daemon, a segment that reads model scores reads them as of its refresh.
            if s.uses_scores && !rescored {
                crate::analytics_store::refresh_scores(conn, t, files.scores)?;
                warm.reload_scores(conn)?;
                rescored = true;
            }
            let members = warm.members(&s.program, t);
            store_members(conn, &s.name, &members, t)?;
            complete(conn, &job, claim.slot, t)?;
        }
        *due = s.refresh.next_after(t);
    }
    Ok(())
}
