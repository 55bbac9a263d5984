//! The outbox on a real SQLite file: idempotent enqueue, backoff and give-up, pacing, delayed
//! sends, broken templates, and the file transport.

mod smtp_server;

use std::cell::RefCell;

use segflow::mail::outbox::{self, Status};
use segflow::mail::{
    enqueue, Clock, Enqueued, FileTransport, NewMessage, OutgoingEmail, SendError, Sender,
    Templates, Transport,
};
use smtp_server::fixtures::*;
use smtp_server::{ManualClock, TestSmtpServer};

/// Fails every send transiently and remembers the Message-IDs it was given.
#[derive(Default)]
struct AlwaysBusy {
    seen: RefCell<Vec<String>>,
}

impl Transport for AlwaysBusy {
    fn send(&self, msg: &OutgoingEmail) -> Result<(), SendError> {
        self.seen.borrow_mut().push(msg.message_id().to_string());
        Err(SendError::transient("421 4.4.2 busy"))
    }
}

#[test]
fn enqueue_is_idempotent_per_workflow_step_customer_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    let msg = message("offer", 5, "e@example.test");
    let first = enqueue(&conn, &msg, T0).unwrap();
    assert!(matches!(first, Enqueued::Inserted(_)));
    // The same send enqueued again (a retried workflow step) changes nothing.
    let again = enqueue(&conn, &message("offer", 5, "other@example.test"), T0 + 5).unwrap();
    assert_eq!(again, Enqueued::AlreadyQueued(first.id()));
    let row = outbox::get(&conn, first.id()).unwrap().unwrap();
    assert_eq!(
        (row.to_email.as_str(), row.created_at),
        ("e@example.test", T0)
    );
    // A new journey run is a new send, with its own Message-ID.
    let mut next_run = message("offer", 5, "e@example.test");
    next_run.origin.run = 2;
    next_run = NewMessage::new(
        next_run.origin,
        "winback",
        "e@example.test",
        next_run.email,
        "acme.test",
    );
    let second = enqueue(&conn, &next_run, T0).unwrap();
    assert!(matches!(second, Enqueued::Inserted(id) if id != first.id()));
    let rows = outbox::all(&conn).unwrap();
    assert_eq!(rows.len(), 2);
    assert_ne!(rows[0].message_id, rows[1].message_id);
}

#[test]
fn transient_failures_back_off_exponentially_then_give_up() {
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    let id = enqueue(&conn, &message("offer", 1, "a@example.test"), T0)
        .unwrap()
        .id();
    let sender = Sender::new(AlwaysBusy::default(), defaults(), delivery());
    let clock = ManualClock::new(T0);
    let mut waits = Vec::new();
    for _ in 0..3 {
        assert_eq!(sender.drain(&conn, &clock).unwrap().retried, 1);
        let row = outbox::get(&conn, id).unwrap().unwrap();
        waits.push(row.next_attempt_at - clock.now_ms());
        clock.set(row.next_attempt_at);
    }
    assert_eq!(waits, [10_000, 20_000, 40_000]);
    assert_eq!(sender.drain(&conn, &clock).unwrap().failed, 1);
    let row = outbox::get(&conn, id).unwrap().unwrap();
    assert_eq!((row.status, row.attempts), (Status::Failed, 4));
    assert!(row
        .last_error
        .unwrap()
        .starts_with("gave up after 4 attempts"));
    // Every attempt carried the same Message-ID.
    let seen = sender.transport().seen.borrow();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|m| *m == row.message_id));
}

#[test]
fn drains_are_bounded_paced_and_respect_not_before() {
    let server = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    enqueue_many(&conn, 5);
    let later = message("later", 9, "later@example.test").not_before(T0 + 3_600_000);
    let later_id = enqueue(&conn, &later, T0).unwrap().id();
    let mut config = delivery();
    config.batch_size = 3;
    config.rate_per_second = 10.0;
    let transport =
        segflow::mail::SmtpTransport::from_config(&smtp_config(server.addr.port())).unwrap();
    let sender = Sender::new(transport, defaults(), config);
    let clock = ManualClock::new(T0);

    assert_eq!(sender.drain(&conn, &clock).unwrap().sent, 3);
    // Three messages at 10 per second: the second and third each wait 100 ms.
    assert_eq!(clock.slept_ms(), 200);
    assert_eq!(sender.drain(&conn, &clock).unwrap().sent, 2);
    assert_eq!(sender.drain(&conn, &clock).unwrap().processed(), 0);
    assert_eq!(
        outbox::get(&conn, later_id).unwrap().unwrap().status,
        Status::Queued
    );
    clock.set(T0 + 3_600_000);
    assert_eq!(sender.drain(&conn, &clock).unwrap().sent, 1);
    assert_eq!(server.received().len(), 6);
}

#[test]
fn a_broken_template_never_sends() {
    let dir = tempfile::tempdir().unwrap();
    let tpl = dir.path().join("templates/cart");
    std::fs::create_dir_all(&tpl).unwrap();
    std::fs::write(
        tpl.join("subject.txt"),
        "Your cart, {{ customer.first_name }}",
    )
    .unwrap();
    std::fs::write(
        tpl.join("body.html"),
        "<p>Left: {{ cart.items | length }}</p>",
    )
    .unwrap();
    let templates = Templates::load_dir(&dir.path().join("templates"), 10_000).unwrap();
    let context = serde_json::json!({ "customer": { "first_name": "Ada" } });

    let server = TestSmtpServer::start();
    let conn = store(dir.path());
    let rendered = NewMessage::render(
        &templates,
        "cart",
        &context,
        origin("cart", 1),
        "a@example.test",
        "acme.test",
    );
    // The subject rendered fine, but the body did not: there is no message at all.
    let error = rendered.unwrap_err();
    assert_eq!(error.file, tpl.join("body.html"));
    assert_eq!((error.line, error.column), (Some(1), Some(13)));

    let transport =
        segflow::mail::SmtpTransport::from_config(&smtp_config(server.addr.port())).unwrap();
    let sender = Sender::new(transport, defaults(), delivery());
    assert_eq!(
        sender
            .drain(&conn, &ManualClock::new(T0))
            .unwrap()
            .processed(),
        0
    );
    assert!(outbox::all(&conn).unwrap().is_empty());
    assert!(server.received().is_empty());
}

#[test]
fn the_file_transport_writes_one_eml_per_message_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    let ids = enqueue_many(&conn, 2);
    let out = dir.path().join("mail-out");
    let transport = FileTransport::new(&out).unwrap();
    let sender = Sender::new(transport.clone(), defaults(), delivery());
    assert_eq!(sender.drain(&conn, &ManualClock::new(T0)).unwrap().sent, 2);

    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "no temporary files are left: {names:?}");
    for id in ids {
        let row = outbox::get(&conn, id).unwrap().unwrap();
        let path = transport.path_for(&row.message_id);
        assert!(names.contains(&path.file_name().unwrap().to_str().unwrap().to_string()));
        let data = std::fs::read(&path).unwrap();
        let parsed = mailparse::parse_mail(&data).unwrap();
        use mailparse::MailHeaderMap;
        assert_eq!(
            parsed.headers.get_first_value("Message-ID").unwrap(),
            row.message_id
        );
        assert_eq!(
            parsed.headers.get_first_value("Subject").unwrap(),
            row.subject
        );
        assert_eq!(parsed.subparts.len(), 2);
    }
}
