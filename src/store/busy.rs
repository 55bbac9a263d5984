//! Waiting for the write lock beside a running daemon.
//!
//! Merchants run `segflow import`, `refresh` and the other writing commands from cron while
//! `segflow run` ingests events. SQLite lets one connection write at a time, so a command must
//! wait for the lock rather than fail at once, and it must be able to wait at all: a DEFERRED
//! transaction that reads first and writes later fails immediately with "database is locked"
//! when another connection committed in between (SQLite cannot wait there without deadlocking).
//! A command's connection therefore begins every transaction IMMEDIATE, taking the write lock up
//! front where waiting is safe, and waits through a busy handler bounded by `[store]
//! busy_timeout`. The handler remembers when it gave up, so the command can say that it timed
//! out waiting for the lock instead of passing on SQLite's bare "database is locked".

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

/// The pauses between attempts, in milliseconds, as SQLite's own busy timeout takes them: short
/// at first, so a lock held for one group commit costs little, then 100 ms each.
const PAUSES_MS: [u64; 12] = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/// How long a connection waits for a lock, and whether it ever gave up.
#[derive(Debug, Clone)]
pub struct LockWait {
    timeout: Duration,
    gave_up: Arc<AtomicBool>,
}

impl LockWait {
    pub fn new(timeout: Duration) -> LockWait {
        LockWait {
            timeout,
            gave_up: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The longest one lock is waited for.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether a connection of this wait stopped waiting for a lock after the whole timeout.
    pub fn gave_up(&self) -> bool {
        self.gave_up.load(Ordering::SeqCst)
    }

    /// Makes `conn` begin its transactions IMMEDIATE and wait up to the timeout for each lock.
    pub fn install(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        let timeout = self.timeout;
        let gave_up = Arc::clone(&self.gave_up);
        let mut started = Instant::now();
        conn.busy_handler(Some(move |attempt: i32| {
            // SQLite counts the attempts of one lock from 0, so the first call starts the clock.
            if attempt == 0 {
                started = Instant::now();
            }
            let waited = started.elapsed();
            if waited >= timeout {
                gave_up.store(true, Ordering::SeqCst);
                return false;
            }
            let pause = usize::try_from(attempt)
                .ok()
                .and_then(|i| PAUSES_MS.get(i))
                .copied()
                .unwrap_or(100);
            std::thread::sleep(Duration::from_millis(pause).min(timeout - waited));
            true
        }))
    }
}

/// Says in words how long `d` is: `30s`, `1.5s`, `250ms`.
pub fn describe(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1_000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1_000) {
        format!("{}s", ms / 1_000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_up_after_the_timeout_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x); BEGIN IMMEDIATE;")
            .unwrap();
        let wait = LockWait::new(Duration::from_millis(300));
        let mut conn = Connection::open(&path).unwrap();
        wait.install(&mut conn).unwrap();
        let started = Instant::now();
        assert!(conn.transaction().is_err());
        let waited = started.elapsed();
        assert!(wait.gave_up());
        assert!(waited >= Duration::from_millis(300), "waited {waited:?}");
        assert!(waited < Duration::from_secs(3), "waited {waited:?}");
    }

    #[test]
    fn waits_for_a_lock_released_in_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x); BEGIN IMMEDIATE;")
            .unwrap();
        let wait = LockWait::new(Duration::from_secs(10));
        let mut conn = Connection::open(&path).unwrap();
        wait.install(&mut conn).unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            holder
                .execute_batch("INSERT INTO t VALUES (1); COMMIT")
                .unwrap();
        });
        let tx = conn.transaction().unwrap();
        tx.execute("INSERT INTO t VALUES (2)", []).unwrap();
        tx.commit().unwrap();
        release.join().unwrap();
        assert!(!wait.gave_up());
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(describe(Duration::from_secs(30)), "30s");
        assert_eq!(describe(Duration::from_millis(1500)), "1.5s");
        assert_eq!(describe(Duration::from_millis(250)), "250ms");
    }
}
