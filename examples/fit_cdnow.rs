//! Fits BG/NBD and Gamma-Gamma to the CDNOW summary (times in weeks) and prints the parameters
//! and the time the fits took, for comparison with the Python lifetimes package:
//! `cargo run --release --example fit_cdnow [-- FILE]` (default: the test fixture).

use std::time::Instant;

use segflow::analytics::{BgNbd, GammaGamma, RfmInput};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        "tests/fixtures/cdnow/cdnow_customers_summary_with_transactions.csv".into()
    });
    let mut reader = csv::Reader::from_path(&path).map_err(|e| format!("{path}: {e}"))?;
    let mut customers = Vec::new();
    for (line, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("{path}: {e}"))?;
        let field = |i: usize| -> Result<f64, String> {
            row.get(i).and_then(|v| v.parse().ok()).ok_or_else(|| {
                format!("{path}: row {}: column {} is not a number", line + 2, i + 1)
            })
        };
        customers.push(RfmInput {
            x: field(1)?,
            t_x: field(2)?,
            t: field(3)?,
            monetary: field(4)?,
        });
    }
    let start = Instant::now();
    let bg = BgNbd::fit(&customers, 1)?;
    let bg_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let gg = GammaGamma::fit(&customers, 1)?;
    let gg_seconds = start.elapsed().as_secs_f64();
    let (m, d) = (bg.model, bg.diagnostics);
    println!(
        "bgnbd r={:.6} alpha={:.6} a={:.6} b={:.6} ll={:.4} iterations={} evaluations={} converged={} patterns={} seconds={:.6}",
        m.r, m.alpha, m.a, m.b, d.log_likelihood, d.iterations, d.evaluations, d.converged, bg.patterns, bg_seconds
    );
    let (g, d) = (gg.model, gg.diagnostics);
    println!(
        "gamma_gamma p={:.6} q={:.6} v={:.6} ll={:.4} iterations={} converged={} seconds={:.6}",
        g.p, g.q, g.v, d.log_likelihood, d.iterations, d.converged, gg_seconds
    );
    Ok(())
}
