//! Customer-base analytics that turn purchase histories into forecasts: the BG/NBD model of
//! repeat purchasing and churn, the Gamma-Gamma model of spend per order, and customer lifetime
//! value built from both.
//!
//! Everything here is a pure function over arrays of [`RfmInput`]: no IO and no clock (ARCHITECTURE.md,
//! invariant 10). The caller summarises orders into `(x, t_x, T, monetary)` per customer, in a
//! time unit of its choice (days or weeks), and passes every time in that same unit.

mod bfgs;
mod bgnbd;
mod bgnbd_likelihood;
mod calibration;
mod clv;
mod error;
mod gamma_gamma;
mod grouping;
mod hyp2f1;
pub mod lifecycle;
mod mbgnbd;
mod nelder_mead;
mod optimize;
pub mod report;
pub mod rfm;

pub use bgnbd::{BgNbd, BgNbdFit};
pub use calibration::{calibrate, Calibration, CalibrationRow};
pub use clv::{
    score_customer, score_customers, ClvOptions, CustomerScore, DiscountRate, DAYS_PER_MONTH,
    WEEKS_PER_MONTH,
};
pub use error::AnalyticsError;
pub use gamma_gamma::{GammaGamma, GammaGammaFit};
pub use hyp2f1::hyp2f1;
pub use lifecycle::{lifecycle, Lifecycle, LifecycleConfig};
pub use mbgnbd::MbgNbd;
pub use optimize::FitDiagnostics;
pub use rfm::{rfm_scores, RfmScore, RfmValues};

/// One customer's purchase history summarised for the models.
///
/// All three times are measured in the same unit, chosen by the caller (days or weeks); the fitted
/// BG/NBD scale parameter `alpha` and every horizon passed to a prediction are then in that unit
/// too. The first purchase starts the clock and is not counted as a repeat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmInput {
    /// Number of repeat purchases (purchases after the first); a whole number `>= 0`.
    pub x: f64,
    /// Time of the last purchase, measured from the first purchase (`0` when `x == 0`).
    pub t_x: f64,
    /// Age of the customer: time from the first purchase to the end of the observation period.
    pub t: f64,
    /// Mean value of the repeat purchases (used only by Gamma-Gamma, and only when `x > 0`).
    pub monetary: f64,
}

impl RfmInput {
    /// Checks the summary a BG/NBD computation needs: finite, `x` a whole number `>= 0`, and
    /// `0 <= t_x <= T`, with `t_x == 0` when there is no repeat purchase.
    pub fn check_frequency(&self, index: usize) -> Result<(), AnalyticsError> {
        let bad = |field: &'static str, value: f64, rule: &'static str| {
            Err(AnalyticsError::InvalidInput {
                index,
                field,
                value,
                rule,
            })
        };
        if !self.x.is_finite() || self.x < 0.0 || self.x.fract() != 0.0 {
            return bad("x", self.x, "a whole number of repeat purchases >= 0");
        }
        if !self.t.is_finite() || self.t < 0.0 {
            return bad("T", self.t, "a finite age >= 0");
        }
        if !self.t_x.is_finite() || self.t_x < 0.0 || self.t_x > self.t {
            return bad("t_x", self.t_x, "a finite time between 0 and T");
        }
        if self.x == 0.0 && self.t_x != 0.0 {
            return bad("t_x", self.t_x, "0 when x is 0 (no repeat purchase)");
        }
        Ok(())
    }
}
