//! A small Nelder–Mead minimiser: the fallback of the model fits when the quasi-Newton method
//! (`bfgs`) fails, since it needs no gradient and walks away from undefined regions.
//!
//! The simplex is restarted around the best point until a restart no longer improves the
//! objective, which guards against the premature collapse Nelder–Mead is known for.

use super::optimize::Minimum;

/// Relative tolerance on the spread of objective values across the simplex.
const F_TOL: f64 = 1e-12;
/// Absolute tolerance on the simplex size (log-parameter scale).
const X_TOL: f64 = 1e-9;
const MAX_ITERATIONS: usize = 5_000;
const MAX_RESTARTS: usize = 5;

/// Minimises `f` from `start`. Non-finite objective values count as `+inf`, so the simplex walks
/// away from regions where the likelihood is undefined.
pub fn minimize(mut f: impl FnMut(&[f64]) -> f64, start: &[f64]) -> Minimum {
    let mut evaluations = 0;
    let mut eval = |x: &[f64]| {
        evaluations += 1;
        let v = f(x);
        if v.is_finite() {
            v
        } else {
            f64::INFINITY
        }
    };
    let mut best = start.to_vec();
    let mut best_value = eval(&best);
    let mut iterations = 0;
    let mut converged = false;
    for restart in 0..=MAX_RESTARTS {
        let step = if restart == 0 { 0.5 } else { 0.05 };
        let (point, value, iters, done) = run_simplex(&mut eval, &best, best_value, step);
        iterations += iters;
        let improvement = best_value - value;
        let improved = value < best_value;
        if improved {
            best = point;
            best_value = value;
        }
        converged = done;
        if restart > 0 && (!improved || improvement <= F_TOL * (best_value.abs() + F_TOL)) {
            break;
        }
    }
    Minimum {
        point: best,
        value: best_value,
        iterations,
        evaluations,
        converged,
    }
}

/// One Nelder–Mead run with the standard coefficients from a simplex of the given step around
/// `start`; returns the best vertex, its value, the iterations used and whether it converged.
fn run_simplex(
    eval: &mut impl FnMut(&[f64]) -> f64,
    start: &[f64],
    start_value: f64,
    step: f64,
) -> (Vec<f64>, f64, usize, bool) {
    let n = start.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((start.to_vec(), start_value));
    for i in 0..n {
        let mut vertex = start.to_vec();
        vertex[i] += step;
        let value = eval(&vertex);
        simplex.push((vertex, value));
    }
    for iteration in 0..MAX_ITERATIONS {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        if has_converged(&simplex) {
            let (point, value) = simplex.swap_remove(0);
            return (point, value, iteration, true);
        }
        let centroid = centroid(&simplex[..n]);
        let worst = simplex[n].clone();
        let reflected = along(&centroid, &worst.0, -1.0);
        let reflected_value = eval(&reflected);
        if reflected_value < simplex[0].1 {
            let expanded = along(&centroid, &worst.0, -2.0);
            let expanded_value = eval(&expanded);
            simplex[n] = if expanded_value < reflected_value {
                (expanded, expanded_value)
            } else {
                (reflected, reflected_value)
            };
        } else if reflected_value < simplex[n - 1].1 {
            simplex[n] = (reflected, reflected_value);
        } else {
            // Contract towards the better of the worst vertex and its reflection.
            let outside = reflected_value < worst.1;
            let t = if outside { -0.5 } else { 0.5 };
            let contracted = along(&centroid, &worst.0, t);
            let contracted_value = eval(&contracted);
            if contracted_value < reflected_value.min(worst.1) {
                simplex[n] = (contracted, contracted_value);
            } else {
                let best = simplex[0].0.clone();
                for vertex in simplex.iter_mut().skip(1) {
                    let shrunk = along(&best, &vertex.0, 0.5);
                    let value = eval(&shrunk);
                    *vertex = (shrunk, value);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (point, value) = simplex.swap_remove(0);
    (point, value, MAX_ITERATIONS, false)
}

fn has_converged(sorted: &[(Vec<f64>, f64)]) -> bool {
    let best = &sorted[0];
    let worst_value = sorted[sorted.len() - 1].1;
    let f_spread = worst_value - best.1;
    if !f_spread.is_finite() || f_spread > F_TOL * (best.1.abs() + F_TOL) {
        return false;
    }
    sorted.iter().skip(1).all(|(x, _)| {
        x.iter()
            .zip(&best.0)
            .all(|(a, b)| (a - b).abs() <= X_TOL.max(1e-7 * b.abs()))
    })
}

fn centroid(vertices: &[(Vec<f64>, f64)]) -> Vec<f64> {
    let n = vertices.len() as f64;
    let mut c = vec![0.0; vertices[0].0.len()];
    for (x, _) in vertices {
        for (ci, xi) in c.iter_mut().zip(x) {
            *ci += xi / n;
        }
    }
    c
}

/// The point `from + t * (to - from)`.
fn along(from: &[f64], to: &[f64], t: f64) -> Vec<f64> {
    from.iter().zip(to).map(|(a, b)| a + t * (b - a)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_function() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = minimize(rosen, &[-1.2, 1.0]);
        assert!(m.converged);
        assert!((m.point[0] - 1.0).abs() < 1e-5, "{:?}", m.point);
        assert!((m.point[1] - 1.0).abs() < 1e-5, "{:?}", m.point);
    }

    #[test]
    fn walks_away_from_undefined_regions() {
        // The objective is undefined (NaN) for x < 0; the minimum sits at x = 2.
        let f = |x: &[f64]| {
            if x[0] < 0.0 {
                f64::NAN
            } else {
                (x[0] - 2.0).powi(2)
            }
        };
        let m = minimize(f, &[0.1]);
        assert!((m.point[0] - 2.0).abs() < 1e-5);
    }
}
