//! Maximum-likelihood fitting on log-parameters: BFGS with analytic gradients first, Nelder–Mead
//! from the best point found when BFGS fails, and a soft bound on every log-parameter.
//!
//! The bound keeps a fit finite when the likelihood keeps improving as a parameter runs off to 0
//! or infinity (for BG/NBD, data without drop-out drives `a` and `b` up without end): beyond
//! `±bound` a quadratic penalty pulls the parameter back, so the fit stops just past the bound
//! and says so in [`FitDiagnostics::at_bound`] instead of returning 3e7.

use serde::{Deserialize, Serialize};

use super::{bfgs, nelder_mead};

/// How a maximum-likelihood fit went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitDiagnostics {
    /// Log-likelihood of the data at the fitted parameters, in the caller's units.
    pub log_likelihood: f64,
    /// Optimiser iterations (BFGS, plus Nelder–Mead when it had to take over).
    pub iterations: usize,
    /// Number of objective evaluations.
    pub evaluations: usize,
    /// True when the optimiser met its tolerance; false means the parameters are the best found
    /// but not a verified optimum.
    pub converged: bool,
    /// True when a parameter ended at its bound: the likelihood keeps improving towards 0 or
    /// infinity, so that parameter is only a limit (still usable for predictions).
    pub at_bound: bool,
}

/// The outcome of a minimisation: the best point, its value and the work done.
#[derive(Debug, Clone)]
pub struct Minimum {
    pub point: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
    pub evaluations: usize,
    pub converged: bool,
}

/// Weight of the quadratic penalty beyond the bound, on the scale of a per-customer mean.
const PENALTY: f64 = 1.0;

/// Minimises `f` (value and gradient at a point of log-parameters) from `start`, with every
/// coordinate softly bounded to `±bound`. Returns the minimum (value without the penalty) and
/// whether a coordinate ended at (within 1 of) the bound.
pub fn minimize_bounded(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    start: &[f64],
    bound: f64,
) -> (Minimum, bool) {
    let mut penalized = |x: &[f64], g: &mut [f64]| {
        let mut value = f(x, g);
        for (xi, gi) in x.iter().zip(g.iter_mut()) {
            let excess = xi.abs() - bound;
            if excess > 0.0 {
                value += PENALTY * excess * excess;
                *gi += 2.0 * PENALTY * excess * xi.signum();
            }
        }
        value
    };
    let mut found = bfgs::minimize(&mut penalized, start);
    if !found.converged {
        let mut scratch = vec![0.0; start.len()];
        let from = if found.value.is_finite() {
            found.point.clone()
        } else {
            start.to_vec()
        };
        let fallback = nelder_mead::minimize(|x| penalized(x, &mut scratch), &from);
        let improved = fallback.value <= found.value || !found.value.is_finite();
        found = Minimum {
            iterations: found.iterations + fallback.iterations,
            evaluations: found.evaluations + fallback.evaluations,
            converged: fallback.converged,
            ..if improved { fallback } else { found }
        };
    }
    // Within a factor e of the bound counts: no real data puts a parameter there, so the
    // likelihood is running towards the limit (on a flat ridge it may stop just short of it).
    let at_bound = found.point.iter().any(|x| x.abs() > bound - 1.0);
    let mut scratch = vec![0.0; start.len()];
    found.value = f(&found.point, &mut scratch);
    (found, at_bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_that_runs_off_stops_at_the_bound() {
        // The value keeps falling as x[0] grows; x[1] has an interior optimum at 1.
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = -(-x[0]).exp();
            g[1] = 2.0 * (x[1] - 1.0);
            (-x[0]).exp() + (x[1] - 1.0).powi(2)
        };
        let (m, at_bound) = minimize_bounded(f, &[0.0, 0.0], 10.0);
        assert!(at_bound);
        assert!(m.point[0] > 10.0 && m.point[0] < 10.1, "{:?}", m.point);
        assert!((m.point[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn an_interior_optimum_is_not_at_the_bound() {
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * (x[0] + 3.0);
            (x[0] + 3.0).powi(2)
        };
        let (m, at_bound) = minimize_bounded(f, &[0.0], 10.0);
        assert!(!at_bound && m.converged);
        assert!((m.point[0] + 3.0).abs() < 1e-8);
    }
}
