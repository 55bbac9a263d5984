//! The Gauss hypergeometric function 2F1(a, b; c; z) on 0 <= z < 1, which the BG/NBD conditional
//! expectation needs (Fader, Hardie & Lee 2005, eq. 10).
//!
//! In that use `z = t / (alpha + T + t)` lies in [0, 1), so the power series converges; it is
//! summed term by term with each term obtained from the previous one by the ratio
//! `(a + k)(b + k) / ((c + k)(k + 1)) * z`, which never forms large factorials. When the Euler
//! transform `2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z)` gives a series whose
//! terms shrink faster (smaller `|(c - a)(c - b)|` than `|ab|`), that form is summed instead.

use super::AnalyticsError;

/// Enough terms for `z` up to about 0.9999 at double precision.
const MAX_TERMS: usize = 1_000_000;

/// Evaluates 2F1(a, b; c; z) for `0 <= z < 1`.
///
/// Fails when `c` is zero or a negative integer (the function is undefined), when `z` is
/// outside [0, 1), or when the series has not converged after a million terms (z extremely close
/// to 1).
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> Result<f64, AnalyticsError> {
    let fail = || AnalyticsError::NoConvergence { a, b, c, z };
    if !(0.0..1.0).contains(&z) || ![a, b, c].iter().all(|v| v.is_finite()) {
        return Err(fail());
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return Err(fail());
    }
    let euler_a = c - a;
    let euler_b = c - b;
    if (euler_a * euler_b).abs() < (a * b).abs() {
        let tail = series(euler_a, euler_b, c, z).ok_or_else(fail)?;
        let value = (1.0 - z).powf(c - a - b) * tail;
        return if value.is_finite() {
            Ok(value)
        } else {
            Err(fail())
        };
    }
    series(a, b, c, z)
        .filter(|v| v.is_finite())
        .ok_or_else(fail)
}

/// Evaluates `(1 - z)^a * 2F1(a, b; c; z)` without forming either factor alone when the Euler
/// form applies, so that it stays finite where `2F1` itself overflows (large `a` near `z = 1`).
pub(crate) fn hyp2f1_scaled(a: f64, b: f64, c: f64, z: f64) -> Result<f64, AnalyticsError> {
    let fail = || AnalyticsError::NoConvergence { a, b, c, z };
    if !(0.0..1.0).contains(&z) || ![a, b, c].iter().all(|v| v.is_finite()) {
        return Err(fail());
    }
    if c <= 0.0 && c.fract() == 0.0 {
        return Err(fail());
    }
    let value = if ((c - a) * (c - b)).abs() < (a * b).abs() {
        (1.0 - z).powf(c - b) * series(c - a, c - b, c, z).ok_or_else(fail)?
    } else {
        (1.0 - z).powf(a) * series(a, b, c, z).ok_or_else(fail)?
    };
    if value.is_finite() {
        Ok(value)
    } else {
        Err(fail())
    }
}

/// The plain power series; `None` when it has not converged within [`MAX_TERMS`].
fn series(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 0..MAX_TERMS {
        let k = k as f64;
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term == 0.0 {
            return Some(sum);
        }
        // Once k exceeds the parameters the ratio is below one and still falling towards z, so
        // the remaining tail is bounded by term * ratio / (1 - ratio); stop when that is negligible.
        let ratio = ((a + k + 1.0) * (b + k + 1.0) / ((c + k + 1.0) * (k + 2.0)) * z).abs();
        if k > a.abs() + b.abs() + c.abs() && ratio < 1.0 {
            let tail = term.abs() * ratio / (1.0 - ratio);
            if tail <= 1e-16 * sum.abs() {
                return Some(sum);
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
        assert!(hyp2f1(1.0, 1.0, 2.0, -0.1).is_err());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_err());
        assert!(hyp2f1(f64::NAN, 1.0, 2.0, 0.5).is_err());
    }
}
