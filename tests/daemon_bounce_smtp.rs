//! The daemon's SMTP listener for the bounce address, over real SMTP on 127.0.0.1: the
//! abandoned-checkout reminder goes out to a real SMTP server, and the delivery status
//! notification about it (`tests/fixtures/bounces/hard_bounce.eml` with the fixture's address
//! and Message-ID replaced) comes back to `[mail.bounces] smtp_bind`. It is acknowledged only
//! once recorded; another recipient, an unreadable report and an auto-reply get their answers.

mod daemon_support;
mod smtp_server;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use daemon_support::*;
use smtp_server::TestSmtpServer;

fn fixture(name: &str) -> String {
    bounce_fixture(name)
}

/// A plain SMTP client that says exactly what is written here.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(addr: &str) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut client = Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        };
        assert!(client.reply().starts_with("220"));
        client
    }

    /// The last line of the next reply.
    fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return line.trim_end().to_string();
            }
        }
    }

    fn say(&mut self, line: &str) -> String {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .unwrap();
        self.reply()
    }

    /// Sends one message to `to` from the null sender, as a bounce comes; the reply to its data.
    fn send(&mut self, to: &str, message: &str) -> String {
        let mail = self.say("MAIL FROM:<>");
        assert!(mail.starts_with("250"), "{mail}");
        let rcpt = self.say(&format!("RCPT TO:<{to}>"));
        if !rcpt.starts_with("250") {
            self.say("RSET");
            return rcpt;
        }
        assert!(self.say("DATA").starts_with("354"));
        let mut data = String::new();
        for line in message.lines() {
            // RFC 5321 dot-stuffing.
            if line.starts_with('.') {
                data.push('.');
            }
            data.push_str(line);
            data.push_str("\r\n");
        }
        self.writer.write_all(data.as_bytes()).unwrap();
        self.say(".")
    }
}

/// The shop sending to `smtp` with the bounce listener and these `[mail.bounces]` settings
/// added; the daemon and the listener's address.
fn start(dir: &std::path::Path, smtp: &TestSmtpServer, bounces: &str) -> (Daemon, String) {
    write_shop(dir, smtp.addr.port(), "1s");
    let config = dir.join("segflow.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[mail.bounces]\nsmtp_bind = \"127.0.0.1:0\"\nsmtp_address = \"bounces@acme.test\"\n{bounces}"
    ));
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(dir);
    let mut listener = String::new();
    assert!(
        wait_until(Duration::from_secs(10), || {
            let log = daemon.log_text();
            let Some(line) = log
                .lines()
                .find(|l| l.contains("bounce SMTP listener ready"))
            else {
                return false;
            };
            listener = line.rsplit("addr=").next().unwrap().trim().to_string();
            true
        }),
        "{}",
        daemon.log_text()
    );
    (daemon, listener)
}

#[test]
fn reports_by_smtp_are_recorded_before_they_are_acknowledged() {
    let smtp = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (daemon, listener) = start(dir.path(), &smtp, "");
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"ann","email":"ann@example.test","accepts_marketing":true}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = daemon.api(
        "/v1/events",
        r#"[{"type":"checkout_started","customer_id":"ann","properties":{"value":10}}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        wait_until(Duration::from_secs(20), || smtp.received_count() >= 1),
        "{}",
        daemon.log_text()
    );
    let sent_id = smtp.received()[0].message_id();
    let bounce = fixture("hard_bounce.eml")
        .replace("alice@example.com", "ann@example.test")
        .replace(
            "<5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1@shop.example>",
            &sent_id,
        );
    let db = store(dir.path());

    let mut client = Client::connect(&listener);
    assert!(client.say("HELO mx.example.net").starts_with("250"));
    assert_eq!(
        client.send("someone@acme.test", &bounce),
        "550 5.1.1 this server takes mail for the bounce address only"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 0);
    let reply = client.send("bounces@acme.test", &bounce);
    assert!(reply.starts_with("250"), "{reply}");
    // The 250 came after the commit: the row is there at once.
    assert_eq!(
        db.query_row(
            "SELECT s.reason FROM mail_feedback f JOIN outbox o ON o.id = f.outbox
             JOIN suppressions s ON s.email = f.email WHERE o.message_id = ?1",
            [&sent_id],
            |r| r.get::<_, String>(0)
        )
        .unwrap(),
        "hard bounce 5.1.1"
    );
    // The same report again is acknowledged and recorded once.
    assert!(client.send("bounces@acme.test", &bounce).starts_with("250"));
    let broken = bounce.replace("Status: 5.1.1\n", "");
    assert_eq!(
        client.send("bounces@acme.test", &broken),
        "554 5.6.0 not a readable report: recipient 1 of the delivery status has no Status field"
    );
    assert!(client
        .send("bounces@acme.test", &fixture("auto_reply.eml"))
        .starts_with("250"));
    // Out of order, over-long and oversized input is refused and the session goes on.
    assert_eq!(client.say("DATA"), "503 5.5.1 RCPT first");
    assert_eq!(
        client.say(&format!("NOOP {}", "x".repeat(2_000))),
        "500 5.5.6 line too long"
    );
    // 80 lines of 900 bytes: more than [daemon] max_body_bytes of the test shop.
    let huge = format!(
        "Subject: big\n\n{}",
        format!("{}\n", "y".repeat(900)).repeat(80)
    );
    assert_eq!(
        client.send("bounces@acme.test", &huge),
        "552 5.3.4 the message is larger than 65536 bytes"
    );
    assert!(client.say("NOOP").starts_with("250"));
    assert!(client.say("QUIT").starts_with("221"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 1);
}

#[test]
fn a_bare_report_to_a_verp_address_names_its_message() {
    let smtp = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (daemon, listener) = start(
        dir.path(),
        &smtp,
        "return_path = \"bounces@acme.test\"\nverp = true\n",
    );
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"bob","email":"bob@example.test","accepts_marketing":true}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = daemon.api(
        "/v1/events",
        r#"[{"type":"checkout_started","customer_id":"bob","properties":{"value":10}}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        wait_until(Duration::from_secs(20), || smtp.received_count() >= 1),
        "{}",
        daemon.log_text()
    );
    let db = store(dir.path());
    let (outbox_id, message_id): (i64, String) = db
        .query_row("SELECT id, message_id FROM outbox", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    // The reminder's envelope sender is its own VERP address: the outbox id and 80 bits of MAC.
    let sent = &smtp.received()[0];
    let envelope = sent.from.trim_matches(|c| c == '<' || c == '>').to_string();
    let token = envelope
        .strip_prefix(&format!("bounces+{outbox_id}-"))
        .and_then(|rest| rest.strip_suffix("@acme.test"))
        .unwrap_or_else(|| panic!("{envelope}"));
    assert!(
        token.len() == 20 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "{envelope}"
    );
    assert_eq!(sent.message_id(), message_id);

    // The report quotes nothing of the reminder and names a forwarding address nobody has.
    let bounce =
        fixture("verp_bounce.eml").replace("bounces+2-0123456789abcdef0123@acme.test", &envelope);
    let mut client = Client::connect(&listener);
    assert!(client.say("EHLO mx.elsewhere.example").starts_with("250"));
    assert_eq!(
        client.send("news+x@acme.test", &bounce),
        "550 5.1.1 this server takes mail for the bounce address only"
    );
    // A made-up token is taken (the sender cannot tell) but names nothing; nobody has the
    // reported address, so nothing is recorded.
    let forged = format!("bounces+{outbox_id}-00112233445566778899@acme.test");
    assert!(client.send(&forged, &bounce).starts_with("250"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 0);
    let reply = client.send(&envelope.to_uppercase(), &bounce);
    assert!(reply.starts_with("250"), "{reply}");
    let (tied, original, email, reason): (i64, String, String, String) = db
        .query_row(
            "SELECT f.outbox, f.original_message_id, f.email, s.reason FROM mail_feedback f
             JOIN suppressions s ON s.email = f.email",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (tied, original, email.as_str(), reason.as_str()),
        (
            outbox_id,
            message_id,
            "bob@example.test",
            "hard bounce 5.1.1"
        )
    );
    assert!(client.say("QUIT").starts_with("221"));
}

#[test]
fn a_verp_setting_that_cannot_work_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let config = dir.path().join("segflow.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[mail.bounces]\nverp = true\nreturn_path = \"bounces\"\n");
    std::fs::write(&config, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_segflow"))
        .arg("--config")
        .arg(&config)
        .args(["run", "--bind", "127.0.0.1:0"])
        .env("SEGFLOW_UNSUBSCRIBE_SECRET", UNSUBSCRIBE_SECRET)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "error: mail.bounces.return_path = \"bounces\" is not valid: it is not an address like \"bounces@shop.example\"\n"
    );
    assert!(out.stdout.is_empty(), "it never listened");
}
