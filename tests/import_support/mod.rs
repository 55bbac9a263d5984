//! Shared helpers of the import tests: a real SQLite store in a temporary directory, input
//! files written there, and short queries.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use segflow::store::import::{import_csv, ImportError, ImportKind, ImportOptions, ImportSummary};
use tempfile::TempDir;

pub struct Store {
    pub dir: TempDir,
    pub conn: Connection,
}

impl Store {
    pub fn new() -> Store {
        let dir = tempfile::tempdir().unwrap();
        let conn = segflow::store::open(&dir.path().join("segflow.db")).unwrap();
        Store { dir, conn }
    }

    /// Writes an input file into the store's directory.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn import(&mut self, kind: ImportKind, path: &Path) -> Result<ImportSummary, ImportError> {
        self.import_with(kind, path, false)
    }

    /// Imports with rejects always written into the temporary directory, never beside a
    /// checked-in fixture.
    pub fn import_with(
        &mut self,
        kind: ImportKind,
        path: &Path,
        strict: bool,
    ) -> Result<ImportSummary, ImportError> {
        let opts = ImportOptions {
            strict,
            progress: false,
            reject_dir: Some(self.dir.path().to_path_buf()),
            map: None,
        };
        import_csv(&mut self.conn, kind, path, &opts)
    }

    pub fn int(&self, sql: &str) -> i64 {
        self.conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    pub fn text(&self, sql: &str) -> Option<String> {
        self.conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Rows of a query as strings joined by `|`, NULL shown as `-`.
    pub fn rows(&self, sql: &str) -> Vec<String> {
        rows(&self.conn, sql)
    }
}

/// Rows of a query on any connection as strings joined by `|`, NULL shown as `-`.
pub fn rows(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        Ok((0..n)
            .map(|i| match r.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => "-".to_owned(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                    String::from_utf8_lossy(t).into_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// A checked-in fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Parses a reject file into its records (as lossy strings).
pub fn rejects(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap();
    reader
        .byte_records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        })
        .collect()
}
