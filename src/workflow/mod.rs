//! Campaign workflows: loading and checking `workflows/*.yaml`, and the journey engine that
//! moves each customer through a workflow's steps with state persisted in SQLite.

pub mod definition;
pub mod dispatch;
pub mod engine;
mod file;
pub mod mail_cart;
pub mod mail_context;
pub mod mail_dispatch;
mod send_time;
pub mod set;
pub mod split;

pub use definition::{Condition, Reentry, SendAt, Step, StepKind, Trigger, Variant, Workflow};
pub use dispatch::{DispatchError, DispatchOutcome, Dispatcher, RecordingDispatcher, SendRequest};
pub use engine::{
    activate, advance, consume_triggers, forecast, next_wake, preview_trigger, run_once, run_until,
    AdvanceReport, EngineError, Forecast, Starts,
};
pub use mail_dispatch::{signer_from_env, DispatchSettings, OutboxDispatcher, StepCounts};
pub use set::{template_names, Workflows};
