//! Compilation of checked IR into evaluators: the in-memory columnar evaluator (the fast path,
//! batch or one customer) and SQL for SQLite (explain, export, and a cross-check).
//!
//! This module sees only the IR, never the AST, so both evaluators implement one semantics.
