//! The owner of `customer_scores` and `model_fits`: the scores are replaced in one
//! transaction, so segments never read a mix of two scoring runs, and each fit is appended with
//! its parameters and diagnostics as JSON (their shapes belong to `analytics_store`). The
//! snapshot reads the scores in bulk (`store::snapshot::scores`).

use rusqlite::{params, Connection, OptionalExtension};

use crate::analytics::Lifecycle;

/// One row of `customer_scores`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    pub customer: i64,
    /// `(r, f, m)`, or `None` without an order.
    pub rfm: Option<(u8, u8, u8)>,
    pub lifecycle: Lifecycle,
    pub predictions: Option<Predictions>,
}

/// Model predictions for one customer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Predictions {
    pub p_alive: f64,
    pub purchases_90d: f64,
    pub aov: f64,
    pub clv: f64,
    pub churn_risk: f64,
}

pub fn write_scores(
    conn: &mut Connection,
    computed_at: i64,
    rows: &[ScoreRow],
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM customer_scores", [])?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO customer_scores (customer, computed_at, rfm_r, rfm_f, rfm_m, rfm_score, rfm_group, lifecycle, p_alive, purchases_90d, predicted_aov, predicted_clv, churn_risk) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        // Non-finite predictions (a model evaluated far outside its data) are stored as null.
        let finite = |v: f64| v.is_finite().then_some(v);
        for row in rows {
            let (r, f, m) = match row.rfm {
                Some((r, f, m)) => (Some(r), Some(f), Some(m)),
                None => (None, None, None),
            };
            let code = row.rfm.map(|(r, f, m)| format!("{r}{f}{m}"));
            let group = row.rfm.map(|(r, f, _)| crate::analytics::rfm::group(r, f));
            let p = row.predictions;
            insert.execute(params![
                row.customer,
                computed_at,
                r,
                f,
                m,
                code,
                group,
                row.lifecycle.as_str(),
                p.and_then(|p| finite(p.p_alive)),
                p.and_then(|p| finite(p.purchases_90d)),
                p.and_then(|p| finite(p.aov)),
                p.and_then(|p| finite(p.clv)),
                p.and_then(|p| finite(p.churn_risk)),
            ])?;
        }
    }
    tx.commit()
}

/// A stored fit as text: (id, fitted_at, now, params JSON, diagnostics JSON).
pub type FitRow = (i64, i64, i64, String, String);

/// Appends a fit and returns its id.
pub fn insert_fit(
    conn: &Connection,
    fitted_at: i64,
    now: i64,
    params_json: &str,
    diagnostics_json: &str,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO model_fits (fitted_at, now, params, diagnostics) VALUES (?1, ?2, ?3, ?4)",
        params![fitted_at, now, params_json, diagnostics_json],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The most recent fit, if any.
pub fn latest_fit(conn: &Connection) -> rusqlite::Result<Option<FitRow>> {
    conn.query_row(
        "SELECT id, fitted_at, now, params, diagnostics FROM model_fits ORDER BY id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .optional()
}

/// The id of the latest stored fit, 0 before the first: a cheap way to notice a new fit.
pub fn latest_fit_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM model_fits", [], |r| {
        r.get(0)
    })
}

/// How many scored customers have each (recency, frequency) score: (r, f, customers).
pub fn rfm_grid(conn: &Connection) -> rusqlite::Result<Vec<(i64, i64, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT rfm_r, rfm_f, COUNT(*) FROM customer_scores
         WHERE rfm_r IS NOT NULL AND rfm_f IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    rows.collect()
}

/// Customers per lifecycle stage, the largest first.
pub fn lifecycle_counts(conn: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut stmt = conn
        .prepare("SELECT lifecycle, COUNT(*) FROM customer_scores GROUP BY 1 ORDER BY 2 DESC, 1")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Every predicted lifetime value that is not null, in major units.
pub fn predicted_clvs(conn: &Connection) -> rusqlite::Result<Vec<f64>> {
    let mut stmt =
        conn.prepare("SELECT predicted_clv FROM customer_scores WHERE predicted_clv IS NOT NULL")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}
