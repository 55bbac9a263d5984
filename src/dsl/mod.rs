//! The segflow expression language: grammar binding, AST with spans, static types, the checker
//! that turns the AST into the typed IR, and the diagnostics it reports.
//!
//! Nothing in this module does IO: it turns text into checked IR or into diagnostics, and the
//! evaluation time `now` is always an input.

pub mod ir;
pub mod types;
