//! The daemon's segment refreshes read model scores as of the refresh, as `segflow refresh`
//! does: a segment over `lifecycle` must not keep reading the stage computed at the last
//! `segflow model fit`, however long ago that was.

mod cli_shop;
mod daemon_support;
mod smtp_server;

use std::time::Duration;

use daemon_support::*;
use smtp_server::TestSmtpServer;

const DAY_MS: i64 = 86_400_000;

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn stage(db: &rusqlite::Connection) -> String {
    db.query_row(
        "SELECT s.lifecycle FROM customer_scores s JOIN customers k ON k.id = s.customer \
         WHERE k.external_id = 'lena'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_segment_over_lifecycle_is_refreshed_with_scores_of_its_refresh_time() {
    let smtp = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), smtp.addr.port(), "1h");
    std::fs::write(
        dir.path().join("rules/lapsed_stage.yaml"),
        "segment: lapsed_stage\nwhere: lifecycle == \"lapsed\"\n",
    )
    .unwrap();
    // Lena ordered once, 400 days ago; the models were last fitted ten days after that order,
    // when she was a new customer.
    let ordered = chrono::Utc::now().timestamp_millis() - 400 * DAY_MS;
    let files = [
        (
            "customers",
            format!(
                "customer_id,email,created_at,accepts_marketing\nlena,lena@example.test,{},true\n",
                iso(ordered)
            ),
        ),
        (
            "orders",
            format!(
                "order_id,customer_id,placed_at,total\no-1,lena,{},40.00\n",
                iso(ordered)
            ),
        ),
    ];
    let config = dir.path().join("segflow.toml");
    let config = config.to_str().unwrap();
    for (kind, text) in files {
        let file = dir.path().join(format!("{kind}.csv"));
        std::fs::write(&file, text).unwrap();
        let (code, _, err) = cli_shop::segflow(
            dir.path(),
            &["--config", config, "import", kind, file.to_str().unwrap()],
        );
        assert_eq!(code, 0, "import {kind}: {err}");
    }
    let fitted_at = iso(ordered + 10 * DAY_MS);
    let (code, _, err) = cli_shop::segflow(
        dir.path(),
        &["--config", config, "--now", &fitted_at, "model", "fit"],
    );
    assert_eq!(code, 0, "model fit: {err}");
    let db = store(dir.path());
    assert_eq!(stage(&db), "new", "the stored stage is that of the fit");

    let daemon = Daemon::start(dir.path());
    let members = |db: &rusqlite::Connection| {
        count(
            db,
            "SELECT COUNT(*) FROM segment_members m JOIN customers k ON k.id = m.customer \
             WHERE m.segment = 'lapsed_stage' AND k.external_id = 'lena'",
        )
    };
    assert!(
        wait_until(Duration::from_secs(20), || members(&db) == 1),
        "the daemon's refresh re-scores first, so Lena, 400 days without an order, is lapsed:\n{}",
        daemon.log_text()
    );
    assert_eq!(stage(&db), "lapsed");
    assert!(
        daemon
            .log_text()
            .contains("model scores recomputed for the segments that read them"),
        "{}",
        daemon.log_text()
    );
}
