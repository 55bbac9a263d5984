//! Relays' bounce and complaint webhooks on the real daemon over real HTTP on 127.0.0.1: the
//! abandoned-checkout reminders go out to a real SMTP server, Mailgun-shaped events about
//! those very messages (`tests/fixtures/bounces/mailgun_*.json`, written after Mailgun's
//! webhook documentation, with the fixture's address and Message-ID replaced) arrive signed
//! with the signing key, and each is tied to its outbox row and suppresses the address once;
//! a forged or missing signature is refused with 401 and records nothing.

mod daemon_support;
mod smtp_server;

use std::time::Duration;

use daemon_support::*;
use smtp_server::TestSmtpServer;

fn fixture(name: &str) -> String {
    bounce_fixture(name)
}

/// `body` signed now under `key`, as Mailgun signs.
fn signed(body: &str, key: &str) -> String {
    mailgun_signed(body, key)
}

/// A Mailgun fixture about the message `message_id` (with angle brackets) to `to`.
fn about(name: &str, fixture_to: &str, fixture_id: &str, to: &str, message_id: &str) -> String {
    let text = fixture(name);
    assert!(
        text.contains(fixture_to) && text.contains(fixture_id),
        "{name}"
    );
    let inner = message_id.trim_start_matches('<').trim_end_matches('>');
    text.replace(fixture_to, to).replace(fixture_id, inner)
}

fn post(daemon: &Daemon, body: &str) -> Reply {
    daemon.request(
        "POST",
        "/webhooks/mailgun",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

const FAILED_ID: &str =
    "5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1@shop.example";
const COMPLAINED_ID: &str =
    "1679091c5a880faf6fb5e6087eb1b2dc8f14e45fceea167a5a36dedd4bea2543@shop.example";

#[test]
fn signed_mailgun_events_are_tied_to_their_messages_and_forged_ones_refused() {
    let smtp = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), smtp.addr.port(), "1s");
    let daemon = Daemon::start(dir.path());
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"ann","email":"ann@example.test","accepts_marketing":true},
            {"id":"bob","email":"bob@example.test","accepts_marketing":true}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = daemon.api(
        "/v1/events",
        r#"[{"type":"checkout_started","customer_id":"ann","properties":{"value":120}},
            {"type":"checkout_started","customer_id":"bob","properties":{"value":40}}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        wait_until(Duration::from_secs(20), || smtp.received_count() >= 2),
        "both reminders arrive:\n{}",
        daemon.log_text()
    );
    let id_of = |to: &str| smtp.message_id_to(to);
    let (ann_id, bob_id) = (id_of("ann@example.test"), id_of("bob@example.test"));
    let db = store(dir.path());

    // A forged signature, a missing one and a signature under another key record nothing.
    let failed = about(
        "mailgun_failed.json",
        "alice@example.com",
        FAILED_ID,
        "ann@example.test",
        &ann_id,
    );
    let forged = failed.clone();
    let r = post(&daemon, &forged);
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(
        r.body,
        r#"{"error":"the signature is missing or is not the HMAC-SHA256 of timestamp and token under the signing key","field":"signature"}"#
    );
    let r = post(&daemon, &signed(&failed, "another key"));
    assert_eq!(r.status, 401, "{}", r.body);
    let mut unsigned: serde_json::Value = serde_json::from_str(&failed).unwrap();
    unsigned.as_object_mut().unwrap().remove("signature");
    let r = post(&daemon, &unsigned.to_string());
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM suppressions"), 0);

    // The permanent failure suppresses Ann, tied to her reminder's outbox row; the same signed
    // body again is a replay, refused with the 406 Mailgun does not retry, and records nothing.
    let once = signed(&failed, MAILGUN_SIGNING_KEY);
    let r = post(&daemon, &once);
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    let r = post(&daemon, &once);
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            406,
            r#"{"error":"this signature's token was accepted before: a replayed webhook is not recorded again","field":"signature.token"}"#
        )
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mailgun_tokens"), 1);
    // A signature made 16 minutes ago, or 16 minutes ahead, is refused however new its token.
    for (offset, direction) in [(-16 * 60, "before"), (16 * 60, "after")] {
        let stale = mailgun_signed_at(
            &failed,
            MAILGUN_SIGNING_KEY,
            unix_seconds() + offset,
            Some("b9ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de1"),
        );
        let r = post(&daemon, &stale);
        assert_eq!(r.status, 406, "{}", r.body);
        assert!(
            r.body.starts_with(r#"{"error":"the signature's timestamp "#)
                && r.body.ends_with(&format!(
                    " s {direction} the daemon's clock, more than the 15 minutes a Mailgun signature is accepted for; the webhook is not recorded\",\"field\":\"signature.timestamp\"}}"
                )),
            "{}",
            r.body
        );
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mailgun_tokens"), 1);
    let (reason, kind, status, tied): (String, String, String, String) = db
        .query_row(
            "SELECT s.reason, f.kind, f.status, o.message_id FROM mail_feedback f
             JOIN outbox o ON o.id = f.outbox JOIN suppressions s ON s.email = f.email
             WHERE f.email = 'ann@example.test'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (reason.as_str(), kind.as_str(), status.as_str(), tied),
        ("hard bounce 550", "hard", "550", ann_id)
    );

    let complained = about(
        "mailgun_complained.json",
        "bob@example.com",
        COMPLAINED_ID,
        "bob@example.test",
        &bob_id,
    );
    let r = post(&daemon, &signed(&complained, MAILGUN_SIGNING_KEY));
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    assert_eq!(
        db.query_row(
            "SELECT reason FROM suppressions WHERE email = 'bob@example.test'",
            [],
            |r| r.get::<_, String>(0)
        )
        .unwrap(),
        "spam complaint"
    );

    // A delivery is acknowledged and changes nothing.
    let r = post(
        &daemon,
        &signed(&fixture("mailgun_delivered.json"), MAILGUN_SIGNING_KEY),
    );
    assert_eq!((r.status, r.body.as_str()), (200, "ignored\n"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 2);

    // A signed body without the documented recipient names the field; one that is no JSON says so.
    let mut broken: serde_json::Value = serde_json::from_str(&failed).unwrap();
    broken["event-data"]
        .as_object_mut()
        .unwrap()
        .remove("recipient");
    let r = post(&daemon, &signed(&broken.to_string(), MAILGUN_SIGNING_KEY));
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        r.body,
        r#"{"error":"is missing","field":"event-data.recipient"}"#
    );
    let r = post(&daemon, "{\"signature\":");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("the body is not JSON"), "{}", r.body);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 2);

    // The tokens seen are in the store: a restarted daemon refuses the replay as well.
    let (status, _) = daemon.terminate(Duration::from_secs(20));
    assert!(status.success());
    let daemon = Daemon::start(dir.path());
    let r = post(&daemon, &once);
    assert_eq!(r.status, 406, "{}", r.body);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 2);
}

#[test]
fn without_a_signing_key_mailgun_webhooks_answer_503() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let config = dir.path().join("segflow.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[mail.bounces]\nmailgun_signing_key_env = \"SEGFLOW_TEST_NO_SUCH_KEY\"\n");
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(dir.path());
    let r = post(
        &daemon,
        &signed(&fixture("mailgun_failed.json"), MAILGUN_SIGNING_KEY),
    );
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(
        r.body,
        r#"{"error":"Mailgun webhooks are disabled: set the environment variable SEGFLOW_TEST_NO_SUCH_KEY to the HTTP webhook signing key"}"#
    );
}

/// A POST to the Postmark webhook with these basic auth credentials (none for `None`).
fn postmark(daemon: &Daemon, credentials: Option<(&str, &str)>, body: &str) -> Reply {
    use base64::Engine;
    let auth = credentials.map(|(user, password)| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    });
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(auth) = &auth {
        headers.push(("Authorization", auth));
    }
    daemon.request("POST", "/webhooks/postmark", &headers, body.as_bytes())
}

#[test]
fn postmark_records_need_the_configured_credentials_and_find_the_customer_by_address() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"ann","email":"Ann@Example.test"},{"id":"bob","email":"bob@example.test"}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let db = store(dir.path());
    let bounce = fixture("postmark_bounce.json").replace("alice@example.com", "ann@example.test");
    let good = Some((POSTMARK_USERNAME, POSTMARK_PASSWORD));

    for credentials in [
        None,
        Some((POSTMARK_USERNAME, "wrong")),
        Some(("someone", POSTMARK_PASSWORD)),
    ] {
        let r = postmark(&daemon, credentials, &bounce);
        assert_eq!(r.status, 401, "{credentials:?}: {}", r.body);
        assert_eq!(
            r.header("www-authenticate"),
            Some("Basic realm=\"segflow\"")
        );
        assert_eq!(
            r.body,
            r#"{"error":"the basic auth credentials are missing or wrong"}"#
        );
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 0);

    for _ in 0..2 {
        let r = postmark(&daemon, good, &bounce);
        assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    }
    let (reason, outbox, diagnostic, at): (String, Option<i64>, String, i64) = db
        .query_row(
            "SELECT s.reason, f.outbox, f.diagnostic, f.received_at FROM mail_feedback f
             JOIN suppressions s ON s.email = f.email WHERE f.email = 'ann@example.test'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(reason, "hard bounce");
    // Postmark names no Message-ID segflow wrote: the address found the customer.
    assert_eq!(outbox, None);
    assert_eq!(
        diagnostic,
        "HardBounce: smtp;550 5.1.1 The email account that you tried to reach does not exist."
    );
    assert_eq!(
        at,
        segflow::dsl::literal::timestamp("2026-11-19T13:12:41.273Z").unwrap()
    );

    let complaint =
        fixture("postmark_spam_complaint.json").replace("bob@example.com", "bob@example.test");
    let r = postmark(&daemon, good, &complaint);
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    let r = postmark(&daemon, good, &fixture("postmark_auto_responder.json"));
    assert_eq!((r.status, r.body.as_str()), (200, "ignored\n"));
    // Nobody in the store has the fixture's own address: acknowledged, nothing recorded.
    let r = postmark(&daemon, good, &fixture("postmark_bounce.json"));
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    assert_eq!(
        db.query_row(
            "SELECT group_concat(email || '=' || reason, ',') FROM (SELECT * FROM suppressions ORDER BY email)",
            [],
            |r| r.get::<_, String>(0)
        )
        .unwrap(),
        "ann@example.test=hard bounce,bob@example.test=spam complaint"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 2);

    let mut broken: serde_json::Value = serde_json::from_str(&bounce).unwrap();
    broken.as_object_mut().unwrap().remove("Email");
    let r = postmark(&daemon, good, &broken.to_string());
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"error":"is missing","field":"Email"}"#)
    );
}

/// The local parts of the two Message-IDs the Postmark metadata fixtures name.
const POSTMARK_BOUNCE_LOCAL: &str =
    "5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1";
const POSTMARK_COMPLAINT_LOCAL: &str =
    "1679091c5a880faf6fb5e6087eb1b2dc8f14e45fceea167a5a36dedd4bea2543";

#[test]
fn postmark_records_carrying_segflow_metadata_are_tied_to_their_messages() {
    let smtp = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), smtp.addr.port(), "1s");
    let config = dir.path().join("segflow.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[mail.bounces]\npostmark_metadata = true\n");
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(dir.path());
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"ann","email":"ann@example.test","accepts_marketing":true},
            {"id":"bob","email":"bob@example.test","accepts_marketing":true}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = daemon.api(
        "/v1/events",
        r#"[{"type":"checkout_started","customer_id":"ann","properties":{"value":120}},
            {"type":"checkout_started","customer_id":"bob","properties":{"value":40}}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        wait_until(Duration::from_secs(20), || smtp.received_count() >= 2),
        "both reminders arrive:\n{}",
        daemon.log_text()
    );
    // Each reminder carries the local part of its Message-ID as Postmark metadata.
    let local = |to: &str| {
        use mailparse::MailHeaderMap;
        let message = smtp
            .received()
            .into_iter()
            .find(|m| m.to == [to.to_string()])
            .unwrap();
        let header = message
            .parsed()
            .headers
            .get_first_value("X-PM-Metadata-segflow-message")
            .unwrap_or_else(|| panic!("no metadata header to {to}"));
        let id = message.message_id();
        assert_eq!(format!("<{header}@acme.test>"), id);
        header
    };
    let (ann, bob) = (local("ann@example.test"), local("bob@example.test"));
    let good = Some((POSTMARK_USERNAME, POSTMARK_PASSWORD));
    let bounce = fixture("postmark_bounce_metadata.json")
        .replace("alice@example.com", "ann@example.test")
        .replace(POSTMARK_BOUNCE_LOCAL, &ann);
    let complaint = fixture("postmark_spam_complaint_metadata.json")
        .replace("bob@example.com", "bob@example.test")
        .replace(POSTMARK_COMPLAINT_LOCAL, &bob);
    for body in [&bounce, &complaint] {
        let r = postmark(&daemon, good, body);
        assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    }
    let db = store(dir.path());
    assert_eq!(
        db.query_row(
            "SELECT group_concat(f.email || ':' || f.kind || ':' || s.reason, ',')
             FROM (SELECT * FROM mail_feedback ORDER BY id) f JOIN outbox o ON o.id = f.outbox
             JOIN suppressions s ON s.email = f.email
             WHERE o.message_id = f.original_message_id AND o.to_email = f.email",
            [],
            |r| r.get::<_, String>(0)
        )
        .unwrap(),
        "ann@example.test:hard:hard bounce,bob@example.test:complaint:spam complaint"
    );
    // The complaint names the same message as an imported report would: recorded once.
    let r = postmark(&daemon, good, &complaint);
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_feedback"), 2);

    // Metadata that cannot be a local part segflow wrote is refused by name.
    let broken = bounce.replace(&ann, "<x@y>");
    let r = postmark(&daemon, good, &broken);
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            400,
            r#"{"error":"\"<x@y>\" is not the local part of a Message-ID segflow wrote","field":"Metadata.segflow-message"}"#
        )
    );
}
