//! The A/B statistics of `segflow report` against reference values.
//!
//! The reference values were computed with Python's standard library (`math.erfc` for the normal
//! distribution) from the textbook formulas: pooled two-proportion z-test, two-sided p-value,
//! and the unpooled Wald interval of the difference.

use segflow::analytics::report::{
    compare, compare_revenue, normal_cdf, Arm, Metric, Verdict, VerdictRules,
};

fn arm(name: &str, entered: u64, converted: u64) -> Arm {
    Arm::new(name, entered, converted)
}

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} is not within {tol} of {b}");
}

#[test]
fn normal_cdf_matches_tables() {
    close(normal_cdf(0.0), 0.5, 1e-12);
    close(normal_cdf(1.0), 0.841_344_746_068_543, 1e-9);
    close(normal_cdf(-1.959_963_984_540_054), 0.025, 1e-9);
}

#[test]
fn textbook_two_proportions() {
    // 20% against 25% of 1000 customers each.
    let c = compare(
        arm("A", 1000, 200),
        arm("B", 1000, 250),
        VerdictRules::default(),
    );
    close(c.z, 2.677_397_763_008_329, 1e-9);
    close(c.p_value, 0.007_419_649_261_025_674, 1e-8);
    close(c.lift, 0.05, 1e-12);
    close(c.lift_low, 0.013_463_621_687_539_84, 1e-9);
    close(c.lift_high, 0.086_536_378_312_460_14, 1e-9);
    close(c.relative_lift.unwrap(), 0.25, 1e-12);
    assert_eq!(c.verdict.to_string(), "B better, 99% confidence");
}

#[test]
fn control_with_zero_conversions() {
    let c = compare(arm("A", 500, 0), arm("B", 500, 12), VerdictRules::default());
    close(c.z, 3.485_075_176_786_614_4, 1e-9);
    close(c.p_value, 0.000_491_998_791_609_438_2, 1e-9);
    close(c.lift_low, 0.010_584_909_138_143_03, 1e-9);
    assert_eq!(c.relative_lift, None);
    assert!(matches!(c.verdict, Verdict::Better { ref winner, .. } if winner == "B"));
}

#[test]
fn equal_arms_have_no_difference() {
    let c = compare(
        arm("A", 100, 10),
        arm("B", 100, 10),
        VerdictRules::default(),
    );
    assert_eq!(c.z, 0.0);
    close(c.p_value, 1.0, 1e-12);
    close(c.lift_low, -0.083_154_229_460_980_68, 1e-9);
    close(c.lift_high, 0.083_154_229_460_980_68, 1e-9);
    assert_eq!(c.verdict, Verdict::NotEnoughData);
}

#[test]
fn no_conversions_anywhere_and_empty_arms() {
    let c = compare(arm("A", 300, 0), arm("B", 300, 0), VerdictRules::default());
    assert_eq!((c.z, c.p_value), (0.0, 1.0));
    assert_eq!(c.verdict.to_string(), "not enough data yet");
    let e = compare(arm("A", 0, 0), arm("B", 10, 5), VerdictRules::default());
    assert_eq!(e.p_value, 1.0);
    assert_eq!(e.verdict, Verdict::NotEnoughData);
}

#[test]
fn verdict_thresholds() {
    // Significant but one arm is below the minimum size.
    let small = compare(
        arm("A", 99, 5),
        arm("B", 1000, 300),
        VerdictRules::default(),
    );
    assert!(small.p_value < 0.05);
    assert_eq!(small.verdict, Verdict::NotEnoughData);
    // The control wins when B is worse; confidence is 1 - p, floored.
    let worse = compare(
        arm("A", 1000, 250),
        arm("B", 1000, 200),
        VerdictRules::default(),
    );
    assert_eq!(worse.verdict.to_string(), "A better, 99% confidence");
    // A p-value just above alpha gives no verdict; lowering the bar to 0.1 gives one.
    let near = compare(
        arm("A", 1000, 200),
        arm("B", 1000, 232),
        VerdictRules::default(),
    );
    assert!(
        near.p_value > 0.05 && near.p_value < 0.1,
        "{}",
        near.p_value
    );
    assert_eq!(near.verdict, Verdict::NotEnoughData);
    let loose = VerdictRules {
        min_arm: 100,
        alpha: 0.1,
    };
    let c = compare(arm("A", 1000, 200), arm("B", 1000, 232), loose);
    let percent = ((1.0 - near.p_value) * 100.0).floor();
    assert_eq!(
        c.verdict.to_string(),
        format!("B better, {percent:.0}% confidence")
    );
}

#[test]
fn revenue_per_recipient_by_welchs_test() {
    // 1000 journeys each: in A 100 customers spent 50 (5.00 per recipient), in B 80 spent 100
    // (8.00 per recipient) while converting fewer. Reference values: Welch's difference of
    // means with the normal approximation, computed with Python's math.erfc.
    let a = Arm {
        revenue: 5_000.0,
        revenue_squares: 100.0 * 50.0 * 50.0,
        ..arm("A", 1000, 100)
    };
    let b = Arm {
        revenue: 8_000.0,
        revenue_squares: 80.0 * 100.0 * 100.0,
        ..arm("B", 1000, 80)
    };
    let by_conversion = compare(a.clone(), b.clone(), VerdictRules::default());
    assert!(by_conversion.lift < 0.0);
    let c = compare_revenue(a, b, VerdictRules::default());
    assert_eq!(c.metric, Metric::Revenue);
    close(c.lift, 3.0, 1e-12);
    close(c.z, 3.058_738_186_312_086, 1e-9);
    close(c.p_value, 0.002_222_713_079_049_884, 1e-9);
    close(c.lift_low, 1.077_673_996_443_11, 1e-9);
    close(c.lift_high, 4.922_326_003_556_89, 1e-9);
    close(c.relative_lift.unwrap(), 0.6, 1e-12);
    assert_eq!(c.verdict.to_string(), "B better, 99% confidence");
    // The same rules as conversion: arms under 100 customers give no verdict.
    let small = compare_revenue(
        Arm {
            revenue: 500.0,
            revenue_squares: 10.0 * 2500.0,
            ..arm("A", 99, 10)
        },
        Arm {
            revenue: 5_000.0,
            revenue_squares: 50.0 * 10_000.0,
            ..arm("B", 99, 50)
        },
        VerdictRules::default(),
    );
    assert!(small.p_value < 0.05);
    assert_eq!(small.verdict, Verdict::NotEnoughData);
}
