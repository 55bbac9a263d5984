//! How customers are scored: lifecycle thresholds and the lifetime value horizon and discount.

use serde::{Deserialize, Serialize};

use crate::analytics::LifecycleConfig;

/// Scoring settings; every field has a default so a config section may name only a few.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreOptions {
    pub lifecycle: LifecycleConfig,
    /// Annual rate at which future revenue is discounted in `predicted.clv` (0.1 = 10 %).
    pub annual_discount_rate: f64,
    /// The lifetime value horizon in months.
    pub clv_months: u32,
    /// The horizon of `predicted.purchases_90d`, in days.
    pub purchases_days: f64,
    /// Threads to fit and score with (0 = all cores).
    pub threads: usize,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            lifecycle: LifecycleConfig::default(),
            annual_discount_rate: 0.10,
            clv_months: 12,
            purchases_days: 90.0,
            threads: 0,
        }
    }
}
