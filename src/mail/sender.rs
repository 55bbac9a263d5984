//! The outbox sender: drains due messages in bounded batches, paced to a rate limit, with
//! exponential backoff on transient failures and suppression on hard bounces.
//!
//! Each message goes `queued → sending` (committed) before the network call and `sending → sent`
//! after it. A crash between the two leaves the row in `sending`; `recover` (run at startup)
//! queues it again with the same Message-ID, so at most that one message can reach the server
//! twice, recognisably (ARCHITECTURE.md, invariant 8). Time comes from a `Clock`, so tests control it.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

use super::config::DeliveryConfig;
use super::message::{EmailParts, MessageDefaults, OutgoingEmail};
use super::outbox::{self, OutboxRow, Status};
use super::suppressions;
use super::transport::{SendError, Transport};

/// The sender's source of time; the only place it reads a clock or sleeps.
pub trait Clock {
    /// The current time, unix milliseconds.
    fn now_ms(&self) -> i64;
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration);
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A clock that starts at a given time (`segflow send --now`) and moves on only by the time it
/// waits, so a run is reproducible: the rows due are those due at the start, and every time it
/// records (sent, retry, Date header) is the start plus the pacing waits before it. The waits
/// are real, since the rate limit protects a real server.
#[derive(Debug, Default)]
pub struct PinnedClock {
    now: AtomicI64,
}

impl PinnedClock {
    /// A clock reading `start` (unix milliseconds) until it first sleeps.
    pub fn new(start: i64) -> Self {
        PinnedClock {
            now: AtomicI64::new(start),
        }
    }
}

impl Clock for PinnedClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
        let ms = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        // Saturating, so that no wait can wrap the clock round to the past.
        let _ = self
            .now
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(ms))
            });
    }
}

/// What one drain did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Delivered.
    pub sent: usize,
    /// Failed transiently and queued again for later.
    pub retried: usize,
    /// Failed for good (permanent reply, or out of attempts).
    pub failed: usize,
    /// Of the failed, hard bounces whose address was suppressed.
    pub bounced: usize,
    /// Not attempted because the address is suppressed.
    pub skipped: usize,
}

impl DrainReport {
    /// How many rows this drain handled.
    pub fn processed(&self) -> usize {
        self.sent + self.retried + self.failed + self.skipped
    }
}

/// Delivers outbox rows through a transport.
#[derive(Debug)]
pub struct Sender<T: Transport> {
    transport: T,
    defaults: MessageDefaults,
    config: DeliveryConfig,
}

impl<T: Transport> Sender<T> {
    pub fn new(transport: T, defaults: MessageDefaults, config: DeliveryConfig) -> Self {
        Sender {
            transport,
            defaults,
            config,
        }
    }

    /// The transport, e.g. to inspect a test double.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Queues again the rows a previous process left in `sending`; call once at startup.
    pub fn recover(&self, conn: &Connection, now: i64) -> rusqlite::Result<usize> {
        outbox::recover_in_flight(conn, now)
    }

    /// Sends up to `batch_size` due messages, paced to `rate_per_second`.
    pub fn drain(&self, conn: &Connection, clock: &dyn Clock) -> rusqlite::Result<DrainReport> {
        self.drain_until(conn, clock, &AtomicBool::new(false))
    }

    /// Like `drain`, but stops before the next message once `stop` is set, so a graceful
    /// shutdown never leaves a row in `sending` and the rest of the batch stays queued.
    pub fn drain_until(
        &self,
        conn: &Connection,
        clock: &dyn Clock,
        stop: &AtomicBool,
    ) -> rusqlite::Result<DrainReport> {
        let start = clock.now_ms();
        let rows = outbox::due(conn, start, self.config.batch_size.max(1))?;
        let interval_ms = if self.config.rate_per_second > 0.0 {
            1000.0 / self.config.rate_per_second
        } else {
            0.0
        };
        let mut report = DrainReport::default();
        for (index, row) in rows.iter().enumerate() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            // The n-th message of a drain may start no earlier than n intervals after its start,
            // which holds the rate without drifting when sends are slow.
            let earliest = start + (index as f64 * interval_ms) as i64;
            let now = clock.now_ms();
            if now < earliest {
                clock.sleep(Duration::from_millis((earliest - now) as u64));
            }
            self.deliver(conn, row, clock, &mut report)?;
        }
        Ok(report)
    }

    /// Recovers, then drains until `stop` is set, sleeping `poll_interval_ms` when idle.
    pub fn run(
        &self,
        conn: &Connection,
        clock: &dyn Clock,
        stop: &AtomicBool,
    ) -> rusqlite::Result<()> {
        self.recover(conn, clock.now_ms())?;
        while !stop.load(Ordering::SeqCst) {
            let report = self.drain_until(conn, clock, stop)?;
            if report.processed() == 0 && !stop.load(Ordering::SeqCst) {
                clock.sleep(Duration::from_millis(self.config.poll_interval_ms.max(1)));
            }
        }
        Ok(())
    }

    fn deliver(
        &self,
        conn: &Connection,
        row: &OutboxRow,
        clock: &dyn Clock,
        report: &mut DrainReport,
    ) -> rusqlite::Result<()> {
        if let Some(email) = self.start(conn, row, clock, report)? {
            let result = email.and_then(|email| self.transport.send(&email));
            self.finish(conn, row, result, clock, report)?;
        }
        Ok(())
    }

    /// Skips a suppressed address or claims the row and builds its email; `None` when there is
    /// nothing to send. A message that cannot be built comes back as its permanent error.
    pub(super) fn start(
        &self,
        conn: &Connection,
        row: &OutboxRow,
        clock: &dyn Clock,
        report: &mut DrainReport,
    ) -> rusqlite::Result<Option<Result<OutgoingEmail, SendError>>> {
        if let Some(reason) = suppressions::reason(conn, &row.to_email)? {
            outbox::mark_final(
                conn,
                row.id,
                Status::Skipped,
                &format!("the address is suppressed ({reason})"),
            )?;
            report.skipped += 1;
            return Ok(None);
        }
        if !outbox::claim(conn, row.id)? {
            // Another sender took the row between the query and now.
            return Ok(None);
        }
        let email = OutgoingEmail::build(
            &self.defaults,
            &EmailParts {
                to: &row.to_email,
                subject: &row.subject,
                html: &row.body_html,
                text: &row.body_text,
                message_id: &row.message_id,
                unsubscribe_url: row.unsubscribe_url.as_deref(),
                date_ms: clock.now_ms(),
                outbox_id: Some(row.id),
            },
        )
        .map_err(|e| SendError::permanent(e.to_string()));
        Ok(Some(email))
    }

    /// Records the outcome of one claimed row's attempt.
    pub(super) fn finish(
        &self,
        conn: &Connection,
        row: &OutboxRow,
        result: Result<(), SendError>,
        clock: &dyn Clock,
        report: &mut DrainReport,
    ) -> rusqlite::Result<()> {
        let attempts = row.attempts + 1;
        let done = clock.now_ms();
        match result {
            Ok(()) => {
                outbox::mark_sent(conn, row.id, done)?;
                report.sent += 1;
            }
            Err(SendError::Transient { message }) if attempts < self.config.max_attempts => {
                let next = done + self.config.backoff_ms(attempts);
                outbox::mark_retry(conn, row.id, next, &message)?;
                report.retried += 1;
            }
            Err(SendError::Transient { message }) => {
                let error = format!("gave up after {attempts} attempts: {message}");
                outbox::mark_final(conn, row.id, Status::Failed, &error)?;
                report.failed += 1;
            }
            Err(error @ SendError::Permanent { hard_bounce, .. }) => {
                let error = error.to_string();
                outbox::mark_final(conn, row.id, Status::Failed, &error)?;
                if hard_bounce {
                    suppressions::suppress(
                        conn,
                        &row.to_email,
                        &format!("hard bounce: {error}"),
                        done,
                    )?;
                    report.bounced += 1;
                }
                report.failed += 1;
            }
        }
        Ok(())
    }

    /// The delivery settings.
    pub(super) fn config(&self) -> &DeliveryConfig {
        &self.config
    }
}
