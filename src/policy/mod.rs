//! The sending policy: marketing consent, suppression, a frequency cap and quiet hours in the
//! customer's own time zone. Pure functions over configuration and facts the caller supplies;
//! nothing here reads a clock or a database, so every decision is reproducible.

pub(crate) mod config;
mod decide;

pub use config::{CapAction, FrequencyCap, PolicyConfig, PolicyOverrides, QuietHours};
pub use decide::{decide, quiet_until, CustomerInfo, Decision};
