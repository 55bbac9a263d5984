//! `segflow model fit` and the scoring a refresh runs: summaries, the fit, RFM, lifecycle and
//! predictions, written to the store.

use std::collections::HashMap;
use std::time::Instant;

use rusqlite::Connection;
use serde::Serialize;

use super::history::{read_histories, summarize, Summary};
use super::params::{
    store_fit, BgNbdParams, FitReportOf, ModelDiagnostics, ModelParams, StoredFit,
};
use super::{ScoreError, ScoreOptions};
use crate::analytics::{
    rfm_scores, score_customers, BgNbd, ClvOptions, CustomerScore, DiscountRate, GammaGamma,
    MbgNbd, RfmInput, DAYS_PER_MONTH,
};
use crate::store::scores::{write_scores, Predictions, ScoreRow};

/// What a fit-and-score run did.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    /// The stored fit; `None` when the models could not be fitted (see `fit_error`).
    pub fit: Option<StoredFit>,
    /// Why the fit failed; RFM and lifecycle are stored anyway, predictions are null.
    pub fit_error: Option<String>,
    pub customers: usize,
    pub customers_with_orders: usize,
    pub read_millis: u128,
    pub fit_millis: u128,
    pub score_millis: u128,
    pub write_millis: u128,
}

/// Summarises every customer at `now`.
pub fn summaries(
    conn: &Connection,
    now: i64,
    options: &ScoreOptions,
) -> rusqlite::Result<Vec<Summary>> {
    let mut out = Vec::new();
    read_histories(conn, now, |id, orders| {
        out.push(summarize(id, orders, now, &options.lifecycle));
    })?;
    Ok(out)
}

/// Fits both models on the summaries of customers with orders.
pub fn fit(
    summaries: &[Summary],
    options: &ScoreOptions,
) -> Result<(ModelParams, ModelDiagnostics), ScoreError> {
    let started = Instant::now();
    let inputs: Vec<RfmInput> = summaries.iter().filter_map(|s| s.model).collect();
    let bg = BgNbd::fit(&inputs, options.threads)?;
    // A repeat customer whose repeat orders were all free has no spend to average; Gamma-Gamma
    // ignores them (as it ignores one-time buyers) instead of refusing the whole fit.
    let spends: Vec<RfmInput> = inputs
        .iter()
        .map(|c| {
            if c.monetary > 0.0 {
                *c
            } else {
                RfmInput {
                    x: 0.0,
                    t_x: 0.0,
                    ..*c
                }
            }
        })
        .collect();
    let gg = GammaGamma::fit(&spends, options.threads)?;
    let diagnostics = ModelDiagnostics {
        bgnbd: FitReportOf::new(&bg.diagnostics, bg.customers),
        gamma_gamma: FitReportOf::new(&gg.diagnostics, gg.customers),
        patterns: bg.patterns,
        fit_millis: started.elapsed().as_millis(),
    };
    let mut params = ModelParams::new(&bg.model, &gg.model);
    // One-time buyers' churn; without it they keep BG/NBD's (0), which the README explains.
    params.mbgnbd = MbgNbd::fit(&inputs).ok().map(|m| BgNbdParams {
        r: m.r,
        alpha: m.alpha,
        a: m.a,
        b: m.b,
    });
    Ok((params, diagnostics))
}

/// Fits the models on the orders up to `now`, stores the fit and scores every customer with
/// it. A fit that fails is reported in [`FitReport::fit_error`], and the scores are written
/// with null predictions.
pub fn fit_and_score(
    conn: &mut Connection,
    now: i64,
    options: &ScoreOptions,
) -> Result<FitReport, ScoreError> {
    let started = Instant::now();
    let summaries = summaries(conn, now, options)?;
    let read_millis = started.elapsed().as_millis();
    let started = Instant::now();
    let (fit, fit_error) = match fit(&summaries, options) {
        Ok((params, diagnostics)) => {
            let fitted_at = chrono::Utc::now().timestamp_millis();
            let id = store_fit(conn, fitted_at, now, &params, &diagnostics)?;
            let stored = StoredFit {
                id,
                fitted_at,
                now,
                params,
                diagnostics,
            };
            (Some(stored), None)
        }
        Err(ScoreError::Model(e)) => (None, Some(e.to_string())),
        Err(e) => return Err(e),
    };
    let fit_millis = started.elapsed().as_millis();
    let started = Instant::now();
    let rows = score_rows(&summaries, fit.as_ref().map(|f| &f.params), options)?;
    let score_millis = started.elapsed().as_millis();
    let started = Instant::now();
    write_scores(conn, now, &rows)?;
    Ok(FitReport {
        fit,
        fit_error,
        customers: summaries.len(),
        customers_with_orders: summaries.iter().filter(|s| s.model.is_some()).count(),
        read_millis,
        fit_millis,
        score_millis,
        write_millis: started.elapsed().as_millis(),
    })
}

/// Scores every customer at `now` with already fitted parameters (or none: RFM and lifecycle
/// only) and writes `customer_scores`; returns the number of customers scored.
pub fn score_with(
    conn: &mut Connection,
    now: i64,
    options: &ScoreOptions,
    params: Option<&ModelParams>,
) -> Result<usize, ScoreError> {
    let summaries = summaries(conn, now, options)?;
    let rows = score_rows(&summaries, params, options)?;
    write_scores(conn, now, &rows)?;
    Ok(rows.len())
}

/// RFM over the customers with orders, lifecycle for all, predictions where there is a model.
fn score_rows(
    summaries: &[Summary],
    params: Option<&ModelParams>,
    options: &ScoreOptions,
) -> Result<Vec<ScoreRow>, ScoreError> {
    let with_orders: Vec<usize> = (0..summaries.len())
        .filter(|&i| summaries[i].rfm.is_some())
        .collect();
    let values: Vec<_> = with_orders
        .iter()
        .filter_map(|&i| summaries[i].rfm)
        .collect();
    let scores = rfm_scores(&values);
    let mut rfm = vec![None; summaries.len()];
    for (&i, s) in with_orders.iter().zip(&scores) {
        rfm[i] = Some((s.r, s.f, s.m));
    }
    let predictions = match params {
        Some(p) => predict(summaries, p, options)?
            .into_iter()
            .map(Some)
            .collect(),
        None => vec![None; summaries.len()],
    };
    Ok(summaries
        .iter()
        .zip(rfm)
        .zip(predictions)
        .map(|((s, rfm), predictions)| ScoreRow {
            customer: s.customer,
            rfm,
            lifecycle: s.lifecycle,
            predictions,
        })
        .collect())
}

/// Predictions for every customer with orders; a customer without orders (a prospect) gets
/// none, because the models forecast repeat purchases of buyers and say nothing about whether a
/// prospect will ever buy. A one-time buyer's `p_alive` (and churn risk) comes from the MBG/NBD
/// fit when there is one, since BG/NBD's is 1 for all of them; their purchase and CLV
/// forecasts, which are an active customer's under BG/NBD, are scaled by it.
fn predict(
    summaries: &[Summary],
    params: &ModelParams,
    options: &ScoreOptions,
) -> Result<Vec<Predictions>, ScoreError> {
    let (bg, gg, mbg) = (params.bgnbd(), params.gamma_gamma(), params.mbgnbd());
    let newcomer = RfmInput {
        x: 0.0,
        t_x: 0.0,
        t: 0.0,
        monetary: 0.0,
    };
    let inputs: Vec<RfmInput> = summaries
        .iter()
        .map(|s| s.model.unwrap_or(newcomer))
        .collect();
    let clv_options = ClvOptions {
        months: options.clv_months,
        discount: DiscountRate::Annual(options.annual_discount_rate),
        time_units_per_month: DAYS_PER_MONTH,
        threads: options.threads,
    };
    let purchases = purchases_within(&bg, &inputs, options.purchases_days);
    // When some history cannot be forecast over the CLV horizon (2F1 does not converge, which a
    // degenerate fit can cause), lifetime values are left null rather than failing the scoring.
    let scores: Vec<Option<CustomerScore>> = match score_customers(&bg, &gg, &inputs, &clv_options)
    {
        Ok(scores) => scores.into_iter().map(Some).collect(),
        Err(_) => score_each(&bg, &gg, &inputs, &clv_options),
    };
    let nan = f64::NAN;
    Ok(summaries
        .iter()
        .zip(scores.iter().zip(purchases))
        .map(|(summary, (s, purchases))| match summary.model {
            None => Predictions {
                p_alive: nan,
                purchases_90d: nan,
                aov: nan,
                clv: nan,
                churn_risk: nan,
            },
            Some(model) => {
                let one_time = mbg.filter(|_| model.x <= 0.0);
                let p = match one_time {
                    Some(m) => m.p_alive(0.0, 0.0, model.t),
                    None => s.map_or(nan, |s| s.p_alive),
                };
                // BG/NBD's forecasts of a one-time buyer are those of an active customer.
                let scale = if one_time.is_some() { p } else { 1.0 };
                Predictions {
                    p_alive: p,
                    purchases_90d: purchases.map_or(nan, |x| x * scale),
                    aov: s.map_or(nan, |s| s.expected_order_value),
                    clv: s.map_or(nan, |s| s.clv * scale),
                    churn_risk: 1.0 - p,
                }
            }
        })
        .collect())
}

/// The closed-form scores without a lifetime value, for when the CLV forecast fails: BG/NBD
/// `p_alive` and Gamma-Gamma's order value need no series, so they are always available.
fn score_each(
    bg: &BgNbd,
    gg: &GammaGamma,
    inputs: &[RfmInput],
    _options: &ClvOptions,
) -> Vec<Option<CustomerScore>> {
    inputs
        .iter()
        .map(|c| {
            let p_alive = bg.p_alive(c.x, c.t_x, c.t);
            Some(CustomerScore {
                p_alive,
                churn_risk: 1.0 - p_alive,
                expected_purchases: f64::NAN,
                expected_order_value: gg.expected_average_value(c.x, c.monetary),
                clv: f64::NAN,
            })
        })
        .collect()
}

/// Expected purchases within `days`: `p_alive` times the purchases of an active customer, the
/// latter computed once per distinct `(x, T)`; `None` where the forecast fails.
fn purchases_within(bg: &BgNbd, inputs: &[RfmInput], days: f64) -> Vec<Option<f64>> {
    let mut memo: HashMap<(u64, u64), Option<f64>> = HashMap::new();
    inputs
        .iter()
        .map(|c| {
            let key = (c.x.to_bits(), c.t.to_bits());
            let if_alive = *memo
                .entry(key)
                .or_insert_with(|| bg.expected_if_alive(days, c.x, c.t).ok());
            if_alive.map(|e| bg.p_alive(c.x, c.t_x, c.t) * e)
        })
        .collect()
}

/// Re-scores every customer at `now` with the most recent stored fit (RFM and lifecycle only
/// when nothing was ever fitted), without fitting again; `segflow refresh` runs this first when
/// a segment reads a model field. Returns the number of customers scored.
pub fn refresh_scores(
    conn: &mut Connection,
    now: i64,
    options: &ScoreOptions,
) -> Result<usize, ScoreError> {
    let params = super::last_fit(conn)?.map(|f| f.params);
    score_with(conn, now, options, params.as_ref())
}

/// Whether a condition reads a stored model score (`rfm.*`, `lifecycle`, `predicted.*`).
pub fn uses_model_fields(expr: &crate::dsl::ir::Expr) -> bool {
    use crate::dsl::ir::{CustomerField, ExprKind};
    let mut found = false;
    expr.walk(&mut |e| {
        if matches!(e.kind, ExprKind::Customer(CustomerField::Score(_))) {
            found = true;
        }
    });
    found
}
