//! The header line of an import file and access to the cells of one data row by column.
//!
//! Header names are matched trimmed and case-insensitively, and a leading UTF-8 byte order mark
//! is dropped, so files saved by spreadsheets match the documented column names. The header
//! remembers which columns an importer asked for, so the summary can list the ignored ones.

use super::cell::{CellError, ColumnError};
use csv::{ByteRecord, StringRecord};

/// The columns of a file, normalised for lookup, with the original spelling kept for messages.
pub struct Header {
    original: Vec<String>,
    normalised: Vec<String>,
    used: Vec<bool>,
}

impl Header {
    /// Builds the header from the first record; invalid UTF-8 is replaced, as names are only
    /// compared and shown.
    pub fn from_record(record: &ByteRecord) -> Header {
        let original: Vec<String> = record
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let name = String::from_utf8_lossy(field);
                let name = if i == 0 {
                    name.trim_start_matches('\u{feff}')
                } else {
                    &name
                };
                name.trim().to_owned()
            })
            .collect();
        let normalised = original.iter().map(|n| n.to_lowercase()).collect();
        let used = vec![false; original.len()];
        Header {
            original,
            normalised,
            used,
        }
    }

    /// Number of columns, which every data row must match.
    pub fn len(&self) -> usize {
        self.original.len()
    }

    /// Renames the column of this (lower-case) name to `to` (a column map); false when the
    /// header has no such column.
    pub fn rename(&mut self, from: &str, to: &str) -> bool {
        match self.normalised.iter().position(|n| n == from) {
            Some(index) => {
                self.normalised[index] = to.to_lowercase();
                true
            }
            None => false,
        }
    }

    /// True when the header has a column of this (lower-case) name; does not mark it used.
    pub fn has(&self, name: &str) -> bool {
        self.normalised.iter().any(|n| n == name)
    }

    /// Index of the column of this (lower-case) name, marking it used.
    pub fn find(&mut self, name: &str) -> Option<usize> {
        let index = self.normalised.iter().position(|n| n == name)?;
        self.used[index] = true;
        Some(index)
    }

    /// Index of the first of several alternative names that is present.
    pub fn find_any(&mut self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|name| self.find(name))
    }

    /// Columns named `PREFIX.NAME`, as (NAME in its original spelling, index), marking them used.
    pub fn prefixed(&mut self, prefix: &str) -> Vec<(String, usize)> {
        let mut found = Vec::new();
        for (index, name) in self.normalised.iter().enumerate() {
            if name.len() > prefix.len() && name.starts_with(prefix) {
                self.used[index] = true;
                found.push((
                    self.original[index][prefix.len()..].trim().to_owned(),
                    index,
                ));
            }
        }
        found
    }

    /// The names of the columns no importer asked for, in file order.
    pub fn ignored(&self) -> Vec<String> {
        self.original
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !**used)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The column names as found in the file.
    pub fn names(&self) -> &[String] {
        &self.original
    }

    /// The original spelling of a column, for messages.
    pub fn name(&self, index: usize) -> &str {
        self.original.get(index).map_or("?", String::as_str)
    }
}

/// One data row that passed the UTF-8 and field-count checks.
pub struct Row<'r> {
    pub record: &'r StringRecord,
}

impl Row<'_> {
    /// The trimmed cell of a column, empty if the column is absent.
    pub fn get(&self, index: Option<usize>) -> &str {
        trim(index.and_then(|i| self.record.get(i)).unwrap_or(""))
    }

    /// The trimmed cell of a column, or None when the column is absent or the cell empty.
    pub fn opt(&self, index: Option<usize>) -> Option<&str> {
        Some(self.get(index)).filter(|cell| !cell.is_empty())
    }
}

impl<'r> Row<'r> {
    /// The non-empty cell of a required column, or the reject reason naming it.
    pub fn required(&self, index: usize, label: &str) -> Result<&'r str, ColumnError> {
        let cell = trim(self.record.get(index).unwrap_or(""));
        if cell.is_empty() {
            Err(ColumnError::Empty(CellError::Empty(label.to_string())))
        } else {
            Ok(cell)
        }
    }
}

/// Trims a cell as `str::trim` does, without its character-by-character walk for the usual
/// cell that starts and ends with a visible ASCII character (the import trims every cell).
fn trim(cell: &str) -> &str {
    match (cell.as_bytes().first(), cell.as_bytes().last()) {
        (Some(&first), Some(&last))
            if first > b' ' && first < 0x7f && last > b' ' && last < 0x7f =>
        {
            cell
        }
        _ => cell.trim(),
    }
}

/// Parses an optional cell, naming the column in the reject reason.
pub fn parse_opt<T>(
    cell: Option<&str>,
    label: &str,
    parse: impl Fn(&str) -> Result<T, CellError>,
) -> Result<Option<T>, ColumnError> {
    cell.map(|text| parse(text).map_err(|source| in_column(label, source)))
        .transpose()
}

fn in_column(label: &str, source: CellError) -> ColumnError {
    ColumnError::Cell {
        label: label.to_string(),
        source,
    }
}

/// Parses a required cell, naming the column in the reject reason.
pub fn parse_req<T>(
    cell: Result<&str, ColumnError>,
    label: &str,
    parse: impl Fn(&str) -> Result<T, CellError>,
) -> Result<T, ColumnError> {
    parse(cell?).map_err(|source| in_column(label, source))
}
