//! Errors of the analytics models: each names the customer or model at fault and what to do.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalyticsError {
    #[error("customer #{index}: field {field} is {value}, but it must be {rule}; fix the customer summary")]
    InvalidInput {
        index: usize,
        field: &'static str,
        value: f64,
        rule: &'static str,
    },
    #[error("{model} needs at least {needed} customers to fit, got {got}; collect more history before fitting")]
    TooFewCustomers {
        model: &'static str,
        needed: usize,
        got: usize,
    },
    #[error("{model} cannot be fitted: {reason}")]
    Degenerate { model: &'static str, reason: String },
    #[error("invalid option {option} = {value}: it must be {rule}")]
    InvalidOption {
        option: &'static str,
        value: f64,
        rule: &'static str,
    },
    #[error("the hypergeometric function 2F1({a}, {b}; {c}; {z}) could not be evaluated within its term bound; the fitted parameters are extreme, refit with more history")]
    NoConvergence { a: f64, b: f64, c: f64, z: f64 },
}
