//! The comparison of two arms of an A/B split by revenue per recipient, for splits whose
//! `metric:` is `revenue`: a subject line that converts fewer customers but into bigger orders
//! can win on revenue while it loses on conversion.
//!
//! Revenue per recipient is a mean over journeys, most of them 0, so the test is Welch's
//! two-sample test with the normal approximation: the difference of the means over
//! `sqrt(s_a²/n_a + s_b²/n_b)`, two-sided, and the 95% interval of the difference from the same
//! standard error. The verdict follows the same rules as conversion (`VerdictRules`): with at
//! least 100 customers per arm the normal approximation of a mean is sound even for skewed
//! order values.

use super::ab_test::{normal_cdf, verdict, Arm, Comparison, Metric, VerdictRules, Z_95};

/// The sample variance of an arm's per-journey revenue; 0 under two journeys.
fn variance(arm: &Arm) -> f64 {
    let n = arm.entered as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean = arm.revenue / n;
    ((arm.revenue_squares - n * mean * mean) / (n - 1.0)).max(0.0)
}

/// Compares `b` against `a` (the control) by revenue per recipient.
pub fn compare_revenue(a: Arm, b: Arm, rules: VerdictRules) -> Comparison {
    let (ma, mb) = (a.revenue_per_recipient(), b.revenue_per_recipient());
    let lift = mb - ma;
    let se = if a.entered == 0 || b.entered == 0 {
        0.0
    } else {
        (variance(&a) / a.entered as f64 + variance(&b) / b.entered as f64).sqrt()
    };
    let (z, p_value) = if se > 0.0 {
        let z = lift / se;
        (z, (2.0 * (1.0 - normal_cdf(z.abs()))).clamp(0.0, 1.0))
    } else {
        (0.0, 1.0)
    };
    let verdict = verdict(&a, &b, lift, p_value, rules);
    Comparison {
        metric: Metric::Revenue,
        lift,
        lift_low: lift - Z_95 * se,
        lift_high: lift + Z_95 * se,
        relative_lift: (ma > 0.0).then(|| lift / ma),
        z,
        p_value,
        verdict,
        a,
        b,
    }
}

/// Compares by the split's metric.
pub fn compare_by(metric: Metric, a: Arm, b: Arm, rules: VerdictRules) -> Comparison {
    match metric {
        Metric::Conversion => super::compare(a, b, rules),
        Metric::Revenue => compare_revenue(a, b, rules),
    }
}
