//! The daemon's webhook thread: every second it queues what the journals have new for the
//! configured webhooks and makes the due calls, on its own connection and thread, so a slow
//! endpoint never delays ingestion, journeys or mail.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::wake::Wake;
use super::writer;
use crate::mail::Clock;
use crate::webhooks::{deliver, pump, Webhook};

pub fn webhook_loop(
    db: &Path,
    hooks: &[Webhook],
    stop: &AtomicBool,
    wake: &Wake,
    clock: &dyn Clock,
) {
    let mut conn = match crate::store::open(db) {
        Ok(conn) => conn,
        Err(e) => {
            tracing::error!(error = %e, "the webhook thread cannot open the store; webhooks wait for a restart");
            return;
        }
    };
    writer::immediate(&mut conn);
    // A `segflow webhooks send` from cron may be calling right now: wait for it.
    let _lock = loop {
        match crate::mail::sender_lock::try_lock_webhooks(db) {
            Ok(Some(lock)) => break lock,
            Ok(None) => {}
            Err(e) => {
                tracing::error!(error = %e, "the webhook thread cannot take its lock; retrying")
            }
        }
        if stop.load(Ordering::SeqCst) {
            return;
        }
        wake.wait(Duration::from_secs(1));
    };
    while !stop.load(Ordering::SeqCst) {
        let now = clock.now_ms();
        let pass = pump(&mut conn, hooks, now).and_then(|queued| {
            let r = deliver(&conn, hooks, now)?;
            Ok((queued, r))
        });
        match pass {
            Ok((queued, r)) if queued + r.processed() > 0 => {
                tracing::info!(
                    queued,
                    delivered = r.delivered,
                    retried = r.retried,
                    failed = r.failed,
                    "webhooks"
                );
                if r.delivered > 0 {
                    continue;
                }
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "webhooks failed; retrying"),
        }
        wake.wait(Duration::from_secs(1));
    }
}
