//! The read-only queries of the report, one file per part of it. They only count and sum; the
//! report (`crate::report`) defines each figure, converts units and judges.

/// The condition on an events row `e` that it is a person's open or click: events recorded
/// before the classification have no `machine` property and count as people.
pub const HUMAN: &str = "COALESCE(json_extract(e.properties, '$.machine'), 0) = 0";

pub mod customer;
pub mod dashboard;
pub mod members;
pub mod overlap;
pub mod segment_profile;
pub mod segments;
pub mod workflows;
