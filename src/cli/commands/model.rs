//! `segflow model fit` and `segflow model show`: fit the customer models, store the scores, and
//! show how well the stored fit went (optionally against a holdout period).

use crate::analytics_store::{
    fit_and_score, holdout_calibration, last_fit, Holdout, ModelDiagnostics, ModelParams,
    ScoreOptions,
};
use crate::cli::table::Table;
use crate::cli::{CliError, CliResult, Context};

fn score_options(ctx: &Context) -> ScoreOptions {
    crate::repository::score_options(&ctx.config)
}

pub fn fit(ctx: &Context, json: bool) -> CliResult {
    let mut conn = ctx.open_store()?;
    let report = fit_and_score(&mut conn, ctx.now, &score_options(ctx))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    match (&report.fit, &report.fit_error) {
        (Some(fit), _) => print_fit(&fit.params, &fit.diagnostics),
        (None, Some(e)) => {
            eprintln!("warning: {e}; RFM and lifecycle were stored, predictions are null")
        }
        (None, None) => {}
    }
    println!(
        "scored {} customers ({} with orders): read {} ms, fit {} ms, score {} ms, write {} ms",
        report.customers,
        report.customers_with_orders,
        report.read_millis,
        report.fit_millis,
        report.score_millis,
        report.write_millis
    );
    Ok(())
}

pub fn show(ctx: &Context, holdout: Option<&str>, json: bool) -> CliResult {
    let conn = ctx.open_store()?;
    let stored = last_fit(&conn)?;
    let check = match holdout {
        Some(text) => {
            let cutoff = crate::dsl::literal::timestamp(text).ok_or_else(|| {
                CliError::Message(format!(
                    "--holdout {text}: not a date; write 2026-06-01 or 2026-06-01T00:00:00Z"
                ))
            })?;
            Some(holdout_calibration(
                &conn,
                cutoff,
                ctx.now,
                &score_options(ctx),
            )?)
        }
        None => None,
    };
    if stored.is_none() && check.is_none() {
        return Err(CliError::Message(
            "no model has been fitted yet; run `segflow model fit`".into(),
        ));
    }
    if json {
        let value = serde_json::json!({
            "fit": stored,
            "holdout": check.as_ref().map(holdout_json),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    if let Some(fit) = &stored {
        println!("fit #{} at now = {} (unix ms)", fit.id, fit.now);
        print_fit(&fit.params, &fit.diagnostics);
    }
    if let Some(h) = &check {
        println!(
            "\nholdout: fitted on orders before the holdout date, {} days checked",
            h.holdout_days
        );
        print_fit(&h.params, &h.diagnostics);
        let mut table = Table::new(&["x", "customers", "predicted", "actual"], &[0, 1, 2, 3]);
        for row in &h.calibration.rows {
            table.row(vec![
                row.x.to_string(),
                row.customers.to_string(),
                format!("{:.3}", row.predicted_mean),
                format!("{:.3}", row.actual_mean),
            ]);
        }
        print!("{}", table.render());
        let c = &h.calibration;
        println!(
            "total predicted {:.1}, actual {:.1}, mean absolute error {:.3}",
            c.predicted_total, c.actual_total, c.mean_absolute_error
        );
    }
    Ok(())
}

fn holdout_json(h: &Holdout) -> serde_json::Value {
    let rows: Vec<_> = h
        .calibration
        .rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "x": r.x, "customers": r.customers,
                "predicted_mean": r.predicted_mean, "actual_mean": r.actual_mean,
            })
        })
        .collect();
    serde_json::json!({
        "params": h.params,
        "diagnostics": h.diagnostics,
        "holdout_days": h.holdout_days,
        "rows": rows,
        "predicted_total": h.calibration.predicted_total,
        "actual_total": h.calibration.actual_total,
        "mean_absolute_error": h.calibration.mean_absolute_error,
    })
}

fn print_fit(p: &ModelParams, d: &ModelDiagnostics) {
    let (b, g) = (&p.bgnbd, &p.gamma_gamma);
    println!(
        "BG/NBD       r = {:.4}, alpha = {:.4} days, a = {:.4}, b = {:.4}",
        b.r, b.alpha, b.a, b.b
    );
    println!(
        "             log-likelihood {:.3}, {} iterations, converged: {}, {} customers, {} patterns",
        d.bgnbd.log_likelihood, d.bgnbd.iterations, d.bgnbd.converged, d.bgnbd.customers, d.patterns
    );
    println!(
        "Gamma-Gamma  p = {:.4}, q = {:.4}, v = {:.4}",
        g.p, g.q, g.v
    );
    println!(
        "             log-likelihood {:.3}, {} iterations, converged: {}, {} repeat customers",
        d.gamma_gamma.log_likelihood,
        d.gamma_gamma.iterations,
        d.gamma_gamma.converged,
        d.gamma_gamma.customers
    );
    for (model, report) in [("BG/NBD", &d.bgnbd), ("Gamma-Gamma", &d.gamma_gamma)] {
        if !report.converged {
            println!(
                "note: the {model} fit did not converge; the parameters are the best found, refit with more history before trusting its predictions"
            );
        }
        if report.at_bound {
            println!(
                "note: a {model} parameter stopped at its bound: the data cannot pin it down (for BG/NBD, drop-out that hardly varies between customers, or none at all); predictions remain usable"
            );
        }
    }
}
