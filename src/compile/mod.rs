//! Compilation of checked IR into evaluators: the in-memory columnar evaluator (the fast path,
//! batch or one customer) and SQL for SQLite (explain, export, and a cross-check).
//!
//! This module sees only the IR, never the AST, so both evaluators implement one semantics.

pub mod columnar;
pub mod sql;

/// The inputs of one evaluation: the time, and for a workflow condition the journey's entry
/// time and the properties of the event that triggered it. Nothing is read from a clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvalInput {
    /// The evaluation time, unix milliseconds.
    pub now: i64,
    /// `entered`: the journey's entry time; `None` outside a journey.
    pub entered: Option<i64>,
    /// The triggering event's properties (a JSON object); `None` when there was no event.
    pub trigger: Option<serde_json::Value>,
}

impl EvalInput {
    /// The input of a segment condition: only the time.
    pub fn at(now: i64) -> EvalInput {
        EvalInput {
            now,
            ..EvalInput::default()
        }
    }
}

/// An IR the evaluators cannot compile. Checked IR from a loaded segment set never produces one;
/// it guards against hand-built IR and against an `in_segment` that was not inlined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("in_segment(\"{0}\") must be inlined by the segment set before compiling")]
    SegmentNotInlined(String),
    #[error("unsupported expression: {0}")]
    Unsupported(String),
}
