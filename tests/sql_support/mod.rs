//! Shared helpers of the `sql_*` tests: IR constructors (`ir`) and a small hand-written shop in
//! a real SQLite file (`shop`).
//!
//! Not every test file uses every helper.
#![allow(dead_code)]

mod ir;
mod shop;

pub use ir::*;
pub use shop::*;
pub const DAY: i64 = 86_400_000;
pub const HOUR: i64 = 3_600_000;

/// Unix milliseconds of an RFC 3339 timestamp.
pub fn t(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

/// The evaluation time of every test: Monday 2026-06-15 12:00 UTC.
pub fn now_ms() -> i64 {
    t("2026-06-15T12:00:00Z")
}
