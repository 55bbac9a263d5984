//! `segflow model show --holdout DATE`: fits on the orders before DATE and compares the
//! purchases the model predicts after it with the purchases customers actually made up to
//! `now`, by calibration-period frequency.

use rusqlite::Connection;

use super::history::{read_histories, summarize, DAY_MS};
use super::params::{ModelDiagnostics, ModelParams};
use super::scoring::fit;
use super::{ScoreError, ScoreOptions};
use crate::analytics::{calibrate, Calibration, RfmInput};

/// Customers with at least this many calibration repeats share the last row.
const MAX_X: u32 = 7;

/// The outcome of a holdout check.
#[derive(Debug, Clone)]
pub struct Holdout {
    pub params: ModelParams,
    pub diagnostics: ModelDiagnostics,
    /// Days from the cutoff to `now`.
    pub holdout_days: f64,
    pub calibration: Calibration,
}

/// Fits on orders placed before `cutoff` and checks the forecast for `cutoff..=now`.
pub fn holdout_calibration(
    conn: &Connection,
    cutoff: i64,
    now: i64,
    options: &ScoreOptions,
) -> Result<Holdout, ScoreError> {
    if cutoff >= now {
        return Err(ScoreError::Invalid(
            "the holdout date must be before --now (the end of the holdout period)".into(),
        ));
    }
    let mut summaries = Vec::new();
    let mut actual = Vec::new();
    read_histories(conn, now, |id, orders| {
        let split = orders.partition_point(|&(at, _)| at < cutoff);
        let summary = summarize(id, &orders[..split], cutoff, &options.lifecycle);
        if summary.model.is_none() {
            return;
        }
        let mut days: Vec<i64> = orders[split..]
            .iter()
            .map(|&(at, _)| at.div_euclid(DAY_MS))
            .collect();
        days.dedup();
        summaries.push(summary);
        actual.push(days.len() as f64);
    })?;
    let (params, diagnostics) = fit(&summaries, options)?;
    let inputs: Vec<RfmInput> = summaries.iter().filter_map(|s| s.model).collect();
    let holdout_days = (now.div_euclid(DAY_MS) - cutoff.div_euclid(DAY_MS)) as f64;
    let calibration = calibrate(&params.bgnbd(), &inputs, &actual, holdout_days, MAX_X)?;
    Ok(Holdout {
        params,
        diagnostics,
        holdout_days,
        calibration,
    })
}
