//! Concurrent delivery: up to N messages in flight over N pooled connections, for relays where
//! one connection's round trips cap the rate.
//!
//! Only the calling thread touches SQLite: it claims rows, builds emails and records outcomes,
//! while worker threads do nothing but hand finished emails to the transport. Rows are still
//! marked `sending` before their network call, so the crash guarantee keeps its shape, but with
//! N connections up to N messages can be in flight at a crash, so up to N may arrive twice.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use super::message::OutgoingEmail;
use super::outbox;
use super::sender::{Clock, DrainReport, Sender};
use super::transport::{SendError, Transport};

impl<T: Transport + Sync> Sender<T> {
    /// Like `drain_until`, with up to `connections` sends at once; 0 or 1 is `drain_until`.
    pub fn drain_concurrent(
        &self,
        conn: &Connection,
        clock: &dyn Clock,
        stop: &AtomicBool,
        connections: usize,
    ) -> rusqlite::Result<DrainReport> {
        if connections <= 1 {
            return self.drain_until(conn, clock, stop);
        }
        let config = self.config();
        let start = clock.now_ms();
        let rows = outbox::due(conn, start, config.batch_size.max(1))?;
        let interval_ms = if config.rate_per_second > 0.0 {
            1000.0 / config.rate_per_second
        } else {
            0.0
        };
        let mut report = DrainReport::default();
        // A rendezvous channel: a row is handed over only when a worker is free, so no more than
        // `connections` claimed rows wait on the network at any time.
        let (job_tx, job_rx) = mpsc::sync_channel::<(usize, OutgoingEmail)>(0);
        let job_rx = Mutex::new(job_rx);
        let (done_tx, done_rx) = mpsc::channel::<(usize, Result<(), SendError>)>();
        std::thread::scope(|scope| -> rusqlite::Result<()> {
            for _ in 0..connections {
                let done_tx = done_tx.clone();
                let job_rx = &job_rx;
                scope.spawn(move || loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((index, email)) = job else { return };
                    if done_tx
                        .send((index, self.transport().send(&email)))
                        .is_err()
                    {
                        return;
                    }
                });
            }
            drop(done_tx);
            for (index, row) in rows.iter().enumerate() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let earliest = start + (index as f64 * interval_ms) as i64;
                let now = clock.now_ms();
                if now < earliest {
                    clock.sleep(Duration::from_millis((earliest - now) as u64));
                }
                // Record what finished meanwhile, so outcomes are committed as soon as possible.
                while let Ok((done, result)) = done_rx.try_recv() {
                    self.finish(conn, &rows[done], result, clock, &mut report)?;
                }
                let handed = match self.start(conn, row, clock, &mut report)? {
                    None => continue,
                    // Sending fails only if every worker is gone; the email then counts as not sent.
                    Some(Ok(email)) => job_tx
                        .send((index, email))
                        .map_err(|_| SendError::transient("no delivery thread is running")),
                    Some(Err(error)) => Err(error),
                };
                if let Err(error) = handed {
                    self.finish(conn, row, Err(error), clock, &mut report)?;
                }
            }
            drop(job_tx);
            for (done, result) in done_rx {
                self.finish(conn, &rows[done], result, clock, &mut report)?;
            }
            Ok(())
        })?;
        Ok(report)
    }
}
