//! The sending policy: marketing consent, suppression, a frequency cap, quiet hours and a send
//! step's time in the customer's own time zone. Pure functions over configuration and facts the caller supplies;
//! nothing here reads a clock or a database, so every decision is reproducible.

pub(crate) mod config;
mod decide;
pub mod send_time;

pub use config::{CapAction, FrequencyCap, PolicyConfig, PolicyOverrides, QuietHours};
pub(crate) use decide::local_instant;
pub use decide::{decide, quiet_until, zone, CustomerInfo, Decision};
