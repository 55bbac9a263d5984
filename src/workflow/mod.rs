//! Campaign workflows: loading and checking `workflows/*.yaml`, and the journey engine that
//! moves each customer through a workflow's steps with state persisted in SQLite.

pub mod definition;
mod file;
pub mod set;

pub use definition::{Condition, Reentry, Step, StepKind, Trigger, Variant, Workflow};
pub use set::{template_names, Workflows};
