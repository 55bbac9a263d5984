//! The IO side of the customer models: reads order histories from the store, fits BG/NBD and
//! Gamma-Gamma (`analytics`, which stays pure), computes RFM, lifecycle and predictions, and
//! writes them to `model_fits` and `customer_scores`, where segments read them as `rfm.*`,
//! `lifecycle` and `predicted.*`.
//!
//! Summaries are in whole UTC days, like the lifetimes package with `freq = "D"`: orders on
//! the same day count as one purchase (their totals are added), so `x` is the number of later
//! days with an order, `t_x` the days from the first to the last of them, `T` the days from the
//! first order to `now`, and `monetary` the mean of the repeat days' totals in currency units.
//! Every order counts, whatever its status, as it does for `orders_count`.

mod error;
mod history;
mod holdout;
mod options;
mod params;
mod scoring;

pub use error::ScoreError;
pub use history::{read_histories, Summary, DAY_MS};
pub use holdout::{holdout_calibration, Holdout};
pub use options::ScoreOptions;
pub use params::{
    last_fit, latest_fit_id, BgNbdParams, FitReportOf, GammaGammaParams, ModelDiagnostics,
    ModelParams, StoredFit,
};
pub use scoring::{fit_and_score, refresh_scores, score_with, uses_model_fields, FitReport};
