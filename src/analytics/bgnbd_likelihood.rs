//! The BG/NBD log-likelihood over grouped purchase patterns (Fader, Hardie & Lee 2005, eq. 6,
//! in the log-sum-exp form of Hardie's note 004 so that it stays finite for large `x` and `T`).
//!
//! For one customer with `x` repeats, last at `t_x`, observed for `T`:
//! `LL = A1 + A2 + ln(exp(A3) + [x > 0] exp(A4))` with
//! `A1 = lnΓ(r + x) - lnΓ(r) + r ln α`,
//! `A2 = lnΓ(a + b) + lnΓ(b + x) - lnΓ(b) - lnΓ(a + b + x)`,
//! `A3 = -(r + x) ln(α + T)` and `A4 = ln a - ln(b + x - 1) - (r + x) ln(α + t_x)`.

//!
//! The gradient, which the quasi-Newton fit needs, follows by differentiating each term; the
//! log-gamma and digamma terms depend on `x` only, and `x` takes few distinct values, so they are
//! computed once per distinct `x` per evaluation, not once per pattern.

use statrs::function::gamma::{digamma, ln_gamma};

use super::grouping::{Pattern, Patterns};

/// Above this many patterns an evaluation is split across threads; below it the cost of
/// starting threads outweighs the work.
const PARALLEL_PATTERNS: usize = 50_000;

/// Sum over all patterns of `weight * LL` at `(r, alpha, a, b)`.
pub fn log_likelihood(p: &Patterns, r: f64, alpha: f64, a: f64, b: f64, threads: usize) -> f64 {
    evaluate(p, [r, alpha, a, b], threads, false).0
}

/// The log-likelihood and its gradient with respect to `(r, alpha, a, b)`.
pub fn log_likelihood_and_gradient(
    p: &Patterns,
    params: [f64; 4],
    threads: usize,
) -> (f64, [f64; 4]) {
    evaluate(p, params, threads, true)
}

fn evaluate(p: &Patterns, params: [f64; 4], threads: usize, gradient: bool) -> (f64, [f64; 4]) {
    let [r, alpha, a, b] = params;
    let ln_age: Vec<f64> = p.ages.iter().map(|t| (alpha + t).ln()).collect();
    let ln_recency: Vec<f64> = p.recencies.iter().map(|t| (alpha + t).ln()).collect();
    let inv_age: Vec<f64> = p.ages.iter().map(|t| 1.0 / (alpha + t)).collect();
    let inv_recency: Vec<f64> = p.recencies.iter().map(|t| 1.0 / (alpha + t)).collect();
    let (psi_r, psi_ab, psi_b) = if gradient {
        (digamma(r), digamma(a + b), digamma(b))
    } else {
        (0.0, 0.0, 0.0)
    };
    let shared = Shared {
        r,
        alpha,
        a,
        b,
        gradient,
        r_ln_alpha: r * alpha.ln(),
        ln_beta_ab: ln_gamma(a + b) - ln_gamma(b) - ln_gamma(r),
        ln_alpha: alpha.ln(),
        psi_r,
        psi_ab,
        psi_b,
        ln_a: a.ln(),
        ln_age: &ln_age,
        ln_recency: &ln_recency,
        inv_age: &inv_age,
        inv_recency: &inv_recency,
    };
    let threads = threads.max(1);
    let sums = if threads == 1 || p.patterns.len() < PARALLEL_PATTERNS {
        shared.sum(&p.patterns)
    } else {
        let chunk = p.patterns.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = p
                .patterns
                .chunks(chunk)
                .map(|part| {
                    let shared = &shared;
                    scope.spawn(move || shared.sum(part))
                })
                .collect();
            handles.into_iter().fold([0.0; 5], |acc, h| {
                let part = h.join().unwrap_or([f64::NAN; 5]);
                std::array::from_fn(|i| acc[i] + part[i])
            })
        })
    };
    (sums[0], [sums[1], sums[2], sums[3], sums[4]])
}

/// Terms that do not depend on the pattern, computed once per evaluation.
struct Shared<'a> {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    gradient: bool,
    r_ln_alpha: f64,
    /// `lnΓ(a + b) - lnΓ(b) - lnΓ(r)`.
    ln_beta_ab: f64,
    ln_alpha: f64,
    psi_r: f64,
    psi_ab: f64,
    psi_b: f64,
    ln_a: f64,
    ln_age: &'a [f64],
    ln_recency: &'a [f64],
    inv_age: &'a [f64],
    inv_recency: &'a [f64],
}

/// What depends on `x` alone: the value and the derivatives of `A1 + A2` and of `ln` of the
/// drop-out odds `a / (b + x - 1)`.
#[derive(Default)]
struct PerX {
    value: f64,
    d_r: f64,
    d_a: f64,
    d_b: f64,
    ln_odds: f64,
    inv_bx1: f64,
}

impl Shared<'_> {
    fn per_x(&self, x: f64) -> PerX {
        let (r, a, b) = (self.r, self.a, self.b);
        let value = ln_gamma(r + x) + self.r_ln_alpha + self.ln_beta_ab + ln_gamma(b + x)
            - ln_gamma(a + b + x);
        let (ln_odds, inv_bx1) = if x > 0.0 {
            (self.ln_a - (b + x - 1.0).ln(), 1.0 / (b + x - 1.0))
        } else {
            (0.0, 0.0)
        };
        if !self.gradient {
            return PerX {
                value,
                ln_odds,
                ..PerX::default()
            };
        }
        let psi_abx = digamma(a + b + x);
        PerX {
            value,
            d_r: digamma(r + x) - self.psi_r + self.ln_alpha,
            d_a: self.psi_ab - psi_abx,
            d_b: self.psi_ab + digamma(b + x) - self.psi_b - psi_abx,
            ln_odds,
            inv_bx1,
        }
    }

    /// `[LL, dLL/dr, dLL/dalpha, dLL/da, dLL/db]` summed over `patterns` (sorted by x).
    fn sum(&self, patterns: &[Pattern]) -> [f64; 5] {
        let mut total = [0.0; 5];
        let mut last_x = f64::NAN;
        let mut px = PerX::default();
        for g in patterns {
            if g.x != last_x {
                last_x = g.x;
                px = self.per_x(g.x);
            }
            let rx = self.r + g.x;
            let (age, recency) = (g.age as usize, g.recency as usize);
            let a3 = -rx * self.ln_age[age];
            // `w4` is the share of the "dropped out at t_x" branch in exp(A3) + exp(A4).
            let (ll, w4) = if g.x > 0.0 {
                let a4 = px.ln_odds - rx * self.ln_recency[recency];
                let e = (-(a3 - a4).abs()).exp();
                let share_lo = e / (1.0 + e);
                if a3 > a4 {
                    (a3 + e.ln_1p(), share_lo)
                } else {
                    (a4 + e.ln_1p(), 1.0 - share_lo)
                }
            } else {
                (a3, 0.0)
            };
            total[0] += g.weight * (px.value + ll);
            if self.gradient {
                let w3 = 1.0 - w4;
                let w = g.weight;
                total[1] += w * (px.d_r - w3 * self.ln_age[age] - w4 * self.ln_recency[recency]);
                total[2] += w
                    * (self.r / self.alpha
                        - rx * (w3 * self.inv_age[age] + w4 * self.inv_recency[recency]));
                total[3] += w * (px.d_a + w4 / self.a);
                total[4] += w * (px.d_b - w4 * px.inv_bx1);
            }
        }
        total
    }
}
