//! Errors that stop a whole import, as opposed to a bad row, which is rejected and reported.

use std::fmt;
use std::path::PathBuf;

/// One rejected row: where it is and why, as shown to the user and written to the reject file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// A failure of the whole import; nothing of the file has been committed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is empty: an import file starts with a header line naming its columns")]
    Empty { path: PathBuf },
    #[error("{path} has {count} columns; segflow imports at most {max} (attr.* and prop.* included): split the attributes over several files with the same customer_id")]
    TooManyColumns {
        path: PathBuf,
        count: usize,
        max: usize,
    },
    /// A column map that does not fit the file (the message names the map and the fix).
    #[error("{0}")]
    Map(#[from] super::column_map::MapError),
    #[error(
        "{path} has no column {missing} required to import {kind}; columns found: {found}",
        missing = .missing.join(", "),
        found = if .found.is_empty() { "(none)".to_owned() } else { .found.join(", ") }
    )]
    MissingColumns {
        path: PathBuf,
        kind: &'static str,
        missing: Vec<String>,
        found: Vec<String>,
    },
    #[error("{path} looks like a {detected}; import it as `{expected}` instead of `{requested}`")]
    WrongKind {
        path: PathBuf,
        detected: &'static str,
        expected: &'static str,
        requested: &'static str,
    },
    #[error(
        "strict import of {path} wrote nothing: {count} bad row(s); first: {first}{more}",
        first = .first.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        more = .reject_file.as_ref().map(|p| format!(" (all bad rows are in {})", p.display())).unwrap_or_default()
    )]
    Strict {
        path: PathBuf,
        count: u64,
        first: Vec<Rejection>,
        reject_file: Option<PathBuf>,
    },
    #[error(
        "nothing was imported from {path}: all {count} row(s) were rejected; first: {first}. {todo}{more}",
        first = .first.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        todo = match .import_first {
            Some(kind) => format!("Import the {kind} first (`segflow import {kind} FILE`), then import {} again", .path.display()),
            None => format!("Fix the rows as their reasons say, then import {} again", .path.display()),
        },
        more = .reject_file.as_ref().map(|p| format!(" (all rejected rows are in {})", p.display())).unwrap_or_default()
    )]
    AllRejected {
        path: PathBuf,
        count: u64,
        /// The first rejection only: every row failed, so one reason says what went wrong.
        first: Option<Rejection>,
        /// The kind of file whose rows these refer to and that is missing from the store.
        import_first: Option<&'static str>,
        reject_file: Option<PathBuf>,
    },
    #[error("cannot write the reject file {path}: {source}")]
    RejectFile { path: PathBuf, source: csv::Error },
    #[error("database error while importing {path} (line {line}): {source}")]
    Sqlite {
        path: PathBuf,
        line: u64,
        source: rusqlite::Error,
    },
}

/// Why one row could not be imported: a bad value (reject the row) or a database failure
/// (abort the import).
#[derive(Debug)]
pub enum RowFailure {
    Reject(String),
    Db(rusqlite::Error),
}

impl From<rusqlite::Error> for RowFailure {
    fn from(error: rusqlite::Error) -> Self {
        RowFailure::Db(error)
    }
}

impl From<super::cell::ColumnError> for RowFailure {
    fn from(error: super::cell::ColumnError) -> Self {
        RowFailure::Reject(error.to_string())
    }
}

impl From<String> for RowFailure {
    fn from(reason: String) -> Self {
        RowFailure::Reject(reason)
    }
}
