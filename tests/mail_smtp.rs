//! The SMTP path end to end: outbox rows delivered by the sender through lettre to a real SMTP
//! server on 127.0.0.1, with retries, bounces, outages and crashes of the sender.

mod smtp_server;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use mailparse::MailHeaderMap;
use segflow::mail::outbox::{self, Status};
use segflow::mail::{
    enqueue, message_id_for, suppressions, Clock, OutgoingEmail, SendError, Sender, SmtpTransport,
    Transport, UnsubscribeSigner,
};
use smtp_server::fixtures::*;
use smtp_server::{free_port, ManualClock, TestSmtpServer};

fn smtp_sender(port: u16) -> Sender<SmtpTransport> {
    let transport = SmtpTransport::from_config(&smtp_config(port)).unwrap();
    Sender::new(transport, defaults(), delivery())
}

#[test]
fn delivers_multipart_with_stable_message_id_and_unsubscribe_headers() {
    let server = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    let msg = message("offer", 7, "ada@example.test");
    let id = enqueue(&conn, &msg, T0).unwrap().id();
    let clock = ManualClock::new(T0);
    let report = smtp_sender(server.addr.port())
        .drain(&conn, &clock)
        .unwrap();
    assert_eq!(report.sent, 1);

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["ada@example.test".to_string()]);
    let parsed = received[0].parsed();
    let header = |name: &str| parsed.headers.get_first_value(name).unwrap_or_default();
    assert_eq!(header("Subject"), "We miss you, customer 7");
    assert!(
        header("From").contains("news@acme.test"),
        "{}",
        header("From")
    );
    let key = msg.origin.idempotency_key();
    assert_eq!(header("Message-ID"), message_id_for(&key, "acme.test"));
    assert_eq!(
        header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );

    // List-Unsubscribe carries the signed HTTPS link first, then the mailto fallback.
    let list = header("List-Unsubscribe");
    let url = msg.unsubscribe_url.clone().unwrap();
    assert!(list.starts_with(&format!("<{url}>")), "{list}");
    assert!(list.contains("<mailto:unsubscribe@acme.test?subject=unsubscribe>"));
    let token = url.rsplit("/u/").next().unwrap();
    let claims = UnsubscribeSigner::new(SECRET)
        .unwrap()
        .verify(token)
        .unwrap();
    assert_eq!(
        (claims.customer, claims.email.as_str()),
        (7, "ada@example.test")
    );

    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    let kinds: Vec<&str> = parsed
        .subparts
        .iter()
        .map(|p| p.ctype.mimetype.as_str())
        .collect();
    assert_eq!(kinds, ["text/plain", "text/html"]);
    // SMTP carries CRLF line ends; the parts are otherwise exactly what was rendered.
    let body = |i: usize| parsed.subparts[i].get_body().unwrap().replace("\r\n", "\n");
    assert_eq!(body(0).trim_end(), msg.email.text);
    assert_eq!(body(1).trim_end(), msg.email.html);

    let row = outbox::get(&conn, id).unwrap().unwrap();
    assert_eq!(
        (row.status, row.attempts, row.sent_at),
        (Status::Sent, 1, Some(T0))
    );
}

#[test]
fn a_451_is_retried_after_backoff_and_delivered_once() {
    let server = TestSmtpServer::start();
    server.refuse_times("slow@example.test", 1, 451, "4.3.0 try again later");
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    let id = enqueue(&conn, &message("offer", 1, "slow@example.test"), T0)
        .unwrap()
        .id();
    let sender = smtp_sender(server.addr.port());
    let clock = ManualClock::new(T0);

    let first = sender.drain(&conn, &clock).unwrap();
    assert_eq!((first.sent, first.retried), (0, 1));
    let row = outbox::get(&conn, id).unwrap().unwrap();
    assert_eq!((row.status, row.attempts), (Status::Queued, 1));
    assert_eq!(row.next_attempt_at, T0 + 10_000);
    assert!(row.last_error.unwrap().contains("451"));

    // Not due yet: the backoff holds the message back.
    clock.advance(9_999);
    assert_eq!(sender.drain(&conn, &clock).unwrap().processed(), 0);
    clock.advance(1);
    assert_eq!(sender.drain(&conn, &clock).unwrap().sent, 1);
    let row = outbox::get(&conn, id).unwrap().unwrap();
    assert_eq!(
        (row.status, row.attempts, row.last_error),
        (Status::Sent, 2, None)
    );
    assert_eq!(server.received().len(), 1);
}

#[test]
fn a_550_fails_and_suppresses_the_address_but_a_policy_block_does_not() {
    let server = TestSmtpServer::start();
    server.refuse("gone@example.test", 550, "5.1.1 no such user");
    server.refuse("blocked@example.test", 550, "5.7.1 message refused as spam");
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    let gone = enqueue(&conn, &message("offer", 1, "gone@example.test"), T0)
        .unwrap()
        .id();
    let blocked = enqueue(&conn, &message("offer", 2, "blocked@example.test"), T0)
        .unwrap()
        .id();
    let sender = smtp_sender(server.addr.port());
    let clock = ManualClock::new(T0);

    let report = sender.drain(&conn, &clock).unwrap();
    assert_eq!((report.failed, report.bounced, report.retried), (2, 1, 0));
    for id in [gone, blocked] {
        let row = outbox::get(&conn, id).unwrap().unwrap();
        assert_eq!((row.status, row.attempts), (Status::Failed, 1));
        assert!(row.last_error.unwrap().contains("550"));
    }
    assert!(suppressions::reason(&conn, "Gone@Example.test")
        .unwrap()
        .is_some());
    assert!(suppressions::reason(&conn, "blocked@example.test")
        .unwrap()
        .is_none());

    // A later message to the bounced address is skipped without touching the server.
    let later = enqueue(&conn, &message("reminder", 1, "gone@example.test"), T0)
        .unwrap()
        .id();
    let report = sender.drain(&conn, &clock).unwrap();
    assert_eq!(report.skipped, 1);
    let row = outbox::get(&conn, later).unwrap().unwrap();
    assert_eq!((row.status, row.attempts), (Status::Skipped, 0));
    assert!(server.received().is_empty());
}

#[test]
fn nothing_is_lost_while_the_server_is_down() {
    let port = free_port();
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    let ids = enqueue_many(&conn, 3);
    let sender = smtp_sender(port);
    let clock = ManualClock::new(T0);

    let report = sender.drain(&conn, &clock).unwrap();
    assert_eq!(report.retried, 3, "{report:?}");
    for id in &ids {
        let row = outbox::get(&conn, *id).unwrap().unwrap();
        assert_eq!((row.status, row.attempts), (Status::Queued, 1));
        assert!(row.last_error.is_some());
    }

    let server = TestSmtpServer::start_on(port);
    clock.advance(10_000);
    assert_eq!(sender.drain(&conn, &clock).unwrap().sent, 3);
    let counts = server.message_id_counts();
    assert_eq!(counts.len(), 3);
    assert!(counts.values().all(|&n| n == 1));
}

/// Delegates to SMTP but "crashes" (panics) at the `at`-th send, before or after delivering.
struct CrashingTransport {
    inner: SmtpTransport,
    sends: AtomicUsize,
    at: usize,
    after_delivery: bool,
}

impl Transport for CrashingTransport {
    fn send(&self, msg: &OutgoingEmail) -> Result<(), SendError> {
        let n = self.sends.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.at && !self.after_delivery {
            panic!("simulated crash before send {n}");
        }
        let result = self.inner.send(msg);
        if n == self.at {
            panic!("simulated crash after send {n}");
        }
        result
    }
}

/// Runs a sender that crashes at the 4th of 10 sends, then restarts one on the same file.
fn crash_and_restart(after_delivery: bool) -> (TestSmtpServer, rusqlite::Connection) {
    let server = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    enqueue_many(&store(&path), 10);
    let port = server.addr.port();
    let crashed = std::thread::spawn(move || {
        let conn = store(&path);
        let transport = CrashingTransport {
            inner: SmtpTransport::from_config(&smtp_config(port)).unwrap(),
            sends: AtomicUsize::new(0),
            at: 4,
            after_delivery,
        };
        let _ = Sender::new(transport, defaults(), delivery()).drain(&conn, &ManualClock::new(T0));
    })
    .join();
    assert!(crashed.is_err(), "the first sender should have crashed");

    let conn = store(dir.path());
    let counts = outbox::status_counts(&conn).unwrap();
    assert!(counts.contains(&(Status::Sent, 3)), "{counts:?}");
    assert!(counts.contains(&(Status::Sending, 1)), "{counts:?}");
    assert!(counts.contains(&(Status::Queued, 6)), "{counts:?}");

    let sender = smtp_sender(port);
    let clock = ManualClock::new(T0 + 60_000);
    assert_eq!(sender.recover(&conn, clock.now_ms()).unwrap(), 1);
    assert_eq!(sender.drain(&conn, &clock).unwrap().sent, 7);
    assert_eq!(
        outbox::status_counts(&conn).unwrap(),
        vec![(Status::Sent, 10)]
    );
    // Keep the folder alive as long as the connection.
    std::mem::forget(dir);
    (server, conn)
}

#[test]
fn a_crash_before_the_network_call_delivers_every_message_exactly_once() {
    let (server, conn) = crash_and_restart(false);
    let counts = server.message_id_counts();
    let expected: HashSet<String> = outbox::all(&conn)
        .unwrap()
        .into_iter()
        .map(|r| r.message_id)
        .collect();
    assert_eq!(counts.keys().cloned().collect::<HashSet<_>>(), expected);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

#[test]
fn a_crash_after_the_network_call_duplicates_only_that_message_with_its_message_id() {
    let (server, conn) = crash_and_restart(true);
    let counts = server.message_id_counts();
    let rows = outbox::all(&conn).unwrap();
    assert_eq!(counts.len(), 10);
    let twice: Vec<_> = counts.iter().filter(|(_, &n)| n == 2).collect();
    assert_eq!(twice.len(), 1, "{counts:?}");
    assert!(counts.values().all(|&n| n <= 2));
    // The duplicate is the 4th message, the one in flight at the crash, and it was sent twice.
    assert_eq!(twice[0].0, &rows[3].message_id);
    assert_eq!(rows[3].attempts, 2);
}
