//! The reject file: every row that could not be imported, as it was read, followed by a
//! `reason` and a `line` column, so the user can fix the rows and import the file again.
//! It is created only when the first row is rejected.

use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::error::{ImportError, Rejection};

/// How many rejections an error message or summary quotes.
const QUOTED: usize = 10;

pub struct RejectSink {
    path: PathBuf,
    header: ByteRecord,
    writer: Option<csv::Writer<std::fs::File>>,
    pub count: u64,
    /// The first rejections, for the strict-mode error.
    pub first: Vec<Rejection>,
}

impl RejectSink {
    /// A sink writing `NAME.rejects.csv` for input `NAME.csv`, beside it or in `dir`.
    pub fn new(input: &Path, dir: Option<&Path>, header: &ByteRecord) -> Self {
        let stem = input
            .file_stem()
            .map_or_else(|| "import".into(), |s| s.to_string_lossy());
        let dir = dir.or_else(|| input.parent()).unwrap_or(Path::new("."));
        let mut header = header.clone();
        header.push_field(b"reason");
        header.push_field(b"line");
        RejectSink {
            path: dir.join(format!("{stem}.rejects.csv")),
            header,
            writer: None,
            count: 0,
            first: Vec::new(),
        }
    }

    /// Records one rejected row; `width` is the header's column count, to which a short row is
    /// padded so that `reason` and `line` stay under their headings.
    pub fn reject(
        &mut self,
        record: &ByteRecord,
        width: usize,
        line: u64,
        reason: String,
    ) -> Result<(), ImportError> {
        let failed = |source| ImportError::RejectFile {
            path: self.path.clone(),
            source,
        };
        if self.writer.is_none() {
            let mut writer = csv::WriterBuilder::new()
                .flexible(true)
                .from_path(&self.path)
                .map_err(failed)?;
            writer.write_byte_record(&self.header).map_err(failed)?;
            self.writer = Some(writer);
        }
        let mut out = record.clone();
        for _ in out.len()..width {
            out.push_field(b"");
        }
        out.push_field(reason.as_bytes());
        out.push_field(line.to_string().as_bytes());
        if let Some(writer) = &mut self.writer {
            writer.write_byte_record(&out).map_err(failed)?;
        }
        self.count += 1;
        if self.first.len() < QUOTED {
            self.first.push(Rejection { line, reason });
        }
        Ok(())
    }

    /// Flushes the file; returns its path when any row was rejected.
    pub fn finish(mut self) -> Result<Option<PathBuf>, ImportError> {
        match self.writer.take() {
            Some(mut writer) => {
                writer.flush().map_err(|e| ImportError::RejectFile {
                    path: self.path.clone(),
                    source: e.into(),
                })?;
                Ok(Some(self.path))
            }
            None => Ok(None),
        }
    }
}
