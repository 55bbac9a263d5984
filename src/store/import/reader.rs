//! Reading the data rows of an import file on a second thread.
//!
//! Splitting CSV into fields and checking that they are UTF-8 is a large share of an import's
//! time, and it does not touch the database, so a reader thread does it while the importing
//! thread parses cells and writes to SQLite. Rows travel in batches over a bounded channel
//! (so a fast reader never holds more than a few batches in memory), and the importing thread
//! hands each finished batch back so that its record buffers are reused rather than
//! reallocated for every row.

use std::fs::File;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use csv::{ByteRecord, StringRecord};

/// Rows per batch: large enough that channel traffic is negligible, small enough to stay in
/// the CPU caches.
const BATCH: usize = 1024;

/// Batches in flight between the two threads.
const IN_FLIGHT: usize = 4;

/// One data row as read: UTF-8 text, or the bytes and the field that is not UTF-8.
pub type ReadRow = Result<StringRecord, csv::FromUtf8Error>;

/// The rows of an import file after its header, read ahead on a second thread.
pub struct RecordReader {
    rows: Receiver<Result<Vec<ReadRow>, csv::Error>>,
    spent: SyncSender<Vec<ReadRow>>,
}

impl RecordReader {
    /// Starts reading the records `reader` has not yet returned.
    pub fn spawn(mut reader: csv::Reader<File>) -> RecordReader {
        let (send_rows, rows) = mpsc::sync_channel(IN_FLIGHT);
        let (spent, recycled) = mpsc::sync_channel::<Vec<ReadRow>>(IN_FLIGHT + 2);
        thread::spawn(move || {
            let mut spare: Vec<ByteRecord> = Vec::new();
            loop {
                while let Ok(batch) = recycled.try_recv() {
                    spare.extend(batch.into_iter().map(|row| match row {
                        Ok(text) => text.into_byte_record(),
                        Err(error) => error.into_byte_record(),
                    }));
                }
                let mut batch = Vec::with_capacity(BATCH);
                let mut done = false;
                while batch.len() < BATCH {
                    let mut record = spare.pop().unwrap_or_default();
                    match reader.read_byte_record(&mut record) {
                        Ok(true) => batch.push(StringRecord::from_byte_record(record)),
                        Ok(false) => {
                            done = true;
                            break;
                        }
                        Err(error) => {
                            // The importing thread stops at the error; nothing more to read.
                            let _ = send_rows.send(Ok(batch));
                            let _ = send_rows.send(Err(error));
                            return;
                        }
                    }
                }
                // A failed send means the importing thread stopped early (an error): stop too.
                if (!batch.is_empty() && send_rows.send(Ok(batch)).is_err()) || done {
                    return;
                }
            }
        });
        RecordReader { rows, spent }
    }

    /// The next batch of rows, an error of the reader, or None at the end of the file.
    pub fn next_batch(&self) -> Option<Result<Vec<ReadRow>, csv::Error>> {
        self.rows.recv().ok()
    }

    /// Returns a finished batch, so its buffers are reused.
    pub fn recycle(&self, batch: Vec<ReadRow>) {
        // When the reader has finished or its queue is full the buffers are simply freed.
        let _ = self.spent.try_send(batch);
    }
}
