//! The delivery guarantee at the process boundary: the real `segflow send` binary drains a real
//! SQLite outbox into a real SMTP server on 127.0.0.1, is killed with SIGKILL mid-run and started
//! again. Every message must arrive, no Message-ID more than twice, and at most one twice (the one
//! in flight at the kill, which keeps its Message-ID so the receiver can recognise it). A graceful
//! stop mid-batch, by contrast, must deliver every message exactly once.

mod smtp_server;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use segflow::mail::outbox::{self, Status};
use segflow::mail::{OutgoingEmail, SendError, Sender, SmtpTransport, SystemClock, Transport};
use smtp_server::fixtures::*;
use smtp_server::TestSmtpServer;

const MESSAGES: i64 = 5_000;

/// A `segflow.toml` that sends over plain SMTP to `port` and keeps the store beside it.
fn write_config(dir: &Path, port: u16) -> std::path::PathBuf {
    let path = dir.join("segflow.toml");
    let text = format!(
        r#"[store]
path = "shop.db"

[mail]
from = "Acme Shop <news@acme.test>"
transport = "smtp"

[mail.smtp]
host = "127.0.0.1"
port = {port}
tls = "none"
timeout_secs = 5
pool_size = 2
hello_name = "segflow.test"

[mail.delivery]
batch_size = 200
rate_per_second = 0
max_attempts = 4
backoff_base_secs = 1
"#
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn segflow(config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segflow"));
    command.arg("--config").arg(config).args(args);
    command
}

/// Every queued Message-ID, and asserts that every row ended `sent`.
fn all_sent_message_ids(conn: &Connection) -> Vec<String> {
    let rows = outbox::all(conn).unwrap();
    let unsent: Vec<_> = rows.iter().filter(|r| r.status != Status::Sent).collect();
    assert!(
        unsent.is_empty(),
        "{} rows are not sent, e.g. {:?}",
        unsent.len(),
        unsent.first().map(|r| (r.id, r.status, &r.last_error))
    );
    rows.into_iter().map(|r| r.message_id).collect()
}

#[test]
fn kill_9_mid_run_then_restart_delivers_everything_with_at_most_one_duplicate() {
    let server = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let ids = enqueue_many(&store(dir.path()), MESSAGES);
    assert_eq!(ids.len() as i64, MESSAGES);
    let config = write_config(dir.path(), server.addr.port());

    let mut child = segflow(&config, &["send"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.received_count() <= 500 {
        assert!(
            Instant::now() < deadline,
            "only {} messages arrived in 30 s",
            server.received_count()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sender exited before the kill"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // Child::kill sends SIGKILL on Unix: no destructor, no flush, no graceful anything.
    child.kill().unwrap();
    child.wait().unwrap();
    let at_kill = server.received_count();
    assert!(
        (at_kill as i64) < MESSAGES,
        "the kill came after the whole outbox was sent ({at_kill} messages), so it tests nothing"
    );

    let output = segflow(&config, &["send"]).output().unwrap();
    assert!(
        output.status.success(),
        "the restarted sender failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let conn = store(dir.path());
    let expected = all_sent_message_ids(&conn);
    let counts = server.message_id_counts();
    for id in &expected {
        assert!(counts.contains_key(id), "{id} never arrived");
    }
    assert_eq!(counts.len(), expected.len(), "unknown Message-IDs arrived");
    assert!(
        counts.values().all(|&n| n <= 2),
        "a Message-ID arrived more than twice"
    );
    let twice = counts.values().filter(|&&n| n == 2).count();
    assert!(
        twice <= 1,
        "{twice} Message-IDs arrived twice; only the one in flight may"
    );
    assert_eq!(server.received_count(), expected.len() + twice);
}

#[test]
fn send_once_then_send_delivers_every_message_exactly_once() {
    let server = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    enqueue_many(&store(dir.path()), 450);
    let config = write_config(dir.path(), server.addr.port());

    let first = segflow(&config, &["send", "--once"]).output().unwrap();
    assert!(first.status.success(), "{:?}", first);
    // One batch of 200, as configured; the rest stays queued for the next run.
    assert_eq!(server.received_count(), 200);
    let summary = String::from_utf8_lossy(&first.stdout);
    assert!(summary.contains("sent 200 over SMTP"), "{summary}");
    assert!(summary.contains("queued 250"), "{summary}");

    let second = segflow(&config, &["send"]).output().unwrap();
    assert!(second.status.success(), "{:?}", second);
    let expected = all_sent_message_ids(&store(dir.path()));
    let counts = server.message_id_counts();
    assert_eq!(counts.len(), 450);
    assert!(expected.iter().all(|id| counts.get(id) == Some(&1)));
}

/// Passes sends through and raises `stop` after `limit` of them, like a shutdown signal
/// arriving mid-batch.
struct StopAfter<'a> {
    inner: SmtpTransport,
    sent: AtomicUsize,
    limit: usize,
    stop: &'a AtomicBool,
}

impl Transport for StopAfter<'_> {
    fn send(&self, msg: &OutgoingEmail) -> Result<(), SendError> {
        self.inner.send(msg)?;
        if self.sent.fetch_add(1, Ordering::SeqCst) + 1 >= self.limit {
            self.stop.store(true, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[test]
fn graceful_stop_mid_batch_then_restart_delivers_every_message_exactly_once() {
    let server = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    enqueue_many(&conn, 1_000);
    let mut config = delivery();
    config.batch_size = 1_000;
    let smtp = || SmtpTransport::from_config(&smtp_config(server.addr.port())).unwrap();

    let stop = AtomicBool::new(false);
    let transport = StopAfter {
        inner: smtp(),
        sent: AtomicUsize::new(0),
        limit: 300,
        stop: &stop,
    };
    let first = Sender::new(transport, defaults(), config.clone());
    let report = first.drain_until(&conn, &SystemClock, &stop).unwrap();
    assert_eq!(report.sent, 300);
    let counts = outbox::status_counts(&conn).unwrap();
    assert!(counts.contains(&(Status::Queued, 700)), "{counts:?}");
    assert!(!counts.iter().any(|(s, _)| *s == Status::Sending));
    drop(first);

    let second = Sender::new(smtp(), defaults(), config);
    assert_eq!(second.recover(&conn, T0).unwrap(), 0);
    assert_eq!(second.drain(&conn, &SystemClock).unwrap().sent, 700);
    let expected = all_sent_message_ids(&conn);
    let counts = server.message_id_counts();
    assert_eq!(counts.len(), 1_000);
    assert!(expected.iter().all(|id| counts.get(id) == Some(&1)));
}

#[test]
fn concurrent_drain_delivers_every_message_once_and_records_bounces() {
    let server = TestSmtpServer::start();
    server.refuse("c7@example.test", 550, "5.1.1 no such mailbox");
    server.refuse_times("c9@example.test", 1, 451, "4.3.0 try again later");
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    enqueue_many(&conn, 600);
    let mut config = delivery();
    config.batch_size = 1_000;
    let mut smtp = smtp_config(server.addr.port());
    smtp.pool_size = 4;
    let sender = Sender::new(
        SmtpTransport::from_config(&smtp).unwrap(),
        defaults(),
        config,
    );

    let report = sender
        .drain_concurrent(&conn, &SystemClock, &AtomicBool::new(false), 4)
        .unwrap();
    assert_eq!((report.sent, report.failed, report.bounced), (598, 1, 1));
    assert_eq!(report.retried, 1);
    let counts = outbox::status_counts(&conn).unwrap();
    assert!(counts.contains(&(Status::Sent, 598)), "{counts:?}");
    assert!(counts.contains(&(Status::Queued, 1)), "{counts:?}");
    assert!(!counts.iter().any(|(s, _)| *s == Status::Sending));
    let received = server.message_id_counts();
    assert_eq!(received.len(), 598);
    assert!(received.values().all(|&n| n == 1));
    assert!(
        segflow::mail::suppressions::reason(&conn, "c7@example.test")
            .unwrap()
            .is_some()
    );
}
