//! The SQLite store: the system of record for customers, products, orders, order items, events
//! and segment membership.
//!
//! The store knows nothing of the DSL. It opens the database with the pragmas segflow relies on
//! (WAL, `synchronous=NORMAL`, foreign keys, a busy timeout), applies migrations, imports CSV, and
//! reads the data into the columnar snapshot the fast evaluator runs on.

mod busy;
pub mod changes;
pub mod customer_context;
pub mod customers;
pub mod daemon_state;
pub mod events;
pub mod import;
pub mod journeys;
pub mod mail_feedback;
pub mod mailgun_tokens;
pub mod membership;
mod merge_patch;
mod migrations;
pub mod order_status;
pub mod orders;
pub mod outbox;
pub mod reports;
pub mod scores;
pub mod shopify_deliveries;
pub mod slots;
pub mod snapshot;
pub mod suppressions;
pub mod webhooks;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use busy::{describe as describe_wait, LockWait};
pub use migrations::{change_triggers, SCHEMA_VERSION};

/// Moves the WAL into the database file without waiting for readers or the writer (PASSIVE),
/// as the daemon's checkpoint thread does once a second.
pub fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}

/// Errors of the store layer, with the database path where it helps.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("the database was written by a newer segflow (schema version {found}, this build knows up to {supported}); upgrade segflow")]
    TooNew { found: i64, supported: i64 },
    #[error(
        "there is no store at {path}; import a shop first (`segflow import`) or pass --db FILE"
    )]
    Missing { path: PathBuf },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Opens (creating if needed) the database at `path` and brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    configure(&conn)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

/// Opens the database like [`open`] for a command that may run beside the daemon: every
/// transaction begins IMMEDIATE and each lock is waited for as `wait` says (see `busy.rs`).
pub fn open_waiting(path: &Path, wait: &LockWait) -> Result<Connection, StoreError> {
    let mut conn = Connection::open(path).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    wait.install(&mut conn)?;
    configure(&conn)?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

/// Opens a private in-memory database with the full schema; used by tests and previews.
pub fn open_in_memory() -> Result<Connection, StoreError> {
    let mut conn = Connection::open_in_memory()?;
    configure(&conn)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    migrations::migrate(&mut conn)?;
    Ok(conn)
}

/// Opens the existing store at `path` read-only: nothing is created, migrated or written.
pub fn open_read_only(path: &Path) -> Result<Connection, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Missing {
            path: path.to_path_buf(),
        });
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// A private in-memory copy of the store, brought up to this build's schema, for what-if runs
/// (`segflow diff`) that must write without touching the merchant's data. It costs about the
/// store's size in memory.
pub fn copy_in_memory(conn: &Connection) -> Result<Connection, StoreError> {
    let mut copy = open_in_memory()?;
    {
        let backup = rusqlite::backup::Backup::new(conn, &mut copy)?;
        backup.run_to_completion(4096, std::time::Duration::ZERO, None)?;
    }
    // The copy has the source's schema version: an older store is migrated in memory only.
    migrations::migrate(&mut copy)?;
    Ok(copy)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // WAL lets readers (exports, previews) run while a refresh or an import writes.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Attributes are merged by segflow's linear merge patch, not SQLite's quadratic one.
    merge_patch::register(conn)?;
    Ok(())
}
