//! Pure figures for `segflow report`: the A/B comparison of two arms by conversion rate
//! (two-proportion z-test) or by revenue per recipient (Welch's test), each with the lift, its
//! confidence interval and a verdict in plain words. No IO and no clock: the store queries, and
//! the ranking of segments by value at stake, live in `crate::report`.

mod ab_test;
mod revenue;

pub use ab_test::{compare, normal_cdf, Arm, Comparison, Metric, Verdict, VerdictRules, Z_95};
pub use revenue::{compare_by, compare_revenue};
