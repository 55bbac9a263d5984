//! `[lifecycle]` in segflow.toml, through the real binary over the hand-written shop: a changed
//! window changes the stored `lifecycle` of `segflow model fit` and of the re-scoring a
//! `segflow refresh` does, and a bad value stops with an error naming the file and the key.

mod cli_shop;

use std::path::Path;

use cli_shop::{segflow, shop};

const NOW: &str = "2026-11-15T12:00:00Z";

/// The stored lifecycle of the customer with this external id.
fn lifecycle_of(dir: &Path, customer: &str) -> String {
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    conn.query_row(
        "SELECT s.lifecycle FROM customer_scores s JOIN customers c ON c.id = s.customer WHERE c.external_id = ?1",
        [customer],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_longer_lapse_window_keeps_a_customer_from_lapsing() {
    let dir = shop();
    // c03 last ordered on 2025-03-01, 624 days before NOW: lapsed under the 365-day default.
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "model", "fit"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lifecycle_of(dir.path(), "c03"), "lapsed");

    std::fs::write(
        dir.path().join("segflow.toml"),
        "[lifecycle]\nlapsed_after = \"700d\"\none_time_at_risk_after = \"12w\"\n",
    )
    .unwrap();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "model", "fit"]);
    assert_eq!(code, 0, "{err}");
    // Two orders 50 days apart: at risk after max(1.5 × 50, 30) = 75 days, not yet lapsed.
    assert_eq!(lifecycle_of(dir.path(), "c03"), "at risk");

    // `segflow refresh` re-scores with the same table before a rule reads `lifecycle`.
    std::fs::write(
        dir.path().join("rules/lapsed_model.yaml"),
        "segment: lapsed_model\nwhere: lifecycle == \"lapsed\"\n",
    )
    .unwrap();
    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "refresh", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Under the default window c03, c08 and c12 are lapsed; after 700 days only c12 (last
    // order 2023-01-01) is.
    assert_eq!(v[0]["members"], 1, "{out}");
    assert_eq!(lifecycle_of(dir.path(), "c12"), "lapsed");
    assert_eq!(lifecycle_of(dir.path(), "c03"), "at risk");
}

#[test]
fn a_bad_value_names_the_file_and_the_key() {
    let dir = shop();
    std::fs::write(
        dir.path().join("segflow.toml"),
        "[lifecycle]\nlapsed_after = \"a year\"\n",
    )
    .unwrap();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "model", "fit"]);
    assert_ne!(code, 0);
    assert!(err.contains("segflow.toml"), "{err}");
    assert!(err.contains("lapsed_after"), "{err}");
    assert!(err.contains("`a year` is not a duration"), "{err}");

    std::fs::write(
        dir.path().join("segflow.toml"),
        "[lifecycle]\nlapsed_days = 365\n",
    )
    .unwrap();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "model", "fit"]);
    assert_ne!(code, 0);
    assert!(
        err.contains("lapsed_days") && err.contains("unknown field"),
        "{err}"
    );
}
