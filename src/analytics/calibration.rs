//! Calibration of a fitted BG/NBD model against a holdout period: for customers grouped by
//! their number of repeat purchases in the calibration period, the mean purchases the model
//! predicts for the holdout beside the mean actually observed (Fader, Hardie & Lee 2005, fig. 4).

use super::{AnalyticsError, BgNbd, RfmInput};

/// One group of customers with the same calibration-period `x` (the last group holds every
/// customer with at least that many repeats).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrationRow {
    pub x: u32,
    pub customers: usize,
    pub predicted_mean: f64,
    pub actual_mean: f64,
}

/// Predicted versus actual holdout purchases.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub rows: Vec<CalibrationRow>,
    pub predicted_total: f64,
    pub actual_total: f64,
    /// Mean over customers of `|predicted − actual|`.
    pub mean_absolute_error: f64,
}

/// Compares predictions for a holdout of length `holdout_length` (caller time unit) with the
/// purchases each customer actually made in it (`holdout[i]` belongs to `customers[i]`);
/// customers with `x >= max_x` share the last row.
pub fn calibrate(
    bg: &BgNbd,
    customers: &[RfmInput],
    holdout: &[f64],
    holdout_length: f64,
    max_x: u32,
) -> Result<Calibration, AnalyticsError> {
    if holdout.len() != customers.len() {
        return Err(AnalyticsError::InvalidOption {
            option: "holdout length (number of counts)",
            value: holdout.len() as f64,
            rule: "one holdout count per customer",
        });
    }
    let mut rows: Vec<CalibrationRow> = (0..=max_x)
        .map(|x| CalibrationRow {
            x,
            customers: 0,
            predicted_mean: 0.0,
            actual_mean: 0.0,
        })
        .collect();
    let (mut predicted_total, mut actual_total, mut abs_error) = (0.0, 0.0, 0.0);
    for (index, (c, &actual)) in customers.iter().zip(holdout).enumerate() {
        if !actual.is_finite() || actual < 0.0 {
            return Err(AnalyticsError::InvalidInput {
                index,
                field: "holdout purchases",
                value: actual,
                rule: "a count >= 0",
            });
        }
        c.check_frequency(index)?;
        let predicted = bg.expected_purchases(holdout_length, c.x, c.t_x, c.t)?;
        let row = &mut rows[(c.x as u32).min(max_x) as usize];
        row.customers += 1;
        row.predicted_mean += predicted;
        row.actual_mean += actual;
        predicted_total += predicted;
        actual_total += actual;
        abs_error += (predicted - actual).abs();
    }
    for row in &mut rows {
        if row.customers > 0 {
            row.predicted_mean /= row.customers as f64;
            row.actual_mean /= row.customers as f64;
        }
    }
    Ok(Calibration {
        rows,
        predicted_total,
        actual_total,
        mean_absolute_error: abs_error / customers.len().max(1) as f64,
    })
}
