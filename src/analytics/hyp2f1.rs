//! The Gauss hypergeometric function 2F1(a, b; c; z) for real `z < 1`, which the BG/NBD
//! conditional expectation needs (Fader, Hardie & Lee 2005, eq. 10).
//!
//! The power series converges for `|z| < 1` but ever more slowly as `z` nears 1, and with large
//! parameters its terms first grow enormously; the first version summed up to a million terms
//! and still failed on degenerate fits. Now every series is cut at [`MAX_TERMS`], and the value
//! comes from whichever of three forms converges with the smallest rounding error (estimated from
//! the largest term against the sum, as in Pearson's survey of 2F1 methods):
//!
//! * the series itself, or its Euler transform `(1 - z)^(c-a-b) 2F1(c-a, c-b; c; z)`;
//! * for `z` near 1, the connection formula to `1 - z` (Abramowitz & Stegun 15.3.6), whose two
//!   series converge fast there; when `c - a - b` is (nearly) an integer that formula is
//!   singular, and it is evaluated at `c ± h` and averaged, which is exact to `O(h²)`;
//! * for negative `z`, the Pfaff transform `(1 - z)^(-a) 2F1(a, c-b; c; z/(z-1))` first maps
//!   `z` into [0, 1).
//!
//! This is the approach of Cephes/SciPy's `hyp2f1`, which lifetimes uses, so it is always fast
//! (a few thousand terms at most) and finite wherever the function is.

use statrs::function::gamma::ln_gamma;

use super::AnalyticsError;

/// The most terms any one series may sum.
const MAX_TERMS: usize = 3_000;
/// Above this `z` the connection formula is tried first.
const NEAR_ONE: f64 = 0.75;
/// `c - a - b` closer than this to an integer counts as an integer for the connection formula.
const NEAR_INTEGER: f64 = 1e-4;
/// The spacing of the interpolation points in `c` around a (near-)integer `c - a - b`.
const SHIFT: f64 = 2e-4;
/// A form whose estimated relative error is below this is taken without trying the others.
const GOOD_ENOUGH: f64 = 1e-13;

/// Evaluates 2F1(a, b; c; z) for `z < 1`.
///
/// Fails when `c` is zero or a negative integer (the function is undefined), when `z >= 1` or an
/// argument is not finite, and when no form converges to a finite value within the term bound.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64, AnalyticsError> {
    scaled(a, b, c, z, 0.0)
}

/// Evaluates `(1 - z)^a * 2F1(a, b; c; z)`, which stays finite where 2F1 itself overflows (large
/// `a` near `z = 1`), as the BG/NBD expectation needs.
pub(crate) fn hyp2f1_scaled(a: f64, b: f64, c: f64, z: f64) -> Result<f64, AnalyticsError> {
    scaled(a, b, c, z, a)
}

/// `(1 - z)^s * 2F1(a, b; c; z)`.
fn scaled(a: f64, b: f64, c: f64, z: f64, s: f64) -> Result<f64, AnalyticsError> {
    let fail = || AnalyticsError::NoConvergence { a, b, c, z };
    if z >= 1.0 || ![a, b, c, z, s].iter().all(|v| v.is_finite()) {
        return Err(fail());
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return Err(fail());
    }
    if z < 0.0 {
        // Pfaff: with w = z/(z-1) in (0, 1) and 1 - w = 1/(1 - z),
        // (1-z)^s 2F1(a, b; c; z) = (1-w)^(a-s) 2F1(a, c-b; c; w).
        let w = z / (z - 1.0);
        return best(a, c - b, c, w, a - s).ok_or_else(fail);
    }
    best(a, b, c, z, s).ok_or_else(fail)
}

/// A value and its estimated relative rounding error.
type Estimate = (f64, f64);

/// The most accurate of the forms that converge, for `0 <= z < 1`.
fn best(a: f64, b: f64, c: f64, z: f64, s: f64) -> Option<f64> {
    let ln_1mz = (-z).ln_1p();
    let power_series = || {
        // Of the series and its Euler transform, the one with the smaller leading coefficient
        // has the smaller terms.
        if ((c - a) * (c - b)).abs() < (a * b).abs() {
            euler(a, b, c, z, s, ln_1mz)
        } else {
            direct(a, b, c, z, s, ln_1mz)
        }
    };
    let forms: [&dyn Fn() -> Option<Estimate>; 2] = if z > NEAR_ONE {
        [&|| connection(a, b, c, z, s, ln_1mz), &power_series]
    } else {
        [&power_series, &|| connection(a, b, c, z, s, ln_1mz)]
    };
    let mut chosen: Option<Estimate> = None;
    for form in forms {
        if let Some((value, error)) = form() {
            if value.is_finite() && chosen.is_none_or(|(_, e)| error < e) {
                chosen = Some((value, error));
            }
        }
        if chosen.is_some_and(|(_, e)| e < GOOD_ENOUGH) {
            break;
        }
    }
    chosen.map(|(value, _)| value)
}

fn direct(a: f64, b: f64, c: f64, z: f64, s: f64, ln_1mz: f64) -> Option<Estimate> {
    let sum = series(a, b, c, z)?;
    let factor = (s * ln_1mz).exp();
    Some((factor * sum.value, sum.relative_error()))
}

fn euler(a: f64, b: f64, c: f64, z: f64, s: f64, ln_1mz: f64) -> Option<Estimate> {
    let sum = series(c - a, c - b, c, z)?;
    let factor = ((c - a - b + s) * ln_1mz).exp();
    Some((factor * sum.value, sum.relative_error()))
}

/// Abramowitz & Stegun 15.3.6, times `(1 - z)^s`:
/// `Γ(c)Γ(d)/(Γ(c-a)Γ(c-b)) F(a, b; 1-d; 1-z) + (1-z)^d Γ(c)Γ(-d)/(Γ(a)Γ(b)) F(c-a, c-b; 1+d; 1-z)`
/// with `d = c - a - b`.
fn connection(a: f64, b: f64, c: f64, z: f64, s: f64, ln_1mz: f64) -> Option<Estimate> {
    let d = c - a - b;
    let n = d.round();
    let e = d - n;
    if e.abs() >= NEAR_INTEGER {
        return connection_generic(a, b, c, z, s, ln_1mz);
    }
    // Interpolate in c through the points where c - a - b = n + k·h, k = ±1, ±2 (Lagrange,
    // exact to O(h⁴)); the value wanted is at offset e from n.
    let nodes = [-2.0 * SHIFT, -SHIFT, SHIFT, 2.0 * SHIFT];
    let (mut value, mut error) = (0.0, 0.0_f64);
    for (j, &u) in nodes.iter().enumerate() {
        let (v, err) = connection_generic(a, b, c - e + u, z, s, ln_1mz)?;
        let weight: f64 = nodes
            .iter()
            .enumerate()
            .filter(|&(m, _)| m != j)
            .map(|(_, &um)| (e - um) / (u - um))
            .product();
        value += weight * v;
        error = error.max(err * weight.abs());
    }
    // The interpolation itself is good to about 1e-12 here; never claim better.
    Some((value, error + 1e-12))
}

fn connection_generic(a: f64, b: f64, c: f64, z: f64, s: f64, ln_1mz: f64) -> Option<Estimate> {
    let d = c - a - b;
    let w = 1.0 - z;
    let gc = gamma_parts(c);
    // Each term is `sign · exp(ln) · F`; a reciprocal gamma of a non-positive integer makes the
    // whole term zero.
    let term = |num: [(f64, f64); 2], den: [(f64, f64); 2], power: f64, p: f64, q: f64, r: f64| {
        if den.iter().any(|g| g.0 == 0.0) {
            return Some((0.0, 0.0));
        }
        let sign = num[0].0 * num[1].0 * den[0].0 * den[1].0;
        let ln = num[0].1 + num[1].1 - den[0].1 - den[1].1 + power * ln_1mz;
        let magnitude = num[0].1.abs() + num[1].1.abs() + den[0].1.abs() + den[1].1.abs();
        let sum = series(p, q, r, w)?;
        let coefficient = sign * ln.exp();
        // Rounding in the series and in the log-gamma values (absolute error ~ eps·|lnΓ|).
        let error =
            f64::EPSILON * coefficient.abs() * (4.0 * sum.largest + sum.value.abs() * magnitude);
        Some((coefficient * sum.value, error))
    };
    let (t1, e1) = term(
        [gc, gamma_parts(d)],
        [gamma_parts(c - a), gamma_parts(c - b)],
        s,
        a,
        b,
        1.0 - d,
    )?;
    let (t2, e2) = term(
        [gc, gamma_parts(-d)],
        [gamma_parts(a), gamma_parts(b)],
        s + d,
        c - a,
        c - b,
        1.0 + d,
    )?;
    let value = t1 + t2;
    Some((value, (e1 + e2) / value.abs().max(f64::MIN_POSITIVE)))
}

/// `(sign, ln|Γ(x)|)`; the sign is 0 where Γ has a pole (x a non-positive integer).
fn gamma_parts(x: f64) -> (f64, f64) {
    if x > 0.0 {
        return (1.0, ln_gamma(x));
    }
    if x.fract() == 0.0 {
        return (0.0, f64::INFINITY);
    }
    // Reflection: Γ(x) = π / (sin(πx) Γ(1 - x)).
    let sin = (std::f64::consts::PI * x).sin();
    (
        sin.signum(),
        std::f64::consts::PI.ln() - sin.abs().ln() - ln_gamma(1.0 - x),
    )
}

/// A summed series: its value and its largest term in magnitude.
struct Sum {
    value: f64,
    largest: f64,
}

impl Sum {
    fn relative_error(&self) -> f64 {
        4.0 * f64::EPSILON * self.largest / self.value.abs().max(f64::MIN_POSITIVE)
    }
}

/// The plain power series on `0 <= z < 1`; `None` when it has not converged within
/// [`MAX_TERMS`] terms or overflowed.
fn series(a: f64, b: f64, c: f64, z: f64) -> Option<Sum> {
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    let mut largest = 1.0_f64;
    for k in 0..MAX_TERMS {
        let k = k as f64;
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        largest = largest.max(term.abs());
        if !sum.is_finite() {
            return None;
        }
        if term == 0.0 {
            return Some(Sum {
                value: sum,
                largest,
            });
        }
        // Once a + k, b + k and c + k are positive, every later ratio of consecutive terms is
        // at most z · max((a+k+1)/(k+2), 1) · max((b+k+1)/(c+k+1), 1), since each factor moves
        // monotonically towards 1 (and likewise with a and b swapped); below one, the tail is at
        // most term · bound / (1 - bound).
        let k1 = k + 1.0;
        if a + k1 > 0.0 && b + k1 > 0.0 && c + k1 > 0.0 {
            let pair =
                |p: f64, q: f64| ((p + k1) / (k1 + 1.0)).max(1.0) * ((q + k1) / (c + k1)).max(1.0);
            let bound = z * pair(a, b).min(pair(b, a));
            if bound < 1.0 && term.abs() * bound / (1.0 - bound) <= 1e-17 * sum.abs().max(largest) {
                return Some(Sum {
                    value: sum,
                    largest,
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn matches_closed_forms() {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z.
        for z in [0.01, 0.3, 0.7, 0.95, 0.999] {
            let want = -(1.0_f64 - z).ln() / z;
            assert!(
                close(hyp2f1(1.0, 1.0, 2.0, z).unwrap(), want, 1e-12),
                "z = {z}"
            );
        }
        // 2F1(a, b; b; z) = (1 - z)^(-a).
        for (a, b, z) in [(0.3, 2.5, 0.4), (7.2, 3.1, 0.9), (20.0, 0.5, 0.6)] {
            let want = (1.0_f64 - z).powf(-a);
            assert!(
                close(hyp2f1(a, b, b, z).unwrap(), want, 1e-11),
                "{a} {b} {z}"
            );
        }
        // 2F1(1/2, 1/2; 3/2; z^2) = asin(z) / z.
        for z in [0.2_f64, 0.8, 0.99] {
            let want = z.asin() / z;
            assert!(close(hyp2f1(0.5, 0.5, 1.5, z * z).unwrap(), want, 1e-11));
        }
    }

    #[test]
    fn scaled_form_agrees_and_survives_large_parameters() {
        for (a, b, c, z) in [
            (2.2, 3.4, 3.1, 0.7),
            (0.3, 2.5, 1.9, 0.95),
            (12.0, 14.0, 15.0, 0.5),
        ] {
            let want = (1.0_f64 - z).powf(a) * hyp2f1(a, b, c, z).unwrap();
            assert!(close(hyp2f1_scaled(a, b, c, z).unwrap(), want, 1e-10));
        }
        // With a = b = c - 1 + small the plain value overflows, the scaled one does not.
        let v = hyp2f1_scaled(900.0, 902.0, 901.5, 0.9).unwrap();
        assert!(v.is_finite() && v > 0.0);
    }

    #[test]
    fn is_one_at_zero_and_rejects_bad_arguments() {
        assert_eq!(hyp2f1(2.0, 3.0, 4.0, 0.0).unwrap(), 1.0);
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_err());
        assert!(hyp2f1(1.0, 1.0, 2.0, f64::NEG_INFINITY).is_err());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_err());
        assert!(hyp2f1(f64::NAN, 1.0, 2.0, 0.5).is_err());
    }

    /// Values of `scipy.special.hyp2f1` (SciPy 1.17.1), computed offline with
    /// `print(repr(float(hyp2f1(a, b, c, z))))`: near z = 1 with BG/NBD-like parameters (CDNOW's
    /// r, a, b; a customer with 10 and 40 repeats), integer `c - a - b` (the connection
    /// formula's singular case), large parameters, and negative z (the Pfaff branch).
    const SCIPY: [(f64, f64, f64, f64, f64); 21] = [
        // asin(0.5) / 0.5 = π/3.
        (0.5, 0.5, 1.5, 0.25, std::f64::consts::FRAC_PI_3),
        (1.0, 1.0, 2.0, 0.999, 6.914669948931067),
        (2.2, 3.4, 3.1, 0.7, 18.861650879098356),
        (0.3, 2.5, 1.9, 0.95, 5.087647761551616),
        (12.0, 14.0, 15.0, 0.5, 2282.937296491776),
        (0.243, 2.426, 2.219, 0.9, 1.9476311698186006),
        (0.243, 2.426, 2.219, 0.99, 4.375261367408511),
        (0.243, 2.426, 2.219, 0.9999, 29.99618702810157),
        (10.24, 12.43, 14.22, 0.95, 183162519246.16046),
        (40.2, 52.8, 53.6, 0.8, 4.149992085075276e27),
        (40.2, 52.8, 53.6, 0.85, 3.517955026012718e32),
        (3.23, 14.77, 14.57, 0.979, 419961.57776523713),
        (1.5, 2.5, 4.0, 0.9, 5.493137516982068),
        (1.5, 2.5, 4.0, -0.5, 0.6740402468255937),
        (1.5, 2.5, 4.0, -3.0, 0.2317990953045755),
        (0.7, 1.3, 2.1, -20.0, 0.19694432783309618),
        (5.0, 3.0, 8.0, 0.999999, 1074.3970343784258),
        (0.25, 2.5, 3.3, 0.98, 1.5893493142918418),
        (100.2, 112.8, 113.6, 0.3, 2569212470267759.5),
        (1.0, 1.0, 3.0, 0.95, 1.7733260638721349),
        (2.0, 3.0, 5.0, 0.9, 8.561538392187565),
    ];

    #[test]
    fn matches_scipy() {
        let mut worst = (0.0, 0);
        for (i, &(a, b, c, z, want)) in SCIPY.iter().enumerate() {
            let got = hyp2f1(a, b, c, z).unwrap_or_else(|e| panic!("case {i}: {e}"));
            let err = (got - want).abs() / want.abs();
            if err > worst.0 {
                worst = (err, i);
            }
        }
        eprintln!(
            "largest relative difference from SciPy: {:e} (case {})",
            worst.0, worst.1
        );
        assert!(
            worst.0 < 1e-8,
            "case {}: relative error {:e}",
            worst.1,
            worst.0
        );
    }

    #[test]
    fn degenerate_fit_parameters_stay_finite() {
        // A BG/NBD fit that ran off (a, b around 3e7) with a long horizon: the old million-term
        // series failed here. The scaled value must be a probability-like number in [0, 1].
        for z in [0.5, 0.9, 0.99, 0.999_999] {
            let (r, a, b, x) = (0.3_f64, 3e7_f64, 3.1e7_f64, 5.0_f64);
            let v = hyp2f1_scaled(r + x, b + x, a + b + x - 1.0, z).unwrap();
            assert!(
                v.is_finite() && (0.0..=1.0 + 1e-9).contains(&v),
                "z = {z}: {v}"
            );
        }
    }

    #[test]
    fn pfaff_agrees_with_the_closed_form_for_negative_z() {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z holds for negative z as well. Far out, z/(z-1) is
        // near 1 and c - a - b = 0, so the value comes from the interpolated connection formula,
        // good to about 1e-10.
        for (z, tol) in [
            (-0.2_f64, 1e-13),
            (-1.0, 1e-13),
            (-7.5, 1e-10),
            (-300.0, 1e-10),
        ] {
            let want = -(1.0 - z).ln() / z;
            assert!(
                close(hyp2f1(1.0, 1.0, 2.0, z).unwrap(), want, tol),
                "z = {z}"
            );
        }
    }
}
