//! `segflow model fit`, `segflow model show` (with and without `--holdout`) and the re-scoring a
//! `segflow refresh` does, run through the real binary over the hand-written shop.

mod cli_shop;

use cli_shop::{segflow, shop};

const NOW: &str = "2026-11-15T12:00:00Z";

#[test]
fn show_before_fit_says_what_to_do() {
    let dir = shop();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "model", "show"]);
    assert_eq!(code, 1);
    assert!(err.contains("run `segflow model fit`"), "{err}");
}

#[test]
fn fit_then_show_prints_the_stored_parameters() {
    let dir = shop();
    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "model", "fit", "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["customers"], 14);
    let r = report["fit"]["params"]["bgnbd"]["r"].as_f64().unwrap();
    for model in ["bgnbd", "gamma_gamma"] {
        let d = &report["fit"]["diagnostics"][model];
        assert!(
            d["converged"].is_boolean() && d["at_bound"].is_boolean(),
            "{d}"
        );
    }
    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "model", "show", "--json"]);
    assert_eq!(code, 0, "{err}");
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown["fit"]["params"]["bgnbd"]["r"].as_f64().unwrap(), r);
    assert!(
        shown["fit"]["diagnostics"]["bgnbd"]["log_likelihood"]
            .as_f64()
            .unwrap()
            < 0.0
    );
    let (code, out, _) = segflow(dir.path(), &["--now", NOW, "model", "show"]);
    assert_eq!(code, 0);
    assert!(out.contains("BG/NBD") && out.contains("log-likelihood") && out.contains("converged"));
}

#[test]
fn holdout_compares_predicted_with_actual_purchases() {
    let dir = shop();
    let (code, out, err) = segflow(
        dir.path(),
        &[
            "--now",
            NOW,
            "model",
            "show",
            "--holdout",
            "2026-09-01",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let h = &v["holdout"];
    assert!(h["holdout_days"].as_f64().unwrap() > 70.0);
    let rows = h["rows"].as_array().unwrap();
    let counted: u64 = rows.iter().map(|r| r["customers"].as_u64().unwrap()).sum();
    // Every customer with an order before the cutoff is in exactly one row.
    assert!(counted >= 2);
    assert!(h["actual_total"].as_f64().unwrap() >= 0.0);
    let (code, _, err) = segflow(
        dir.path(),
        &["--now", NOW, "model", "show", "--holdout", "2027-01-01"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("before --now"), "{err}");
}

#[test]
fn refresh_scores_segments_that_read_model_fields() {
    let dir = shop();
    std::fs::write(
        dir.path().join("rules/lapsed_model.yaml"),
        "segment: lapsed_model\nwhere: lifecycle == \"lapsed\"\n",
    )
    .unwrap();
    // Without any fit, a refresh still stores RFM and lifecycle.
    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "refresh", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // c03, c08 and c12 have not ordered for more than the 365-day lapse window.
    assert_eq!(v[0]["members"], 3, "{out}");
}
