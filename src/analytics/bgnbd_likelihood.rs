//! The BG/NBD log-likelihood over grouped purchase patterns (Fader, Hardie & Lee 2005, eq. 6,
//! in the log-sum-exp form of Hardie's note 004 so that it stays finite for large `x` and `T`).
//!
//! For one customer with `x` repeats, last at `t_x`, observed for `T`:
//! `LL = A1 + A2 + ln(exp(A3) + [x > 0] exp(A4))` with
//! `A1 = lnΓ(r + x) - lnΓ(r) + r ln α`,
//! `A2 = lnΓ(a + b) + lnΓ(b + x) - lnΓ(b) - lnΓ(a + b + x)`,
//! `A3 = -(r + x) ln(α + T)` and `A4 = ln a - ln(b + x - 1) - (r + x) ln(α + t_x)`.

use statrs::function::gamma::ln_gamma;

use super::grouping::{Pattern, Patterns};

/// Above this many patterns a likelihood evaluation is split across threads; below it the cost
/// of starting threads outweighs the work.
const PARALLEL_PATTERNS: usize = 50_000;

/// Sum over all patterns of `weight * LL` at `(r, alpha, a, b)`.
pub fn log_likelihood(p: &Patterns, r: f64, alpha: f64, a: f64, b: f64, threads: usize) -> f64 {
    let ln_age: Vec<f64> = p.ages.iter().map(|t| (alpha + t).ln()).collect();
    let ln_recency: Vec<f64> = p.recencies.iter().map(|t| (alpha + t).ln()).collect();
    let shared = Shared {
        r,
        a,
        b,
        r_ln_alpha: r * alpha.ln(),
        ln_beta_ab: ln_gamma(a + b) - ln_gamma(b) - ln_gamma(r),
        ln_a: a.ln(),
        ln_age: &ln_age,
        ln_recency: &ln_recency,
    };
    let threads = threads.max(1);
    if threads == 1 || p.patterns.len() < PARALLEL_PATTERNS {
        return shared.sum(&p.patterns);
    }
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
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(f64::NAN))
            .sum()
    })
}

/// Terms that do not depend on the pattern, computed once per evaluation.
struct Shared<'a> {
    r: f64,
    a: f64,
    b: f64,
    r_ln_alpha: f64,
    /// `lnΓ(a + b) - lnΓ(b) - lnΓ(r)`.
    ln_beta_ab: f64,
    ln_a: f64,
    ln_age: &'a [f64],
    ln_recency: &'a [f64],
}

impl Shared<'_> {
    fn sum(&self, patterns: &[Pattern]) -> f64 {
        let mut total = 0.0;
        // Patterns are sorted by x, so the terms that depend only on x are recomputed only when
        // x changes.
        let mut last_x = f64::NAN;
        let (mut per_x, mut ln_alive_odds) = (0.0, 0.0);
        for g in patterns {
            if g.x != last_x {
                last_x = g.x;
                let x = g.x;
                per_x =
                    ln_gamma(self.r + x) + self.r_ln_alpha + self.ln_beta_ab + ln_gamma(self.b + x)
                        - ln_gamma(self.a + self.b + x);
                ln_alive_odds = if x > 0.0 {
                    self.ln_a - (self.b + x - 1.0).ln()
                } else {
                    0.0
                };
            }
            let rx = self.r + g.x;
            let a3 = -rx * self.ln_age[g.age as usize];
            let ll = if g.x > 0.0 {
                let a4 = ln_alive_odds - rx * self.ln_recency[g.recency as usize];
                let (hi, lo) = if a3 > a4 { (a3, a4) } else { (a4, a3) };
                hi + (lo - hi).exp().ln_1p()
            } else {
                a3
            };
            total += g.weight * (per_x + ll);
        }
        total
    }
}
