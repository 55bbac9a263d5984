//! The BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting Your Customers
//! the Easy Way"): fitting by maximum likelihood, the probability that a customer is still
//! active, and the expected number of purchases in a future period.
//!
//! While active a customer buys with Poisson rate `λ ~ Gamma(r, α)`; after each purchase they
//! drop out with probability `p ~ Beta(a, b)`. `α` is in the caller's time unit.

use super::bgnbd_likelihood::{log_likelihood, log_likelihood_and_gradient};
use super::grouping::Patterns;
use super::hyp2f1::hyp2f1_scaled;
use super::optimize::{minimize_bounded, FitDiagnostics};
use super::{AnalyticsError, RfmInput};

const MODEL: &str = "BG/NBD";
/// The soft bound on every log-parameter (times rescaled to a largest age of 10): parameters
/// stay within about `e^±12` (1.6e5), far outside anything a real shop's data supports, so the
/// bound only acts when the likelihood has no interior optimum.
pub(crate) const LOG_BOUND: f64 = 12.0;

/// Fitted BG/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbd {
    /// Shape of the gamma distribution of purchase rates.
    pub r: f64,
    /// Scale of the gamma distribution of purchase rates, in the caller's time unit.
    pub alpha: f64,
    /// First shape of the beta distribution of drop-out probabilities.
    pub a: f64,
    /// Second shape of the beta distribution of drop-out probabilities.
    pub b: f64,
}

/// The result of [`BgNbd::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct BgNbdFit {
    pub model: BgNbd,
    pub diagnostics: FitDiagnostics,
    /// Number of customers fitted.
    pub customers: usize,
    /// Number of distinct `(x, t_x, T)` patterns the likelihood was evaluated over.
    pub patterns: usize,
}

impl BgNbd {
    /// Fits the model by maximum likelihood.
    ///
    /// Identical `(x, t_x, T)` summaries are grouped first, and times are rescaled internally so
    /// that the oldest customer has age 10 (as the lifetimes package does), which makes the
    /// starting point `r = α = a = b = 1` reasonable whatever the time unit. The likelihood is
    /// maximised by BFGS on the log-parameters with its analytic gradient (Nelder–Mead takes over
    /// if BFGS fails). `threads` splits each evaluation over that many threads when there are
    /// many patterns (0 = all cores).
    ///
    /// When the likelihood keeps improving as a parameter runs off to 0 or infinity (typically
    /// `a` and `b` when drop-out hardly varies between customers or nobody drops out), the
    /// parameter stops at a soft bound and `diagnostics.at_bound` is set; such a model still
    /// predicts (p_alive near 1 when nobody drops out).
    ///
    /// Fails on invalid summaries, fewer than two customers, data without any repeat purchase,
    /// and when the likelihood is not finite anywhere.
    pub fn fit(customers: &[RfmInput], threads: usize) -> Result<BgNbdFit, AnalyticsError> {
        for (i, c) in customers.iter().enumerate() {
            c.check_frequency(i)?;
        }
        if customers.len() < 2 {
            return Err(AnalyticsError::TooFewCustomers {
                model: MODEL,
                needed: 2,
                got: customers.len(),
            });
        }
        let repeats: f64 = customers.iter().map(|c| c.x).sum();
        if repeats == 0.0 {
            return Err(degenerate(
                "no customer has a repeat purchase (every x is 0), so the purchase rate and drop-out cannot be told apart; fit once some customers have bought twice".into(),
            ));
        }
        let max_age = customers.iter().map(|c| c.t).fold(0.0, f64::max);
        if max_age <= 0.0 {
            return Err(degenerate("every customer has age T = 0".into()));
        }
        let scale = 10.0 / max_age;
        let patterns = Patterns::new(customers, scale);
        let threads = resolve_threads(threads);
        let n = customers.len() as f64;
        let objective = |v: &[f64], grad: &mut [f64]| {
            let params = [v[0].exp(), v[1].exp(), v[2].exp(), v[3].exp()];
            let (ll, d) = log_likelihood_and_gradient(&patterns, params, threads);
            for i in 0..4 {
                // Chain rule for log-parameters: d/d ln θ = θ d/dθ.
                grad[i] = -params[i] * d[i] / n;
            }
            -ll / n
        };
        let (found, at_bound) = minimize_bounded(objective, &[0.0; 4], LOG_BOUND);
        if !found.value.is_finite() || found.point.iter().any(|v| !v.is_finite()) {
            return Err(degenerate(
                "the log-likelihood is not finite anywhere".into(),
            ));
        }
        let p = &found.point;
        let model = BgNbd {
            r: p[0].exp(),
            alpha: p[1].exp() / scale,
            a: p[2].exp(),
            b: p[3].exp(),
        };
        // Rescaling times by `scale` shifts the log-likelihood by `ln(scale)` per repeat purchase;
        // undo it so the reported value is in the caller's units (comparable with the paper).
        let log_likelihood = -found.value * n + repeats * scale.ln();
        Ok(BgNbdFit {
            model,
            diagnostics: FitDiagnostics {
                log_likelihood,
                iterations: found.iterations,
                evaluations: found.evaluations,
                converged: found.converged,
                at_bound,
            },
            customers: customers.len(),
            patterns: patterns.patterns.len(),
        })
    }

    /// Total log-likelihood of `customers` under these parameters, in the caller's units.
    pub fn log_likelihood(&self, customers: &[RfmInput]) -> Result<f64, AnalyticsError> {
        for (i, c) in customers.iter().enumerate() {
            c.check_frequency(i)?;
        }
        let patterns = Patterns::new(customers, 1.0);
        Ok(log_likelihood(
            &patterns, self.r, self.alpha, self.a, self.b, 1,
        ))
    }

    /// Probability that a customer with `x` repeats, the last at `t_x`, observed for `big_t`,
    /// is still active (Fader, Hardie & Lee, note 021). A customer without repeats is alive
    /// with probability 1 under BG/NBD, because drop-out can only happen after a purchase.
    pub fn p_alive(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        if x <= 0.0 {
            return 1.0;
        }
        let ln_odds_dead = (self.r + x) * ((self.alpha + big_t) / (self.alpha + t_x)).ln()
            + (self.a / (self.b + x - 1.0)).ln();
        1.0 / (1.0 + ln_odds_dead.exp())
    }

    /// `1 - p_alive`: the probability that the customer has already churned.
    pub fn churn_risk(&self, x: f64, t_x: f64, big_t: f64) -> f64 {
        1.0 - self.p_alive(x, t_x, big_t)
    }

    /// Expected number of purchases in the next `t` time units for a customer with `x` repeats,
    /// the last at `t_x`, observed for `big_t` (eq. 10 of the paper):
    ///
    /// `E[X(t) | x, t_x, T] = p_alive(x, t_x, T) · E[X(t) | alive, x, T]` with
    /// `E[X(t) | alive, x, T] = (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))]`.
    ///
    /// With `x = t_x = T = 0` it is the expected purchases of a new customer (eq. 9). Fails on
    /// invalid arguments, and in principle when 2F1 cannot be evaluated within its term bound
    /// (it uses a transformation near `z = 1`, so that takes extreme parameters).
    pub fn expected_purchases(
        &self,
        t: f64,
        x: f64,
        t_x: f64,
        big_t: f64,
    ) -> Result<f64, AnalyticsError> {
        let c = RfmInput {
            x,
            t_x,
            t: big_t,
            monetary: 0.0,
        };
        c.check_frequency(0)?;
        if !t.is_finite() || t < 0.0 {
            return Err(AnalyticsError::InvalidOption {
                option: "t",
                value: t,
                rule: "a finite horizon >= 0",
            });
        }
        Ok(self.p_alive(x, t_x, big_t) * self.expected_if_alive(t, x, big_t)?)
    }

    /// Expected purchases in the next `t` of a customer with `x` repeats and age `big_t` who is
    /// still active: the part of eq. 10 that does not depend on `t_x`, so callers can share it
    /// between customers with the same `(x, T)`. Arguments must already be valid.
    pub(crate) fn expected_if_alive(
        &self,
        t: f64,
        x: f64,
        big_t: f64,
    ) -> Result<f64, AnalyticsError> {
        // The expression has a removable singularity at a = 1; evaluate either side of it.
        const STEP: f64 = 1e-6;
        if (self.a - 1.0).abs() < STEP {
            let below = BgNbd {
                a: 1.0 - STEP,
                ..*self
            };
            let above = BgNbd {
                a: 1.0 + STEP,
                ..*self
            };
            let lo = below.if_alive(t, x, big_t)?;
            let hi = above.if_alive(t, x, big_t)?;
            return Ok(lo + (hi - lo) * (self.a - below.a) / (2.0 * STEP));
        }
        self.if_alive(t, x, big_t)
    }

    fn if_alive(&self, t: f64, x: f64, big_t: f64) -> Result<f64, AnalyticsError> {
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        let z = t / (alpha + big_t + t);
        let scaled = hyp2f1_scaled(r + x, b + x, a + b + x - 1.0, z)?;
        Ok(((a + b + x - 1.0) / (a - 1.0) * (1.0 - scaled)).max(0.0))
    }
}

fn degenerate(reason: String) -> AnalyticsError {
    AnalyticsError::Degenerate {
        model: MODEL,
        reason,
    }
}

/// Turns "0 = all cores" into a thread count.
pub(crate) fn resolve_threads(threads: usize) -> usize {
    if threads > 0 {
        threads
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}
