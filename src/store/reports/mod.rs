//! The read-only queries of the report, one file per part of it. They only count and sum; the
//! report (`crate::report`) defines each figure, converts units and judges.

pub mod members;
pub mod segments;
pub mod workflows;
