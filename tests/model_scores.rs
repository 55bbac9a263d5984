//! Stored model scores over the hand-written shop: `fit_and_score` writes one row per customer,
//! both evaluators read every model field the same way and as the table holds it, fields are null
//! before any scoring, and misspelt score names get a suggestion.

mod common;

use rusqlite::Connection;
use segflow::analytics_store::{fit_and_score, last_fit, refresh_scores, ScoreOptions};
use segflow::dsl::ir::Expr;
use segflow::dsl::{check, parser, span::OffsetMap};
use segflow::store::snapshot::Snapshot;

fn checked(text: &str) -> Result<Expr, Vec<segflow::dsl::diagnostic::Diagnostic>> {
    let node = parser::parse(text, &OffsetMap::identity(text.len())).unwrap();
    check::check(&node, &check::Context::default()).map(|c| c.expr)
}

/// External ids selected by a plain SQL condition over `customer_scores` (`s`): the oracle the
/// evaluators are compared with.
fn oracle(conn: &Connection, condition: &str) -> Vec<String> {
    let sql = format!(
        "SELECT c.external_id FROM customers c LEFT JOIN customer_scores s ON s.customer = c.id WHERE {condition} ORDER BY c.external_id"
    );
    let mut stmt = conn.prepare(&sql).unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    let mut out: Vec<String> = rows.map(Result::unwrap).collect();
    out.sort();
    out
}

fn scored_shop(dir: &std::path::Path) -> Connection {
    let mut conn = common::shop_db(dir);
    let report = fit_and_score(&mut conn, common::shop_now(), &ScoreOptions::default()).unwrap();
    assert!(report.fit.is_some(), "fit failed: {:?}", report.fit_error);
    conn
}

#[test]
fn every_customer_gets_a_row_with_consistent_scores() {
    let dir = tempfile::tempdir().unwrap();
    let conn = scored_shop(dir.path());
    let customers: i64 = conn
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap();
    let mut stmt = conn
        .prepare("SELECT s.rfm_r, s.rfm_f, s.rfm_m, s.rfm_score, s.rfm_group, s.lifecycle, s.p_alive, s.churn_risk, (SELECT count(*) FROM orders o WHERE o.customer = s.customer) FROM customer_scores s")
        .unwrap();
    type Row = (
        Option<u8>,
        Option<u8>,
        Option<u8>,
        Option<String>,
        Option<String>,
        String,
        Option<f64>,
        Option<f64>,
        i64,
    );
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len() as i64, customers);
    for (r, f, m, code, group, stage, p_alive, churn, orders) in rows {
        if orders == 0 {
            assert_eq!(stage, "prospect");
            assert!(r.is_none() && code.is_none() && group.is_none());
        } else {
            let (r, f, m) = (r.unwrap(), f.unwrap(), m.unwrap());
            assert!([r, f, m].iter().all(|d| (1..=5).contains(d)));
            assert_eq!(code.unwrap(), format!("{r}{f}{m}"));
            assert_eq!(group.unwrap(), segflow::analytics::rfm::group(r, f));
            assert_ne!(stage, "prospect");
        }
        // A prospect gets no prediction: the models forecast buyers' repeat purchases.
        if orders == 0 {
            assert!(p_alive.is_none() && churn.is_none());
            continue;
        }
        let (p, c) = (p_alive.unwrap(), churn.unwrap());
        assert!((0.0..=1.0).contains(&p));
        assert!((p + c - 1.0).abs() < 1e-12);
        // BG/NBD alone gives every one-time buyer a churn risk of exactly 0; the MBG/NBD fit
        // gives them one.
        if orders == 1 {
            assert!(c > 0.0 && c < 1.0, "one-time buyer with churn {c}");
        }
    }
    assert!(
        last_fit(&conn).unwrap().unwrap().params.mbgnbd.is_some(),
        "no MBG/NBD fit for the one-time buyers"
    );
    let fit = last_fit(&conn).unwrap().unwrap();
    assert!(fit.params.bgnbd.r > 0.0 && fit.params.gamma_gamma.q > 1.0);
    assert_eq!(fit.now, common::shop_now());
}

#[test]
fn both_evaluators_read_model_fields_as_stored() {
    let dir = tempfile::tempdir().unwrap();
    let conn = scored_shop(dir.path());
    let snapshot = Snapshot::load(&conn).unwrap();
    let now = common::shop_now();
    let clv_median: f64 = conn
        .query_row(
            "SELECT predicted_clv FROM customer_scores ORDER BY predicted_clv LIMIT 1 OFFSET 7",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let cases = [
        ("rfm.r >= 3".to_string(), "s.rfm_r >= 3".to_string()),
        ("rfm.f == 1".into(), "s.rfm_f = 1".into()),
        ("rfm.m < 4".into(), "s.rfm_m < 4".into()),
        ("rfm.score > \"3\"".into(), "s.rfm_score > '3'".into()),
        ("rfm.group in [\"at risk\", \"loyal\"]".into(), "s.rfm_group IN ('at risk', 'loyal')".into()),
        ("lifecycle == \"lapsed\"".into(), "s.lifecycle = 'lapsed'".into()),
        ("lifecycle != \"prospect\"".into(), "s.lifecycle <> 'prospect'".into()),
        ("rfm.r is null".into(), "s.rfm_r IS NULL".into()),
        ("predicted.p_alive > 0.5".into(), "s.p_alive > 0.5".into()),
        ("predicted.churn_risk > 0.5".into(), "s.churn_risk > 0.5".into()),
        ("predicted.purchases_90d >= 0.3".into(), "s.purchases_90d >= 0.3".into()),
        ("predicted.aov > 0".into(), "s.predicted_aov > 0".into()),
        (format!("predicted.clv > {clv_median}"), format!("s.predicted_clv > {clv_median}")),
        ("rfm.group == \"at risk\" and predicted.clv > 200".into(), "s.rfm_group = 'at risk' AND s.predicted_clv > 200".into()),
        ("rfm.group == \"at risk\" or predicted.clv > 200".into(), "s.rfm_group = 'at risk' OR s.predicted_clv > 200".into()),
        ("orders(total > predicted.aov).exists()".into(), "EXISTS (SELECT 1 FROM orders o WHERE o.customer = c.id AND o.total / 100.0 > s.predicted_aov)".into()),
    ];
    let mut nonempty = 0;
    for (rule, sql) in &cases {
        let expr = checked(rule).unwrap_or_else(|d| panic!("{rule}: {d:?}"));
        let got = common::members_both(&conn, &snapshot, &expr, now, rule);
        assert_eq!(got, oracle(&conn, sql), "{rule}");
        nonempty += usize::from(!got.is_empty());
    }
    assert!(
        nonempty >= 12,
        "too many cases select nobody to tell anything apart"
    );
}

#[test]
fn model_fields_are_null_before_any_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let conn = common::shop_db(dir.path());
    let snapshot = Snapshot::load(&conn).unwrap();
    let all = oracle(&conn, "1");
    for rule in [
        "rfm.r is null and lifecycle is null",
        "predicted.clv is null and rfm.group is null",
    ] {
        let expr = checked(rule).unwrap();
        assert_eq!(
            common::members_both(&conn, &snapshot, &expr, common::shop_now(), rule),
            all
        );
    }
    let expr = checked("rfm.r >= 1 or not (rfm.r >= 1) and lifecycle == \"new\"").unwrap();
    // `rfm.r >= 1` is false on null and so is its `not` paired with a null lifecycle.
    assert!(common::members_both(&conn, &snapshot, &expr, common::shop_now(), "null").is_empty());
}

#[test]
fn refresh_rescoring_reuses_the_stored_fit() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = scored_shop(dir.path());
    let dump = |conn: &Connection| -> Vec<(i64, Option<String>, String, Option<f64>)> {
        let mut stmt = conn
            .prepare("SELECT customer, rfm_score, lifecycle, predicted_clv FROM customer_scores ORDER BY customer")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    let before = dump(&conn);
    conn.execute("DELETE FROM customer_scores", []).unwrap();
    let scored = refresh_scores(&mut conn, common::shop_now(), &ScoreOptions::default()).unwrap();
    assert_eq!(scored, before.len());
    assert_eq!(dump(&conn), before);
    let fits: i64 = conn
        .query_row("SELECT count(*) FROM model_fits", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fits, 1, "a refresh must not fit again");
}

#[test]
fn misspelt_score_names_get_a_suggestion() {
    for (rule, hint) in [
        ("rfm.grop == \"lost\"", "did you mean `rfm.group`?"),
        (
            "predicted.churn_rsk > 1",
            "did you mean `predicted.churn_risk`?",
        ),
        ("lifecycel == \"new\"", "did you mean `lifecycle`?"),
    ] {
        let diags = checked(rule).unwrap_err();
        let help = diags[0].help.clone().unwrap_or_default();
        assert!(help.contains(hint), "{rule}: {help}");
    }
    let diags = checked("rfm.xyzzy > 1").unwrap_err();
    assert!(diags[0].help.as_deref().unwrap_or("").contains("rfm.group"));
}
