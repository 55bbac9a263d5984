//! Segments: loading the rules directory, evaluating every segment, and keeping membership and
//! its history in the store.
//!
//! This module never sends mail; it produces who is in which segment and who entered or left.

pub mod history;
pub mod refresh_yaml;
pub mod rule_file;
pub mod set;
pub mod spreadsheet;
pub use crate::store::reports::members as stats;
pub mod yaml_dir;

pub use set::{Segment, SegmentSet};
pub mod refresh;
