//! segflow: customer segmentation and targeted email campaigns from plain text files in git.
//!
//! The crate is a pipeline of plain stages (see ARCHITECTURE.md): rule files are loaded and
//! parsed into an AST (`dsl`), checked into a typed IR, compiled into a columnar evaluator or
//! SQL (`compile`), and evaluated over the SQLite store (`store`) to produce segment membership
//! (`segment`). The binary in `main.rs` only calls into `cli`.

pub mod analytics;
pub mod analytics_store;
pub mod cli;
pub mod compile;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod dsl;
pub mod generate;
pub mod hex;
pub mod ingest;
pub mod lsp;
pub mod mail;
pub mod money;
pub mod policy;
pub mod report;
pub mod repository;
pub mod rule_test;
pub mod scaffold;
pub mod schedule;
pub mod segment;
pub mod store;
pub mod timestamp;
pub mod webhooks;
pub mod workflow;
