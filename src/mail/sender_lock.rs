//! One sender per outbox at a time. A sender starts by putting back the rows a killed sender
//! left in `sending`; run beside a live sender (the daemon's sender thread, or a `segflow send`
//! from an overlapping cron job) that recovery would take the live sender's message in flight
//! and send it a second time. So every sender holds an OS file lock beside the database for as
//! long as it sends; the kernel releases it however the process ends.

use std::fs::File;
use std::path::{Path, PathBuf};

/// The held lock; sending is allowed while it lives.
#[derive(Debug)]
pub struct SenderLock {
    _file: File,
}

/// Where the lock of the outbox in `db` lives.
pub fn lock_path(db: &Path) -> PathBuf {
    db.with_extension("sender.lock")
}

/// Takes the lock, or `None` when another sender holds it.
pub fn try_lock(db: &Path) -> Result<Option<SenderLock>, String> {
    try_lock_at(&lock_path(db), "sender")
}

/// Takes the lock of the webhook deliveries of `db` (`segflow.webhooks.lock`), which the
/// daemon's webhook thread and `segflow webhooks send` hold the same way, so that one call is
/// not made twice by two of them at once.
pub fn try_lock_webhooks(db: &Path) -> Result<Option<SenderLock>, String> {
    try_lock_at(&db.with_extension("webhooks.lock"), "webhook")
}

fn try_lock_at(path: &Path, what: &str) -> Result<Option<SenderLock>, String> {
    let file = File::create(path)
        .map_err(|e| format!("cannot create the {what} lock {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(SenderLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(format!(
            "cannot lock the {what} lock {}: {e}",
            path.display()
        )),
    }
}
