//! IR → SQL for SQLite: one `SELECT` that returns a segment's members.
//!
//! The SQL serves `segflow explain`, exports and a cross-check of the columnar evaluator, so it
//! implements the IR's semantics exactly (two-valued logic, money scaling, dynamic JSON values,
//! UTC calendar functions). It is built as a syntax tree (`ast`) by `lower`, `aggregate`,
//! `dynamic` and `functions`, then printed by `render`; every literal from a rule file is a bound
//! parameter, never text in the statement.

mod aggregate;
mod ast;
mod dynamic;
mod functions;
mod lower;
mod percentile;
mod query;
mod render;

pub use query::SqlQuery;
