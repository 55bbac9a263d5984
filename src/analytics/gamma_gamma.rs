//! The Gamma-Gamma model of spend per order (Fader, Hardie & Lee 2005, "RFM and CLV"; Hardie's
//! note 025): each customer's order values are gamma with shape `p` and a customer-specific
//! scale drawn from a gamma with shape `q` and scale `v`. Fitted on repeat customers only, it
//! shrinks each customer's observed mean order value towards the population mean.

use statrs::function::gamma::{digamma, ln_gamma};

use super::bgnbd::{resolve_threads, LOG_BOUND};
use super::optimize::{minimize_bounded, FitDiagnostics};
use super::{AnalyticsError, RfmInput};

const MODEL: &str = "Gamma-Gamma";
const PARALLEL_CUSTOMERS: usize = 50_000;

/// Fitted Gamma-Gamma parameters; `v` is in the caller's money unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

/// The result of [`GammaGamma::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct GammaGammaFit {
    pub model: GammaGamma,
    pub diagnostics: FitDiagnostics,
    /// Number of repeat customers (`x > 0`) the model was fitted on.
    pub customers: usize,
}

/// One repeat customer as the likelihood sees it, with the logarithm of the mean spend taken once.
#[derive(Debug, Clone, Copy)]
struct Spend {
    x: f64,
    m: f64,
    ln_m: f64,
}

impl GammaGamma {
    /// Fits the model by maximum likelihood on the customers with `x > 0`; the others are
    /// ignored because they have no repeat order to average. Spend is rescaled internally to
    /// mean 1 so the starting point `p = q = v = 1` suits any currency.
    ///
    /// Fails when a repeat customer's `monetary` is not a positive finite number, when fewer
    /// than two customers have repeats, when a parameter runs off, or when `q <= 1` (the
    /// population mean spend would be infinite, so no expected value exists).
    pub fn fit(customers: &[RfmInput], threads: usize) -> Result<GammaGammaFit, AnalyticsError> {
        let mut spends = Vec::new();
        for (index, c) in customers.iter().enumerate() {
            c.check_frequency(index)?;
            if c.x == 0.0 {
                continue;
            }
            if !c.monetary.is_finite() || c.monetary <= 0.0 {
                return Err(AnalyticsError::InvalidInput {
                    index,
                    field: "monetary",
                    value: c.monetary,
                    rule: "a positive finite mean order value for a repeat customer (drop or clamp refunds before fitting Gamma-Gamma)",
                });
            }
            spends.push(c);
        }
        if spends.len() < 2 {
            return Err(AnalyticsError::TooFewCustomers {
                model: "Gamma-Gamma (repeat customers, x > 0)",
                needed: 2,
                got: spends.len(),
            });
        }
        let n = spends.len() as f64;
        let scale = n / spends.iter().map(|c| c.monetary).sum::<f64>();
        let mut data: Vec<Spend> = spends
            .iter()
            .map(|c| {
                let m = c.monetary * scale;
                Spend {
                    x: c.x,
                    m,
                    ln_m: m.ln(),
                }
            })
            .collect();
        data.sort_unstable_by(|a, b| a.x.total_cmp(&b.x));
        let threads = resolve_threads(threads);
        let objective = |u: &[f64], grad: &mut [f64]| {
            let params = [u[0].exp(), u[1].exp(), u[2].exp()];
            let (ll, d) = log_likelihood(&data, params, threads);
            for i in 0..3 {
                grad[i] = -params[i] * d[i] / n;
            }
            -ll / n
        };
        let (found, at_bound) = minimize_bounded(objective, &[0.0; 3], LOG_BOUND);
        if !found.value.is_finite() || found.point.iter().any(|v| !v.is_finite()) {
            return Err(AnalyticsError::Degenerate {
                model: MODEL,
                reason: "the log-likelihood is not finite anywhere; check for extreme order values"
                    .into(),
            });
        }
        let model = GammaGamma {
            p: found.point[0].exp(),
            q: found.point[1].exp(),
            v: found.point[2].exp() / scale,
        };
        if model.q <= 1.0 {
            return Err(AnalyticsError::Degenerate {
                model: MODEL,
                reason: format!(
                    "the fitted q = {} is not above 1, so the mean spend of the population is infinite; check for extreme order values",
                    model.q
                ),
            });
        }
        // Rescaling spend by `scale` shifts each customer's log-density by `-ln(scale)`; undo it.
        let log_likelihood = -found.value * n + n * scale.ln();
        Ok(GammaGammaFit {
            model,
            diagnostics: FitDiagnostics {
                log_likelihood,
                iterations: found.iterations,
                evaluations: found.evaluations,
                converged: found.converged,
                at_bound,
            },
            customers: spends.len(),
        })
    }

    /// Expected mean order value of a customer with `x` repeat purchases of mean value
    /// `monetary` (note 025, eq. 5): a weighted average of the population mean `p·v/(q-1)` and
    /// the customer's own mean, with weight `p·x/(p·x+q-1)` on the latter. With `x = 0` it is the
    /// population mean. Requires `q > 1`, which [`GammaGamma::fit`] guarantees.
    pub fn expected_average_value(&self, x: f64, monetary: f64) -> f64 {
        let population_mean = self.p * self.v / (self.q - 1.0);
        if x <= 0.0 {
            return population_mean;
        }
        let weight = self.p * x / (self.p * x + self.q - 1.0);
        (1.0 - weight) * population_mean + weight * monetary
    }
}

/// The Gamma-Gamma log-likelihood (note 025, eq. 1a) summed over customers sorted by `x`, and
/// its gradient with respect to `(p, q, v)`; the log-gamma and digamma terms are computed once
/// per distinct `x`.
fn log_likelihood(data: &[Spend], params: [f64; 3], threads: usize) -> (f64, [f64; 3]) {
    let [p, q, v] = params;
    let (ln_v, psi_q) = (v.ln(), digamma(q));
    let shared = q * ln_v - ln_gamma(q);
    let sum = |part: &[Spend]| {
        let mut total = [0.0; 4];
        let mut last_x = f64::NAN;
        let (mut per_x, mut d_p_x, mut d_q_x) = (0.0, 0.0, 0.0);
        for s in part {
            let px = p * s.x;
            if s.x != last_x {
                last_x = s.x;
                let ln_x = s.x.ln();
                per_x = ln_gamma(px + q) - ln_gamma(px) + px * ln_x + shared;
                let psi_pxq = digamma(px + q);
                d_p_x = psi_pxq - digamma(px) + ln_x;
                d_q_x = psi_pxq + ln_v - psi_q;
            }
            let xm_v = s.x * s.m + v;
            let ln_xm_v = xm_v.ln();
            total[0] += per_x + (px - 1.0) * s.ln_m - (px + q) * ln_xm_v;
            total[1] += s.x * (d_p_x + s.ln_m - ln_xm_v);
            total[2] += d_q_x - ln_xm_v;
            total[3] += q / v - (px + q) / xm_v;
        }
        total
    };
    let sums = if threads <= 1 || data.len() < PARALLEL_CUSTOMERS {
        sum(data)
    } else {
        let chunk = data.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = data
                .chunks(chunk)
                .map(|part| scope.spawn(move || sum(part)))
                .collect();
            handles.into_iter().fold([0.0; 4], |acc, h| {
                let part = h.join().unwrap_or([f64::NAN; 4]);
                std::array::from_fn(|i| acc[i] + part[i])
            })
        })
    };
    (sums[0], [sums[1], sums[2], sums[3]])
}
