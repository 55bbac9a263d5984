//! An order stamped by a clock ahead of the daemon's (a shop server a few seconds fast, or an
//! order written while a pass was running) is not seen by an evaluation before its time, by the
//! point-in-time rule. The real daemon must evaluate that customer again once the time has
//! come, not leave them out of their segments until the next full refresh.

mod daemon_support;
mod smtp_server;

use std::time::Duration;

use daemon_support::*;
use smtp_server::TestSmtpServer;

fn membership(db: &rusqlite::Connection, who: &str) -> i64 {
    count(
        db,
        &format!(
            "SELECT COUNT(*) FROM segment_members m JOIN customers k ON k.id = m.customer \
             WHERE m.segment = 'buyers' AND k.external_id = '{who}'"
        ),
    )
}

#[test]
fn an_order_stamped_ahead_of_our_clock_counts_once_its_time_has_come() {
    let smtp = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), smtp.addr.port(), "1h");
    let daemon = Daemon::start(dir.path());
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"cara","email":"cara@example.test","accepts_marketing":true}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let ahead = chrono::Utc::now() + chrono::Duration::seconds(3);
    let order = format!(
        r#"{{"id":"o-9","customer_id":"cara","placed_at":"{}","total":"25.00","items":[{{"product_id":"p-1","price":"25.00"}}]}}"#,
        ahead.format("%Y-%m-%dT%H:%M:%S%.3fZ")
    );
    let r = daemon.api("/v1/orders", &order);
    assert_eq!(r.status, 200, "{}", r.body);
    let db = store(dir.path());
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(
        membership(&db, "cara"),
        0,
        "an order is not counted before its time:\n{}",
        daemon.log_text()
    );
    assert!(
        wait_until(Duration::from_secs(10), || membership(&db, "cara") == 1),
        "once the order's time has come, Cara is a buyer without a full refresh:\n{}",
        daemon.log_text()
    );
    let entered: i64 = db
        .query_row(
            "SELECT c.at FROM segment_changes c JOIN customers k ON k.id = c.customer \
             WHERE c.segment = 'buyers' AND k.external_id = 'cara' AND c.change = 'entered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        entered >= ahead.timestamp_millis(),
        "entered at {entered}, not before the order's time {}",
        ahead.timestamp_millis()
    );
}
