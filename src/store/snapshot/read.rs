//! Typed reading of SQLite rows for the snapshot loaders, with errors that name the row.
//!
//! SQLite columns are dynamically typed, so a hand-edited database can hold text where a time
//! belongs; such a value is reported with its table, row id and column instead of being guessed.

use std::fmt;

use rusqlite::types::{Type, ValueRef};
use rusqlite::{Connection, Row};

use crate::store::StoreError;

/// Which customers a load covers.
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    All,
    /// These internal ids, sorted ascending without duplicates.
    Only(&'a [i64]),
}

/// A stored value the snapshot cannot represent.
#[derive(Debug)]
pub struct BadValue {
    pub table: &'static str,
    pub row: i64,
    pub column: &'static str,
    pub problem: String,
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "table {}, row id {}, column {}: {}; correct the row (or re-import it) and try again",
            self.table, self.row, self.column, self.problem
        )
    }
}

impl std::error::Error for BadValue {}

/// Wraps a `BadValue` into the store's error type.
pub fn bad(table: &'static str, row: i64, column: &'static str, problem: String) -> StoreError {
    let err = BadValue {
        table,
        row,
        column,
        problem,
    };
    StoreError::Sqlite(rusqlite::Error::FromSqlConversionFailure(
        0,
        Type::Text,
        Box::new(err),
    ))
}

/// Locates a value for error messages.
#[derive(Clone, Copy)]
pub struct At {
    pub table: &'static str,
    pub row: i64,
}

impl At {
    pub fn bad(self, column: &'static str, problem: impl Into<String>) -> StoreError {
        bad(self.table, self.row, column, problem.into())
    }
}

/// An integer column; an integral REAL is accepted because SQLite may store one after arithmetic.
pub fn opt_i64(
    row: &Row,
    idx: usize,
    at: At,
    column: &'static str,
) -> Result<Option<i64>, StoreError> {
    match row.get_ref(idx)? {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(v) => Ok(Some(v)),
        ValueRef::Real(v) if v.fract() == 0.0 && v.abs() < 9.0e18 => Ok(Some(v as i64)),
        other => Err(at.bad(
            column,
            format!("expected an integer, found {}", other.data_type()),
        )),
    }
}

/// A NOT NULL integer column.
pub fn req_i64(row: &Row, idx: usize, at: At, column: &'static str) -> Result<i64, StoreError> {
    opt_i64(row, idx, at, column)?.ok_or_else(|| at.bad(column, "expected an integer, found NULL"))
}

/// A text column, borrowed from the row.
pub fn opt_str<'r>(
    row: &'r Row,
    idx: usize,
    at: At,
    column: &'static str,
) -> Result<Option<&'r str>, StoreError> {
    match row.get_ref(idx)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(bytes) => std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|e| at.bad(column, format!("text is not valid UTF-8 ({e})"))),
        other => Err(at.bad(
            column,
            format!("expected text, found {}", other.data_type()),
        )),
    }
}

/// Runs `sql_all` (whole store) or `sql_one` (with `?1` bound to each id in turn) and passes each
/// row to `f`. Both queries must order rows by customer so that the loaders can build offsets.
pub fn for_each_row(
    conn: &Connection,
    scope: Scope,
    sql_all: &str,
    sql_one: &str,
    mut f: impl FnMut(&Row) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    match scope {
        Scope::All => {
            let mut stmt = conn.prepare(sql_all)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                f(row)?;
            }
        }
        Scope::Only(ids) => {
            let mut stmt = conn.prepare(sql_one)?;
            for id in ids {
                let mut rows = stmt.query([id])?;
                while let Some(row) = rows.next()? {
                    f(row)?;
                }
            }
        }
    }
    Ok(())
}

/// Builds per-customer offsets (CSR) from rows that arrive sorted by customer id.
pub struct Offsets<'c> {
    ids: &'c [i64],
    counts: Vec<u32>,
    cursor: usize,
}

impl<'c> Offsets<'c> {
    pub fn new(ids: &'c [i64]) -> Self {
        Offsets {
            ids,
            counts: vec![0; ids.len() + 1],
            cursor: 0,
        }
    }

    /// Counts one row of `customer`; `false` when the customer is not in the snapshot (only
    /// possible when foreign keys were off), in which case the caller drops the row.
    pub fn accept(&mut self, customer: i64) -> bool {
        while self.cursor < self.ids.len() && self.ids[self.cursor] < customer {
            self.cursor += 1;
        }
        if self.ids.get(self.cursor) == Some(&customer) {
            self.counts[self.cursor + 1] += 1;
            true
        } else {
            false
        }
    }

    /// The offsets: customer `k`'s rows are `offsets[k]..offsets[k + 1]`.
    pub fn finish(mut self, table: &'static str) -> Result<Vec<u32>, StoreError> {
        let mut total: u64 = 0;
        for count in self.counts.iter_mut() {
            total += u64::from(*count);
            *count = u32::try_from(total).map_err(|_| {
                bad(
                    table,
                    0,
                    "*",
                    "more than 4 billion rows; the snapshot cannot hold this store".into(),
                )
            })?;
        }
        Ok(self.counts)
    }
}

/// Converts a pool length to the `u32` offsets the snapshot stores.
pub fn offset(len: usize, table: &'static str) -> Result<u32, StoreError> {
    u32::try_from(len).map_err(|_| {
        bad(
            table,
            0,
            "*",
            "more than 4 billion values; the snapshot cannot hold this store".into(),
        )
    })
}
