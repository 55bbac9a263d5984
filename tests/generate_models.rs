//! The generated shop's buyers follow BG/NBD-like processes (gamma-distributed purchase rates,
//! beta-distributed drop-out after each purchase), so the models fitted on it are sane: both
//! fits converge inside their bounds, and p_alive and CLV separate customers who are likely
//! gone from those likely to buy again.

use segflow::analytics_store::{fit_and_score, ScoreOptions};
use segflow::generate::{generate_shop, GenerateOptions};
use segflow::store::import::{import_csv, ImportKind, ImportOptions};

/// 2026-11-22 10:00 UTC.
const NOW: i64 = 1_795_341_600_000;

#[test]
fn models_fitted_on_a_generated_shop_are_sane() {
    let dir = tempfile::tempdir().unwrap();
    let shop = dir.path().join("shop");
    let options = GenerateOptions {
        customers: 3_000,
        seed: 7,
        now: NOW,
    };
    generate_shop(&options, &shop).unwrap();
    let mut conn = segflow::store::open(&dir.path().join("shop.db")).unwrap();
    let import = ImportOptions {
        strict: true,
        progress: false,
        reject_dir: None,
        map: None,
    };
    for (file, kind) in [
        ("customers.csv", ImportKind::Customers),
        ("orders.csv", ImportKind::Orders),
    ] {
        import_csv(&mut conn, kind, &shop.join(file), &import).unwrap();
    }
    let report = fit_and_score(&mut conn, NOW, &ScoreOptions::default()).unwrap();
    let fit = report
        .fit
        .unwrap_or_else(|| panic!("{:?}", report.fit_error));
    let d = &fit.diagnostics;
    for (name, m) in [("BG/NBD", &d.bgnbd), ("Gamma-Gamma", &d.gamma_gamma)] {
        assert!(m.converged && !m.at_bound, "{name}: {m:?}");
    }
    let bg = fit.params.bgnbd;
    // Drop-out happens, and varies between customers: a and b well inside their bounds.
    assert!(bg.a < 100.0 && bg.b < 1_000.0, "{bg:?}");

    // Among repeat buyers (an RFM frequency score of 2 or more: one-time buyers all share the
    // lowest score), p_alive spans likely-gone to likely-active, and the likely-active are
    // worth more.
    let rows: Vec<(f64, f64)> = conn
        .prepare("SELECT s.p_alive, s.predicted_clv FROM customer_scores s WHERE s.rfm_f >= 2 AND s.predicted_clv IS NOT NULL")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(rows.len() > 500, "{}", rows.len());
    let gone: Vec<f64> = rows.iter().filter(|r| r.0 < 0.3).map(|r| r.1).collect();
    let active: Vec<f64> = rows.iter().filter(|r| r.0 > 0.8).map(|r| r.1).collect();
    assert!(
        gone.len() > 20 && active.len() > 20,
        "{} {}",
        gone.len(),
        active.len()
    );
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&active) > 3.0 * mean(&gone),
        "{} {}",
        mean(&active),
        mean(&gone)
    );
}
