//! A CSV output file that streams rows field by field and names itself in every error.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::error::GenerateError;

/// The csv writer's own buffer; large enough that writes reach the disk in big blocks.
const BUFFER_BYTES: usize = 1 << 20;

pub struct CsvFile {
    path: PathBuf,
    writer: csv::Writer<File>,
    rows: usize,
    /// Scratch space for formatting numbers and ids without allocating per field.
    scratch: Vec<u8>,
}

impl CsvFile {
    /// Creates `dir/name` and writes its header line.
    pub fn create(dir: &Path, name: &str, header: &[&str]) -> Result<CsvFile, GenerateError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| GenerateError::CreateFile {
            path: path.clone(),
            source,
        })?;
        let writer = csv::WriterBuilder::new()
            .buffer_capacity(BUFFER_BYTES)
            .from_writer(file);
        let mut out = CsvFile {
            path,
            writer,
            rows: 0,
            scratch: Vec::with_capacity(64),
        };
        out.writer
            .write_record(header)
            .map_err(|source| out.error(source))?;
        Ok(out)
    }

    fn error(&self, source: csv::Error) -> GenerateError {
        GenerateError::Write {
            path: self.path.clone(),
            source,
        }
    }

    /// Writes one field of the current row.
    pub fn field(&mut self, bytes: impl AsRef<[u8]>) -> Result<(), GenerateError> {
        match self.writer.write_field(bytes) {
            Ok(()) => Ok(()),
            Err(source) => Err(self.error(source)),
        }
    }

    /// Writes an optional field; `None` is an empty cell.
    pub fn opt(&mut self, bytes: Option<impl AsRef<[u8]>>) -> Result<(), GenerateError> {
        match bytes {
            Some(bytes) => self.field(bytes),
            None => self.field(b""),
        }
    }

    /// Writes a field formatted with `format!`-style arguments, without allocating.
    pub fn fmt(&mut self, args: std::fmt::Arguments<'_>) -> Result<(), GenerateError> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        // Writing into a Vec cannot fail.
        let _ = scratch.write_fmt(args);
        let result = self.field(&scratch);
        self.scratch = scratch;
        result
    }

    /// Writes an amount of cents as a decimal number such as `89.95`.
    pub fn money(&mut self, cents: i64) -> Result<(), GenerateError> {
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        self.fmt(format_args!("{sign}{}.{:02}", abs / 100, abs % 100))
    }

    /// Ends the current row.
    pub fn end_row(&mut self) -> Result<(), GenerateError> {
        self.rows += 1;
        match self.writer.write_record(None::<&[u8]>) {
            Ok(()) => Ok(()),
            Err(source) => Err(self.error(source)),
        }
    }

    /// Flushes the file and returns its path and data row count.
    pub fn finish(mut self) -> Result<(PathBuf, usize), GenerateError> {
        if let Err(source) = self.writer.flush() {
            return Err(self.error(source.into()));
        }
        Ok((self.path, self.rows))
    }
}
