//! A BFGS quasi-Newton minimiser for the model fits.
//!
//! The log-likelihoods of BG/NBD and Gamma-Gamma are smooth in the log-parameters and their
//! gradients are cheap (digamma terms per distinct purchase count), so a quasi-Newton method
//! reaches the optimum in a few dozen evaluations where Nelder–Mead needs hundreds. The line
//! search backtracks until the Armijo condition holds and the value is finite, and never moves a
//! log-parameter by more than [`MAX_STEP`] at once, so a first step cannot overflow `exp`.
//!
//! On a flat ridge (a likelihood whose optimum lies at infinity) the steps shrink to nothing
//! while the gradient stays just above the tolerance; when the value has stopped decreasing for
//! [`STALLED`] iterations the search ends there, converged if the gradient is small.

use super::optimize::Minimum;

/// Stop when every gradient component is below this (objective is a per-customer mean).
const G_TOL: f64 = 1e-9;
const MAX_ITERATIONS: usize = 200;
/// The largest change of one log-parameter in one step.
const MAX_STEP: f64 = 4.0;
const ARMIJO: f64 = 1e-4;
const MAX_BACKTRACKS: usize = 50;
/// Successive iterations without a relative decrease above [`F_TOL`] that end the search.
const STALLED: usize = 3;
const F_TOL: f64 = 1e-12;

/// Minimises `f` (which returns the value and writes the gradient into its second argument)
/// from `start`. `converged` is true when the gradient vanished to [`G_TOL`], when the value
/// stopped decreasing (relative change below [`F_TOL`] for [`STALLED`] iterations), or when no
/// further decrease is representable and the gradient is already small.
pub fn minimize(mut f: impl FnMut(&[f64], &mut [f64]) -> f64, start: &[f64]) -> Minimum {
    let n = start.len();
    let mut evaluations = 0;
    let mut eval = |x: &[f64], g: &mut [f64]| {
        evaluations += 1;
        let v = f(x, g);
        if v.is_finite() && g.iter().all(|d| d.is_finite()) {
            v
        } else {
            f64::INFINITY
        }
    };
    let mut x = start.to_vec();
    let mut g = vec![0.0; n];
    let mut value = eval(&x, &mut g);
    let result = |x: Vec<f64>, value: f64, iterations: usize, converged: bool, e: usize| Minimum {
        point: x,
        value,
        iterations,
        evaluations: e,
        converged,
    };
    if !value.is_finite() {
        return result(x, value, 0, false, evaluations);
    }
    // Inverse Hessian approximation, row-major.
    let mut h = identity(n);
    let mut first = true;
    let (mut trial, mut trial_g) = (vec![0.0; n], vec![0.0; n]);
    let mut stalled = 0;
    for iteration in 0..MAX_ITERATIONS {
        if max_abs(&g) < G_TOL {
            return result(x, value, iteration, true, evaluations);
        }
        let mut d = times(&h, &g, -1.0);
        let mut slope = dot(&g, &d);
        if slope >= 0.0 || !slope.is_finite() {
            // Not a descent direction: the approximation went bad, so start again from steepest
            // descent.
            h = identity(n);
            d = g.iter().map(|v| -v).collect();
            slope = dot(&g, &d);
        }
        let longest = max_abs(&d);
        let mut step = if longest > MAX_STEP {
            MAX_STEP / longest
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_BACKTRACKS {
            for i in 0..n {
                trial[i] = x[i] + step * d[i];
            }
            let v = eval(&trial, &mut trial_g);
            if v <= value + ARMIJO * step * slope {
                accepted = Some(v);
                break;
            }
            // The minimum of the quadratic through the value and slope at 0 and the value at
            // `step`, kept within [0.1, 0.5] of the step; plain halving where v is not finite.
            let shrink = if v.is_finite() {
                let curvature = v - value - slope * step;
                (-slope * step / (2.0 * curvature)).clamp(0.1, 0.5)
            } else {
                0.5
            };
            step *= shrink;
        }
        let Some(new_value) = accepted else {
            // No decrease is representable along the direction: at the optimum to rounding if
            // the gradient is small, a failure otherwise.
            let converged = max_abs(&g) < 1e-5;
            let e = evaluations;
            return result(x, value, iteration, converged, e);
        };
        let s: Vec<f64> = (0..n).map(|i| trial[i] - x[i]).collect();
        let y: Vec<f64> = (0..n).map(|i| trial_g[i] - g[i]).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() {
            if first {
                // Scale the initial approximation to the curvature seen (Nocedal & Wright 6.20).
                let scale = sy / dot(&y, &y);
                h = identity(n).into_iter().map(|v| v * scale).collect();
                first = false;
            }
            update(&mut h, &s, &y, sy);
        }
        x.copy_from_slice(&trial);
        g.copy_from_slice(&trial_g);
        let decrease = value - new_value;
        value = new_value;
        stalled = if decrease <= F_TOL * value.abs() {
            stalled + 1
        } else {
            0
        };
        if stalled >= STALLED {
            // The usual relative-decrease criterion (SciPy's L-BFGS-B stops at 2.2e-9).
            return result(x, value, iteration + 1, true, evaluations);
        }
    }
    let converged = max_abs(&g) < G_TOL;
    let e = evaluations;
    result(x, value, MAX_ITERATIONS, converged, e)
}

/// The BFGS update of the inverse Hessian `h` with step `s` and gradient change `y`.
fn update(h: &mut [f64], s: &[f64], y: &[f64], sy: f64) {
    let n = s.len();
    let rho = 1.0 / sy;
    let hy = times(h, y, 1.0);
    let yhy = dot(y, &hy);
    for i in 0..n {
        for j in 0..n {
            h[i * n + j] +=
                (1.0 + rho * yhy) * rho * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j]);
        }
    }
}

fn identity(n: usize) -> Vec<f64> {
    (0..n * n)
        .map(|k| if k / n == k % n { 1.0 } else { 0.0 })
        .collect()
}

/// `sign * h · v`.
fn times(h: &[f64], v: &[f64], sign: f64) -> Vec<f64> {
    let n = v.len();
    (0..n)
        .map(|i| sign * (0..n).map(|j| h[i * n + j] * v[j]).sum::<f64>())
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_function() {
        let rosen = |x: &[f64], g: &mut [f64]| {
            g[0] = -2.0 * (1.0 - x[0]) - 400.0 * x[0] * (x[1] - x[0] * x[0]);
            g[1] = 200.0 * (x[1] - x[0] * x[0]);
            (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2)
        };
        let m = minimize(rosen, &[-1.2, 1.0]);
        assert!(m.converged, "{m:?}");
        assert!((m.point[0] - 1.0).abs() < 1e-6, "{:?}", m.point);
        assert!((m.point[1] - 1.0).abs() < 1e-6, "{:?}", m.point);
        assert!(m.evaluations < 200, "{}", m.evaluations);
    }

    #[test]
    fn backs_off_from_undefined_regions() {
        // Undefined for x < 0 (NaN); the minimum sits at x = 2, reached from far away.
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * (x[0] - 2.0);
            if x[0] < 0.0 {
                f64::NAN
            } else {
                (x[0] - 2.0).powi(2)
            }
        };
        let m = minimize(f, &[30.0]);
        assert!(m.converged);
        assert!((m.point[0] - 2.0).abs() < 1e-8, "{:?}", m.point);
    }

    #[test]
    fn reports_failure_when_the_start_is_undefined() {
        let f = |_: &[f64], g: &mut [f64]| {
            g[0] = 0.0;
            f64::NAN
        };
        assert!(!minimize(f, &[1.0]).converged);
    }
}
