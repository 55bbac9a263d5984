//! Pure figures for `segflow report`: the A/B comparison of two conversion rates (two-proportion
//! z-test, lift with a confidence interval, a verdict in plain words) and the prioritisation
//! score of a segment. No IO and no clock: the store queries live in `crate::report`.

mod ab_test;
mod priority;

pub use ab_test::{compare, normal_cdf, Arm, Comparison, Verdict, VerdictRules, Z_95};
pub use priority::priority_score;
