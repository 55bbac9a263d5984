//! The fitted parameters and diagnostics as stored in `model_fits` (JSON), and reading the
//! latest fit back so a refresh can score with it without fitting again.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::ScoreError;
use crate::analytics::{BgNbd, FitDiagnostics, GammaGamma, MbgNbd};

/// Parameters of the models; BG/NBD's and MBG/NBD's `alpha` are in days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelParams {
    pub bgnbd: BgNbdParams,
    pub gamma_gamma: GammaGammaParams,
    /// The modified BG/NBD, for the churn risk of one-time buyers only (`analytics::MbgNbd`);
    /// absent in fits stored before it existed, or when it could not be fitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mbgnbd: Option<BgNbdParams>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbdParams {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGammaParams {
    pub p: f64,
    pub q: f64,
    pub v: f64,
}

impl ModelParams {
    pub fn new(bg: &BgNbd, gg: &GammaGamma) -> ModelParams {
        ModelParams {
            bgnbd: BgNbdParams {
                r: bg.r,
                alpha: bg.alpha,
                a: bg.a,
                b: bg.b,
            },
            gamma_gamma: GammaGammaParams {
                p: gg.p,
                q: gg.q,
                v: gg.v,
            },
            mbgnbd: None,
        }
    }

    /// The one-time buyers' drop-out model, when it was fitted.
    pub fn mbgnbd(&self) -> Option<MbgNbd> {
        self.mbgnbd.map(|p| MbgNbd {
            r: p.r,
            alpha: p.alpha,
            a: p.a,
            b: p.b,
        })
    }

    pub fn bgnbd(&self) -> BgNbd {
        let p = self.bgnbd;
        BgNbd {
            r: p.r,
            alpha: p.alpha,
            a: p.a,
            b: p.b,
        }
    }

    pub fn gamma_gamma(&self) -> GammaGamma {
        let p = self.gamma_gamma;
        GammaGamma {
            p: p.p,
            q: p.q,
            v: p.v,
        }
    }
}

/// How one model's maximum-likelihood fit went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitReportOf {
    pub log_likelihood: f64,
    pub iterations: usize,
    pub evaluations: usize,
    pub converged: bool,
    /// A parameter stopped at its bound (see `FitDiagnostics::at_bound`); fits stored before
    /// this field existed read as false.
    #[serde(default)]
    pub at_bound: bool,
    /// Customers the model was fitted on.
    pub customers: usize,
}

impl FitReportOf {
    pub fn new(d: &FitDiagnostics, customers: usize) -> FitReportOf {
        FitReportOf {
            log_likelihood: d.log_likelihood,
            iterations: d.iterations,
            evaluations: d.evaluations,
            converged: d.converged,
            at_bound: d.at_bound,
            customers,
        }
    }
}

/// Diagnostics of both fits and how long the fit took.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelDiagnostics {
    pub bgnbd: FitReportOf,
    pub gamma_gamma: FitReportOf,
    /// Distinct `(x, t_x, T)` patterns BG/NBD was evaluated over.
    pub patterns: usize,
    pub fit_millis: u128,
}

/// A row of `model_fits`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFit {
    pub id: i64,
    /// Wall-clock time of the fit, unix milliseconds.
    pub fitted_at: i64,
    /// The evaluation time the data was summarised at.
    pub now: i64,
    pub params: ModelParams,
    pub diagnostics: ModelDiagnostics,
}

/// Appends a fit to `model_fits` and returns its id.
pub fn store_fit(
    conn: &Connection,
    fitted_at: i64,
    now: i64,
    params: &ModelParams,
    diagnostics: &ModelDiagnostics,
) -> Result<i64, ScoreError> {
    let to_json = |v: serde_json::Result<String>| v.map_err(|e| ScoreError::Invalid(e.to_string()));
    Ok(crate::store::scores::insert_fit(
        conn,
        fitted_at,
        now,
        &to_json(serde_json::to_string(params))?,
        &to_json(serde_json::to_string(diagnostics))?,
    )?)
}

/// The id of the latest stored fit, 0 before the first: a cheap way to notice a new fit.
pub use crate::store::scores::latest_fit_id;

/// The most recent fit, if any.
pub fn last_fit(conn: &Connection) -> Result<Option<StoredFit>, ScoreError> {
    let row = crate::store::scores::latest_fit(conn)?;
    let Some((id, fitted_at, now, params, diagnostics)) = row else {
        return Ok(None);
    };
    let bad = |e: serde_json::Error| ScoreError::BadParams {
        id,
        message: e.to_string(),
    };
    Ok(Some(StoredFit {
        id,
        fitted_at,
        now,
        params: serde_json::from_str(&params).map_err(bad)?,
        diagnostics: serde_json::from_str(&diagnostics).map_err(bad)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_stored_before_at_bound_existed_still_read() {
        let old = r#"{"log_likelihood":-1.5,"iterations":3,"evaluations":9,"converged":true,"customers":7}"#;
        let report: FitReportOf = serde_json::from_str(old).unwrap();
        assert!(!report.at_bound && report.converged);
        assert_eq!(report.customers, 7);
    }
}
