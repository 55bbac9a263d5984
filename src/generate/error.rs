//! Errors of the shop generator, each naming the file or input at fault and what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("the generation time {now_ms} (unix milliseconds) is not between the years 1900 and 9999; pass `now` as unix milliseconds of a recent date")]
    InvalidNow { now_ms: i64 },
    #[error("cannot create the output folder {path}: {source}; check that its parent exists and is writable")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create {path}: {source}; check that the output folder is writable")]
    CreateFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}; check free disk space and permissions")]
    Write { path: PathBuf, source: csv::Error },
}
