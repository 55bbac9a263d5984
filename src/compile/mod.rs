//! Compilation of checked IR into evaluators: the in-memory columnar evaluator (the fast path,
//! batch or one customer) and SQL for SQLite (explain, export, and a cross-check).
//!
//! This module sees only the IR, never the AST, so both evaluators implement one semantics.

pub mod columnar;
pub mod sql;

/// An IR the evaluators cannot compile. Checked IR from a loaded segment set never produces one;
/// it guards against hand-built IR and against an `in_segment` that was not inlined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("in_segment(\"{0}\") must be inlined by the segment set before compiling")]
    SegmentNotInlined(String),
    #[error("unsupported expression: {0}")]
    Unsupported(String),
}
