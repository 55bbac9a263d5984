//! Amazon SES notifications through an SNS HTTP subscription on the real daemon over real
//! HTTP on 127.0.0.1. The test plays SNS: an RSA key and a self-signed signing certificate
//! (the daemon reads it from the configured file, as a merchant saves SNS's), and signatures
//! over SNS's canonical string (SignatureVersion 1: SHA-1, 2: SHA-256). The messages are the
//! fixtures `tests/fixtures/bounces/ses_*.json`, written after the SNS and SES documentation,
//! about reminders a real SMTP server received. Forged, tampered and foreign-topic messages
//! are refused and record nothing.

mod daemon_support;
mod smtp_server;

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use daemon_support::*;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use smtp_server::TestSmtpServer;

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:ses-bounces";

fn fixture(name: &str) -> serde_json::Value {
    serde_json::from_str(&bounce_fixture(name)).unwrap()
}

fn signing_certificate() -> (PKey<Private>, String) {
    sns_signing_certificate()
}

/// SNS's canonical string of a message, as its documentation lists the fields.
fn canonical(message: &serde_json::Value) -> String {
    let names: &[&str] = if message["Type"] == "Notification" {
        &[
            "Message",
            "MessageId",
            "Subject",
            "Timestamp",
            "TopicArn",
            "Type",
        ]
    } else {
        &[
            "Message",
            "MessageId",
            "SubscribeURL",
            "Timestamp",
            "Token",
            "TopicArn",
            "Type",
        ]
    };
    names
        .iter()
        .filter_map(|n| message[*n].as_str().map(|v| format!("{n}\n{v}\n")))
        .collect()
}

/// `message` with its Signature set for its SignatureVersion under `key`.
fn signed(mut message: serde_json::Value, key: &PKey<Private>) -> String {
    let digest = match message["SignatureVersion"].as_str() {
        Some("1") => MessageDigest::sha1(),
        _ => MessageDigest::sha256(),
    };
    let mut signer = openssl::sign::Signer::new(digest, key).unwrap();
    signer.update(canonical(&message).as_bytes()).unwrap();
    let signature = base64::engine::general_purpose::STANDARD.encode(signer.sign_to_vec().unwrap());
    message["Signature"] = signature.into();
    message.to_string()
}

/// A fixture about the message `message_id` to `to` instead of the fixture's own.
fn about(
    name: &str,
    fixture_to: &str,
    fixture_id: &str,
    to: &str,
    message_id: &str,
) -> serde_json::Value {
    let mut message = fixture(name);
    let inner = message["Message"].as_str().unwrap().to_string();
    assert!(
        inner.contains(fixture_to) && inner.contains(fixture_id),
        "{name}"
    );
    message["Message"] = inner
        .replace(fixture_to, to)
        .replace(fixture_id, message_id)
        .into();
    message
}

fn post(daemon: &Daemon, body: &str) -> Reply {
    // SNS posts its JSON as text/plain.
    daemon.request(
        "POST",
        "/webhooks/ses",
        &[
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("x-amz-sns-message-type", "Notification"),
        ],
        body.as_bytes(),
    )
}

fn configure(dir: &Path, bounces: &str) {
    let config = dir.join("segflow.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("\n[mail.bounces]\n{bounces}"));
    std::fs::write(&config, text).unwrap();
}

#[test]
fn sns_signed_ses_notifications_are_recorded_and_forged_ones_refused() {
    let smtp = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), smtp.addr.port(), "1s");
    let (key, pem) = signing_certificate();
    std::fs::write(dir.path().join("sns.pem"), pem).unwrap();
    configure(
        dir.path(),
        &format!("ses_certificate = \"sns.pem\"\nses_topic_arn = \"{TOPIC}\"\n"),
    );
    let daemon = Daemon::start(dir.path());
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"ann","email":"ann@example.test","accepts_marketing":true},
            {"id":"bob","email":"bob@example.test","accepts_marketing":true}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = daemon.api(
        "/v1/events",
        r#"[{"type":"checkout_started","customer_id":"ann","properties":{"value":10}},
            {"type":"checkout_started","customer_id":"bob","properties":{"value":20}}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        wait_until(Duration::from_secs(20), || smtp.received_count() >= 2),
        "the reminders arrive:\n{}",
        daemon.log_text()
    );
    let id_of = |to: &str| smtp.message_id_to(to);
    let bounce = about(
        "ses_bounce.json",
        "alice@example.com",
        "<5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1@shop.example>",
        "ann@example.test",
        &id_of("ann@example.test"),
    );
    let db = store(dir.path());

    // Signed by another key; changed after signing; an unknown signature version; unsigned.
    let (other, _) = signing_certificate();
    let r = post(&daemon, &signed(bounce.clone(), &other));
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            401,
            r#"{"error":"the Signature does not sign the message under the configured certificate","field":"Signature"}"#
        )
    );
    let mut tampered: serde_json::Value =
        serde_json::from_str(&signed(bounce.clone(), &key)).unwrap();
    tampered["Message"] = tampered["Message"]
        .as_str()
        .unwrap()
        .replace("ann@example.test", "bob@example.test")
        .into();
    assert_eq!(post(&daemon, &tampered.to_string()).status, 401);
    let mut version = bounce.clone();
    version["SignatureVersion"] = "3".into();
    let r = post(&daemon, &signed(version, &key));
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            401,
            r#"{"error":"the SignatureVersion is not 1 or 2","field":"Signature"}"#
        )
    );
    let mut unsigned = bounce.clone();
    unsigned.as_object_mut().unwrap().remove("Signature");
    assert_eq!(post(&daemon, &unsigned.to_string()).status, 401);
    // Signed as SNS signs, but of a topic that is not the shop's.
    let mut foreign = bounce.clone();
    foreign["TopicArn"] = "arn:aws:sns:us-east-1:999999999999:someone-else".into();
    let r = post(&daemon, &signed(foreign, &key));
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            403,
            r#"{"error":"arn:aws:sns:us-east-1:999999999999:someone-else is not the topic of [mail.bounces] ses_topic_arn","field":"TopicArn"}"#
        )
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 0);

    // SignatureVersion 2 (SHA-256): the permanent bounce, once however often it comes.
    let body = signed(bounce, &key);
    for _ in 0..2 {
        let r = post(&daemon, &body);
        assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    }
    // SignatureVersion 1 (SHA-1): the complaint.
    let complaint = about(
        "ses_complaint.json",
        "bob@example.com",
        "<1679091c5a880faf6fb5e6087eb1b2dc8f14e45fceea167a5a36dedd4bea2543@shop.example>",
        "bob@example.test",
        &id_of("bob@example.test"),
    );
    let r = post(&daemon, &signed(complaint, &key));
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    assert_eq!(
        db.query_row(
            "SELECT group_concat(f.email || ':' || f.kind || ':' || s.reason, ',')
             FROM (SELECT * FROM mail_feedback ORDER BY id) f JOIN outbox o ON o.id = f.outbox
             JOIN suppressions s ON s.email = f.email WHERE o.message_id = f.original_message_id",
            [],
            |r| r.get::<_, String>(0)
        )
        .unwrap(),
        "ann@example.test:hard:hard bounce 5.1.1,bob@example.test:complaint:spam complaint"
    );

    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 2);
}

/// A real HTTP server on 127.0.0.1 that answers every request as SNS answers a
/// ConfirmSubscription and keeps the request lines it got.
fn confirmation_server() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
            }
            seen.lock().unwrap().push(first.trim_end().to_string());
            let body = "<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><ConfirmSubscriptionResult><SubscriptionArn>arn:aws:sns:us-east-1:123456789012:ses-bounces:5f1d4a3c</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>";
            let mut out = stream;
            let _ = out.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    (port, requests)
}

#[test]
fn a_signed_subscription_confirmation_of_the_topic_is_confirmed_once() {
    let (port, requests) = confirmation_server();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let (key, pem) = signing_certificate();
    std::fs::write(dir.path().join("sns.pem"), pem).unwrap();
    let prefix = format!("http://127.0.0.1:{port}/");
    configure(
        dir.path(),
        &format!(
            "ses_certificate = \"sns.pem\"\nses_topic_arn = \"{TOPIC}\"\nses_confirm_url_prefix = \"{prefix}\"\n"
        ),
    );
    let daemon = Daemon::start(dir.path());
    let mut confirmation = fixture("ses_subscription_confirmation.json");
    let url = confirmation["SubscribeURL"]
        .as_str()
        .unwrap()
        .replace("https://sns.us-east-1.amazonaws.com/", &prefix);
    confirmation["SubscribeURL"] = url.clone().into();

    // Unsigned, signed under another key, or of another topic: no request is made.
    let mut unsigned = confirmation.clone();
    unsigned.as_object_mut().unwrap().remove("Signature");
    let r = post(&daemon, &unsigned.to_string());
    assert_eq!(r.status, 401, "{}", r.body);
    let (other_key, _) = signing_certificate();
    let r = post(&daemon, &signed(confirmation.clone(), &other_key));
    assert_eq!(r.status, 401, "{}", r.body);
    let mut other_topic = confirmation.clone();
    other_topic["TopicArn"] = "arn:aws:sns:us-east-1:210987654321:someone-else".into();
    let r = post(&daemon, &signed(other_topic, &key));
    assert_eq!(r.status, 403, "{}", r.body);
    // A signed confirmation of the topic whose URL leaves the allowed prefix is refused.
    let mut elsewhere = confirmation.clone();
    elsewhere["SubscribeURL"] = "http://127.0.0.2:9/?Action=ConfirmSubscription".into();
    let r = post(&daemon, &signed(elsewhere, &key));
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            400,
            format!(
                r#"{{"error":"the SubscribeURL \"http://127.0.0.2:9/?Action=ConfirmSubscription\" does not start with [mail.bounces] ses_confirm_url_prefix \"{prefix}\"","field":"SubscribeURL"}}"#
            )
            .as_str()
        )
    );
    // An unsubscription's notice is acknowledged and opens nothing.
    let mut unsubscribed = confirmation.clone();
    unsubscribed["Type"] = "UnsubscribeConfirmation".into();
    let r = post(&daemon, &signed(unsubscribed, &key));
    assert_eq!((r.status, r.body.as_str()), (200, "ignored\n"));
    assert!(requests.lock().unwrap().is_empty());

    // The signed confirmation of the topic: the daemon opens the SubscribeURL once, then answers.
    let r = post(&daemon, &signed(confirmation, &key));
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "subscription confirmed\n")
    );
    let path = url.strip_prefix(&prefix[..prefix.len() - 1]).unwrap();
    assert_eq!(
        *requests.lock().unwrap(),
        vec![format!("GET {path} HTTP/1.1")]
    );
    assert!(
        daemon
            .log_text()
            .contains("confirmed the SNS subscription of /webhooks/ses"),
        "{}",
        daemon.log_text()
    );
}

#[test]
fn a_confirmation_prefix_off_this_machine_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let (_, pem) = signing_certificate();
    std::fs::write(dir.path().join("sns.pem"), pem).unwrap();
    configure(
        dir.path(),
        &format!("ses_certificate = \"sns.pem\"\nses_topic_arn = \"{TOPIC}\"\nses_confirm_url_prefix = \"https://collector.example/\"\n"),
    );
    let daemon = Daemon::start(dir.path());
    let r = post(&daemon, "{}");
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            503,
            r#"{"error":"SES notifications are disabled: [mail.bounces] ses_confirm_url_prefix = \"https://collector.example/\" is not allowed: only a loopback prefix such as \"http://127.0.0.1:8025/\" may stand in for https://sns.<region>.amazonaws.com/, for tests; leave the setting out"}"#
        )
    );
}

#[test]
fn an_unreadable_certificate_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    configure(
        dir.path(),
        &format!("ses_certificate = \"missing.pem\"\nses_topic_arn = \"{TOPIC}\"\n"),
    );
    let daemon = Daemon::start(dir.path());
    let r = post(&daemon, "{}");
    assert_eq!(r.status, 503, "{}", r.body);
    let expected = format!(
        "SES notifications are disabled: cannot read {}: No such file or directory (os error 2)",
        dir.path().join("missing.pem").display()
    );
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["error"], expected.as_str());
}
