//! The segflow expression language: grammar binding, AST with spans, static types, the checker
//! that turns the AST into the typed IR, and the diagnostics it reports.
//!
//! Nothing in this module does IO: it turns text into checked IR or into diagnostics, and the
//! evaluation time `now` is always an input.

pub mod ast;
pub mod check;
pub mod diagnostic;
pub mod ir;
pub mod literal;
pub mod parser;
pub mod span;
pub mod types;
pub mod yaml_span;
