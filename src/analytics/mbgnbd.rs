//! The modified BG/NBD model (Batislam, Denizel & Filiztekin, 2007), fitted only for the churn
//! risk of one-time buyers.
//!
//! BG/NBD lets a customer drop out only after a repeat purchase, so every one-time buyer is
//! alive with probability 1 there, and a shop would see all its one-time buyers at 0 % churn.
//! MBG/NBD also allows a drop-out right after the first purchase; fitted on the same summaries,
//! its `P(alive | x = 0, T) = 1 / (1 + a/b · ((α+T)/α)^r)` falls with the time since the order.
//! Its likelihood per customer is
//! `B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / Γ(r) · [(α+T)^-(r+x) + a/(b+x) · (α+t_x)^-(r+x)]`.
//! The four log-parameters are fitted by Nelder–Mead on the grouped patterns, with times
//! rescaled as in `BgNbd::fit`.

use statrs::function::gamma::ln_gamma;

use super::grouping::Patterns;
use super::nelder_mead::minimize;
use super::{AnalyticsError, RfmInput};

/// Fitted MBG/NBD parameters, in the caller's time unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MbgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

/// Log-parameters beyond this are not searched: they mean no variation at all.
const LOG_BOUND: f64 = 12.0;

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// `ln(e^u + e^v)` without overflow.
fn ln_add(u: f64, v: f64) -> f64 {
    let m = u.max(v);
    m + ((u - m).exp() + (v - m).exp()).ln()
}

fn log_likelihood(p: &Patterns, r: f64, alpha: f64, a: f64, b: f64) -> f64 {
    let base = r * alpha.ln() - ln_gamma(r) - ln_beta(a, b);
    // Logarithms per distinct age and recency, and the terms of `x` per run of equal `x` (the
    // patterns are sorted by `x`), so an evaluation costs few gamma functions.
    let ln_ages: Vec<f64> = p.ages.iter().map(|t| (alpha + t).ln()).collect();
    let ln_recencies: Vec<f64> = p.recencies.iter().map(|t| (alpha + t).ln()).collect();
    let mut cached_x = f64::NAN;
    let mut per_x = 0.0;
    let mut total = 0.0;
    for pat in &p.patterns {
        let x = pat.x;
        if x != cached_x {
            cached_x = x;
            per_x = ln_beta(a, b + x + 1.0) + ln_gamma(r + x);
        }
        let first = -(r + x) * ln_ages[pat.age as usize];
        let second = (a / (b + x)).ln() - (r + x) * ln_recencies[pat.recency as usize];
        total += pat.weight * (base + per_x + ln_add(first, second));
    }
    total
}

impl MbgNbd {
    /// Fits the model on validated summaries (the same the BG/NBD fit takes).
    pub fn fit(customers: &[RfmInput]) -> Result<MbgNbd, AnalyticsError> {
        let max_age = customers.iter().map(|c| c.t).fold(0.0, f64::max);
        if customers.len() < 2 || max_age <= 0.0 {
            return Err(AnalyticsError::TooFewCustomers {
                model: "MBG/NBD",
                needed: 2,
                got: customers.len(),
            });
        }
        let scale = 10.0 / max_age;
        let patterns = Patterns::new(customers, scale);
        let n = customers.len() as f64;
        let objective = |v: &[f64]| {
            if v.iter().any(|x| x.abs() > LOG_BOUND) {
                return f64::INFINITY;
            }
            -log_likelihood(&patterns, v[0].exp(), v[1].exp(), v[2].exp(), v[3].exp()) / n
        };
        let found = minimize(objective, &[0.0; 4]);
        if !found.value.is_finite() {
            return Err(AnalyticsError::Degenerate {
                model: "MBG/NBD",
                reason: "the log-likelihood is not finite anywhere".into(),
            });
        }
        let p = &found.point;
        Ok(MbgNbd {
            r: p[0].exp(),
            alpha: p[1].exp() / scale,
            a: p[2].exp(),
            b: p[3].exp(),
        })
    }

    /// Probability that a customer with `x` repeats, the last at `t_x`, observed for `big_t`,
    /// is still active: `1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))`.
    pub fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        let ln_odds = (self.a / (self.b + x)).ln()
            + (self.r + x) * ((self.alpha + big_t) / (self.alpha + t_x)).ln();
        1.0 / (1.0 + ln_odds.exp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shop whose one-time buyers of long ago have mostly gone: 300 repeat buyers active to
    /// the end, and 300 one-time buyers spread over the year.
    fn shop() -> Vec<RfmInput> {
        let mut out = Vec::new();
        for i in 0..300 {
            let t = 365.0 - (i % 60) as f64;
            out.push(RfmInput {
                x: 4.0 + (i % 5) as f64,
                t_x: t - 10.0,
                t,
                monetary: 50.0,
            });
            out.push(RfmInput {
                x: 0.0,
                t_x: 0.0,
                t: (i + 5) as f64,
                monetary: 0.0,
            });
        }
        out
    }

    #[test]
    fn one_time_buyers_of_long_ago_are_more_at_risk() {
        let model = MbgNbd::fit(&shop()).unwrap();
        let (week, year) = (model.p_alive(0.0, 0.0, 7.0), model.p_alive(0.0, 0.0, 300.0));
        assert!(week > year, "{week} {year}");
        assert!((0.0..1.0).contains(&year) && week < 1.0, "{model:?}");
        // A repeat buyer who bought last week is safer than a one-time buyer of a year ago.
        assert!(model.p_alive(5.0, 355.0, 365.0) > year);
    }
}
