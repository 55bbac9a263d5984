//! Pure figures for `segflow report`: the A/B comparison of two conversion rates (two-proportion
//! z-test, lift with a confidence interval, a verdict in plain words). No IO and no clock: the
//! store queries, and the ranking of segments by value at stake, live in `crate::report`.

mod ab_test;

pub use ab_test::{compare, normal_cdf, Arm, Comparison, Verdict, VerdictRules, Z_95};
