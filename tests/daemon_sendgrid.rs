//! SendGrid's signed Event Webhook on the real daemon over real HTTP on 127.0.0.1: a batch of
//! events shaped as SendGrid documents them (`tests/fixtures/bounces/sendgrid_events.json`,
//! the fixture's addresses and Message-IDs replaced by those of reminders a real SMTP server
//! received), signed with ECDSA P-256 over the timestamp and the body as SendGrid signs; a
//! forged signature, a signature over another body and missing headers are refused with 401.

mod daemon_support;
mod smtp_server;

use std::time::Duration;

use base64::Engine;
use daemon_support::*;
use p256::ecdsa::signature::Signer;
use smtp_server::TestSmtpServer;

fn fixture(name: &str) -> String {
    bounce_fixture(name)
}

/// The base64 DER signature of `timestamp` + `body` under `key`.
fn sign(key: &p256::ecdsa::SigningKey, timestamp: &str, body: &str) -> String {
    let signature: p256::ecdsa::Signature = key.sign(format!("{timestamp}{body}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
}

fn post(daemon: &Daemon, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    daemon.request("POST", "/webhooks/sendgrid", &all, body.as_bytes())
}

const TS: &str = "X-Twilio-Email-Event-Webhook-Timestamp";
const SIG: &str = "X-Twilio-Email-Event-Webhook-Signature";

#[test]
fn signed_sendgrid_events_suppress_once_and_forged_ones_are_refused() {
    let smtp = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), smtp.addr.port(), "1s");
    let daemon = Daemon::start(dir.path());
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"ann","email":"ann@example.test","accepts_marketing":true},
            {"id":"bob","email":"bob@example.test","accepts_marketing":true},
            {"id":"cat","email":"cat@example.test","accepts_marketing":true}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = daemon.api(
        "/v1/events",
        r#"[{"type":"checkout_started","customer_id":"ann","properties":{"value":10}},
            {"type":"checkout_started","customer_id":"bob","properties":{"value":20}},
            {"type":"checkout_started","customer_id":"cat","properties":{"value":30}}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        wait_until(Duration::from_secs(20), || smtp.received_count() >= 3),
        "the reminders arrive:\n{}",
        daemon.log_text()
    );
    let id_of = |to: &str| smtp.message_id_to(to);
    let mut body = fixture("sendgrid_events.json");
    for (fixture_to, fixture_id, to) in [
        (
            "alice@example.com",
            "<5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1@shop.example>",
            "ann@example.test",
        ),
        (
            "bob@example.com",
            "<1679091c5a880faf6fb5e6087eb1b2dc8f14e45fceea167a5a36dedd4bea2543@shop.example>",
            "bob@example.test",
        ),
        (
            "carol@example.com",
            "<aa7bea86ca891b94467e0dd7b7b885162444d3c1b29970417935fc9687a6cd8d@shop.example>",
            "cat@example.test",
        ),
    ] {
        assert!(body.contains(fixture_to) && body.contains(fixture_id));
        body = body.replace(fixture_to, to).replace(fixture_id, &id_of(to));
    }
    let key = sendgrid_signing_key();
    let ts = "1795700000";
    let db = store(dir.path());

    // Missing headers, a signature by another key, and a good signature over another body.
    let r = post(&daemon, &[], &body);
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(
        r.body,
        r#"{"error":"the X-Twilio-Email-Event-Webhook-Signature or -Timestamp header is missing"}"#
    );
    let other = p256::ecdsa::SigningKey::from_bytes(&[0x21; 32].into()).unwrap();
    let forged = sign(&other, ts, &body);
    let r = post(&daemon, &[(TS, ts), (SIG, &forged)], &body);
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(
        r.body,
        r#"{"error":"the X-Twilio-Email-Event-Webhook-Signature does not sign the timestamp and body under the verification key"}"#
    );
    let for_another_body = sign(&key, ts, "[]");
    let r = post(&daemon, &[(TS, ts), (SIG, &for_another_body)], &body);
    assert_eq!(r.status, 401, "{}", r.body);
    let r = post(
        &daemon,
        &[(TS, "1795700001"), (SIG, &sign(&key, ts, &body))],
        &body,
    );
    assert_eq!(r.status, 401, "another timestamp: {}", r.body);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 0);

    let signature = sign(&key, ts, &body);
    for _ in 0..2 {
        let r = post(&daemon, &[(TS, ts), (SIG, &signature)], &body);
        assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    }
    // processed and delivered are no bounce; the deferral and the bounce of Ann's reminder, the
    // block of Cat's and Bob's complaint are recorded once, each tied to its outbox row.
    assert_eq!(
        db.query_row(
            "SELECT group_concat(f.email || ':' || f.kind || ':' || COALESCE(f.status, '-'), ',')
             FROM (SELECT * FROM mail_feedback ORDER BY id) f JOIN outbox o ON o.id = f.outbox
             WHERE o.message_id = f.original_message_id",
            [],
            |r| r.get::<_, String>(0)
        )
        .unwrap(),
        "ann@example.test:soft:-,ann@example.test:hard:5.1.1,cat@example.test:soft:5.7.1,bob@example.test:complaint:-"
    );
    assert_eq!(
        db.query_row(
            "SELECT group_concat(email || '=' || reason, ',') FROM (SELECT * FROM suppressions ORDER BY email)",
            [],
            |r| r.get::<_, String>(0)
        )
        .unwrap(),
        "ann@example.test=hard bounce 5.1.1,bob@example.test=spam complaint"
    );

    // A signed body without an event's address names the field.
    let broken = r#"[{"event":"bounce","timestamp":1795597961,"sg_event_id":"x"}]"#;
    let r = post(&daemon, &[(TS, ts), (SIG, &sign(&key, ts, broken))], broken);
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error":"is missing","field":"[0].email"}"#)
    );
}

#[test]
fn a_verification_key_that_does_not_parse_is_named() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let config = dir.path().join("segflow.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    // A variable that holds something else: the API token the test daemon is given.
    text.push_str("\n[mail.bounces]\nsendgrid_public_key_env = \"SEGFLOW_API_TOKEN\"\n");
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(dir.path());
    let r = post(&daemon, &[(TS, "1"), (SIG, "x")], "[]");
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(
        r.body.starts_with(r#"{"error":"SendGrid webhooks are disabled: SEGFLOW_API_TOKEN is not a P-256 public key (base64 of its DER, as SendGrid shows it, or a PEM): not base64: "#),
        "{}",
        r.body
    );
}
