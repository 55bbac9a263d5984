//! Connection settings changed for the duration of an import and restored afterwards.
//!
//! A bulk load (into an empty table) also leaves WAL mode for the rollback journal while it
//! runs: in WAL mode every page of the new table is written twice, once to the log and once
//! more when the log is checkpointed into the database, while a rollback journal only keeps the
//! few existing pages the load changes (pages appended to the file need no copy). The load
//! stays one atomic, crash-safe transaction either way, and strict mode still rolls back; what
//! is lost for its duration is only that readers can run while it commits. `synchronous` and
//! the journal are never turned off, so a crash leaves the database as it was before the load.

use rusqlite::Connection;

/// The page cache used during an import, in KiB. SQLite also sorts within this budget when it
/// builds an index, so a multi-million-row table's index is sorted in memory rather than in
/// temporary files merged afterwards; memory is only taken as pages are actually used.
const IMPORT_CACHE_KIB: i64 = 524_288;

/// Helper threads SQLite may use to sort while building an index.
const SORT_THREADS: i64 = 2;

/// Connection settings changed for the duration of an import.
pub struct SavedPragmas {
    cache_size: i64,
    foreign_keys: bool,
    threads: i64,
    /// The journal mode to go back to after a bulk load left WAL mode.
    journal_mode: Option<String>,
}

impl SavedPragmas {
    /// Enlarges the page cache, so index inserts of a multi-million-row file stay in memory,
    /// and turns off foreign key checks: the importers only ever write ids they just looked up
    /// or created in the same transaction, and the per-row checks cost a third of the time.
    /// SQLite may also use helper threads to sort when it rebuilds the indexes a bulk load
    /// dropped, the largest single cost of loading millions of events.
    /// `table` is the table the file is loaded into; see the module doc for the journal.
    pub fn apply(conn: &Connection, table: &str) -> rusqlite::Result<Self> {
        let saved = SavedPragmas {
            cache_size: conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?,
            foreign_keys: conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?,
            threads: conn.query_row("PRAGMA threads", [], |r| r.get(0))?,
            journal_mode: leave_wal_for_bulk_load(conn, table)?,
        };
        conn.pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
        conn.pragma_update(None, "foreign_keys", false)?;
        conn.pragma_update(None, "threads", SORT_THREADS)?;
        Ok(saved)
    }

    pub fn restore(self, conn: &Connection) {
        // Both only fail on a broken connection, which the caller's next statement reports.
        let _ = conn.pragma_update(None, "cache_size", self.cache_size);
        let _ = conn.pragma_update(None, "foreign_keys", self.foreign_keys);
        let _ = conn.pragma_update(None, "threads", self.threads);
        if let Some(mode) = self.journal_mode {
            // Fails only while another connection holds the database, which the import's own
            // transaction did not; the store then simply stays in rollback-journal mode.
            let _ = conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| {
                r.get::<_, String>(0)
            });
        }
    }
}

/// Switches a WAL database to the rollback journal when `table` is empty, returning the mode to
/// restore. Another connection that has the database open keeps it in WAL mode, which is fine.
fn leave_wal_for_bulk_load(conn: &Connection, table: &str) -> rusqlite::Result<Option<String>> {
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Ok(None);
    }
    let empty: bool = conn.query_row(
        &format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"),
        [],
        |r| r.get(0),
    )?;
    if !empty {
        return Ok(None);
    }
    match conn.query_row("PRAGMA journal_mode = DELETE", [], |r| {
        r.get::<_, String>(0)
    }) {
        Ok(now) if now.eq_ignore_ascii_case("delete") => Ok(Some(mode)),
        _ => Ok(None),
    }
}
