//! Errors of fitting and storing the customer models.

use crate::analytics::AnalyticsError;

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("reading or writing the model tables failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the models cannot be fitted on these orders: {0}")]
    Model(#[from] AnalyticsError),
    #[error("the stored model parameters (model_fits row {id}) are unreadable: {message}; run `segflow model fit` again")]
    BadParams { id: i64, message: String },
    #[error("{0}")]
    Invalid(String),
}
