//! One sender per outbox. `segflow send` run from cron beside the daemon used to begin by
//! "recovering" the rows in `sending`, which were the daemon sender's messages in flight, and
//! sent them a second time. Now it leaves the outbox to the sender that holds it; once that
//! sender is gone, `segflow send` recovers what it left.

mod cli_shop;
mod daemon_support;

use std::time::Duration;

use daemon_support::*;

fn in_flight(db: &rusqlite::Connection) {
    db.execute(
        "INSERT INTO outbox (idempotency_key, workflow, step, customer, run, template, to_email, \
         subject, body_html, body_text, message_id, status, attempts, next_attempt_at, created_at) \
         VALUES ('flight', 'welcome', 'send', 1, 0, 'welcome', 'ada@example.test', 'Hi', \
         '<p>Hi</p>', 'Hi', '<flight@segflow.test>', 'sending', 1, 0, 0)",
        [],
    )
    .unwrap();
}

fn status(db: &rusqlite::Connection) -> String {
    db.query_row(
        "SELECT status FROM outbox WHERE idempotency_key = 'flight'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn send_beside_a_running_sender_leaves_its_message_in_flight_alone() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let config = dir.path().join("segflow.toml");
    let config = config.to_str().unwrap();
    let daemon = Daemon::start(dir.path());
    let db = store(dir.path());
    // The daemon's sender has started (and recovered) before this row appears in `sending`,
    // as its own message on the wire would.
    assert!(wait_until(Duration::from_secs(10), || daemon
        .log_text()
        .contains("listening")));
    std::thread::sleep(Duration::from_millis(500));
    in_flight(&db);

    let (code, out, err) = cli_shop::segflow(dir.path(), &["--config", config, "send"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("another sender is delivering the outbox of "),
        "{out}"
    );
    assert_eq!(status(&db), "sending", "the daemon's message is not taken");

    // Once the daemon is gone, what it left in flight is recovered and tried again.
    let (exit, _) = daemon.terminate(Duration::from_secs(10));
    assert!(exit.success());
    let (code, out, err) = cli_shop::segflow(dir.path(), &["--config", config, "send"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 interrupted by an earlier run were sent again with their Message-ID"),
        "{out}"
    );
    assert_ne!(status(&db), "sending");
}
