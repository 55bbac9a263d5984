//! The comparison of two arms of an A/B split by their conversion rates.
//!
//! The test is the classic two-proportion z-test with a pooled standard error (under the null
//! hypothesis both arms convert at the same rate), two-sided. The lift is the absolute difference
//! of the rates (`p_b - p_a`); its 95% confidence interval uses the unpooled (Wald) standard
//! error, because it describes the difference without assuming it is zero.

use serde::Serialize;

/// The 97.5% quantile of the standard normal distribution: a two-sided 95% interval is
/// `estimate ± Z_95 × standard error`.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// One arm of a split: how many customers entered it, how many converted, and the revenue of
/// their orders since they entered (in the caller's money unit; the report uses major units).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm {
    pub name: String,
    pub entered: u64,
    pub converted: u64,
    /// The sum, over the arm's journeys, of each journey's revenue.
    pub revenue: f64,
    /// The sum of the squares of each journey's revenue, for the variance.
    #[serde(skip)]
    pub revenue_squares: f64,
}

/// What a split is judged by: goal conversion (the default) or revenue per recipient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    #[default]
    Conversion,
    Revenue,
}

impl Arm {
    /// An arm with no revenue recorded.
    pub fn new(name: impl Into<String>, entered: u64, converted: u64) -> Arm {
        Arm {
            name: name.into(),
            entered,
            converted,
            revenue: 0.0,
            revenue_squares: 0.0,
        }
    }

    /// Revenue per journey, 0 for an arm nobody entered.
    pub fn revenue_per_recipient(&self) -> f64 {
        if self.entered == 0 {
            0.0
        } else {
            self.revenue / self.entered as f64
        }
    }

    /// The conversion rate, 0 for an arm nobody entered.
    pub fn rate(&self) -> f64 {
        if self.entered == 0 {
            0.0
        } else {
            self.converted as f64 / self.entered as f64
        }
    }
}

/// When a comparison may name a winner.
///
/// A verdict needs at least `min_arm` customers in each arm (smaller arms give z-tests whose
/// normal approximation is poor and whose results swing with a handful of customers) and a
/// p-value below `alpha`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VerdictRules {
    pub min_arm: u64,
    pub alpha: f64,
}

impl Default for VerdictRules {
    fn default() -> Self {
        VerdictRules {
            min_arm: 100,
            alpha: 0.05,
        }
    }
}

/// What a merchant may conclude from a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Verdict {
    /// An arm has fewer customers than the rules ask for, or the difference is not significant.
    NotEnoughData,
    /// `winner` converts better; `confidence` is `1 - p`, floored to whole percent in the text.
    Better { winner: String, confidence: f64 },
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::NotEnoughData => f.write_str("not enough data yet"),
            Verdict::Better { winner, confidence } => {
                // Flooring keeps "100% confidence" from ever being printed for a sample.
                let percent = (confidence * 100.0).floor().min(99.0);
                write!(f, "{winner} better, {percent:.0}% confidence")
            }
        }
    }
}

/// The comparison of arm `b` against arm `a` (the control).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub metric: Metric,
    pub a: Arm,
    pub b: Arm,
    /// `rate(b) - rate(a)` for conversion; the difference of revenue per recipient for revenue.
    pub lift: f64,
    /// The 95% confidence interval of `lift`.
    pub lift_low: f64,
    pub lift_high: f64,
    /// `lift` relative to the control's figure, absent when that is 0.
    pub relative_lift: Option<f64>,
    /// The z statistic; 0 when both arms have the same rate or the pooled rate is 0 or 1.
    pub z: f64,
    /// The two-sided p-value; 1 when there is no evidence of a difference at all.
    pub p_value: f64,
    pub verdict: Verdict,
}

/// The standard normal cumulative distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2)
}

/// Compares `b` against `a` with the two-proportion z-test and applies `rules` for the verdict.
pub fn compare(a: Arm, b: Arm, rules: VerdictRules) -> Comparison {
    let (pa, pb) = (a.rate(), b.rate());
    let (na, nb) = (a.entered as f64, b.entered as f64);
    let lift = pb - pa;
    let (z, p_value) = if na == 0.0 || nb == 0.0 {
        (0.0, 1.0)
    } else {
        let pooled = (a.converted + b.converted) as f64 / (na + nb);
        let se = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
        // With a pooled rate of 0 or 1 both arms are identical: no evidence of a difference.
        if se == 0.0 {
            (0.0, 1.0)
        } else {
            let z = lift / se;
            (z, (2.0 * (1.0 - normal_cdf(z.abs()))).clamp(0.0, 1.0))
        }
    };
    let wald = |p: f64, n: f64| if n == 0.0 { 0.0 } else { p * (1.0 - p) / n };
    let half = Z_95 * (wald(pa, na) + wald(pb, nb)).sqrt();
    let relative_lift = (pa > 0.0).then(|| lift / pa);
    let verdict = verdict(&a, &b, lift, p_value, rules);
    Comparison {
        metric: Metric::Conversion,
        lift,
        lift_low: lift - half,
        lift_high: lift + half,
        relative_lift,
        z,
        p_value,
        verdict,
        a,
        b,
    }
}

/// The verdict of a comparison, the same for every metric: both arms at least `min_arm`
/// customers, `p` below `alpha`, and a difference at all.
pub(super) fn verdict(a: &Arm, b: &Arm, lift: f64, p_value: f64, rules: VerdictRules) -> Verdict {
    let enough = a.entered >= rules.min_arm && b.entered >= rules.min_arm;
    if enough && p_value < rules.alpha && lift != 0.0 {
        let winner = if lift > 0.0 { &b.name } else { &a.name };
        Verdict::Better {
            winner: winner.clone(),
            confidence: 1.0 - p_value,
        }
    } else {
        Verdict::NotEnoughData
    }
}
