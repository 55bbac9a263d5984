//! The relays' event payloads read into `Feedback` (`mail::bounce::webhook`), from the
//! fixtures of `tests/fixtures/bounces/` written after each provider's documentation: the
//! kinds each provider's words map to, the fields kept, and what is no bounce. The daemon
//! tests (`daemon_bounces.rs`, `daemon_sendgrid.rs`, `daemon_ses.rs`) show the signatures and
//! the recording over real HTTP.

use std::path::Path;

use segflow::mail::bounce::webhook::{mailgun, postmark, sendgrid, ses};
use segflow::mail::bounce::FeedbackKind;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/bounces")
            .join(name),
    )
    .unwrap()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn mailgun_severity_decides_hard_or_soft() {
    let failed = json(&fixture("mailgun_failed.json"));
    let event = mailgun::event(&failed).unwrap().unwrap();
    assert_eq!(event.feedback.kind, FeedbackKind::Hard);
    assert_eq!(event.feedback.status.as_deref(), Some("550"));
    assert_eq!(
        event.feedback.original_message_id.as_deref(),
        Some("<5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1@shop.example>")
    );
    assert_eq!(event.at, Some(1_795_597_961_329));
    let mut temporary = failed.clone();
    temporary["event-data"]["severity"] = "temporary".into();
    assert_eq!(
        mailgun::event(&temporary).unwrap().unwrap().feedback.kind,
        FeedbackKind::Soft
    );
    let mut odd = failed;
    odd["event-data"]["severity"] = "sometimes".into();
    assert_eq!(
        mailgun::event(&odd).unwrap_err().to_string(),
        "event-data.severity: \"sometimes\" is neither permanent nor temporary"
    );
    let complained = mailgun::event(&json(&fixture("mailgun_complained.json")))
        .unwrap()
        .unwrap();
    assert_eq!(complained.feedback.kind, FeedbackKind::Complaint);
    assert_eq!(complained.feedback.status, None);
    assert_eq!(
        mailgun::event(&json(&fixture("mailgun_delivered.json"))).unwrap(),
        None
    );
}

#[test]
fn mailgun_signatures_are_hmac_of_timestamp_and_token() {
    // RFC 4231 test case 2: HMAC-SHA256 of "what do ya want for nothing?" under "Jefe",
    // split here into a "timestamp" and a "token" as Mailgun concatenates them.
    let signature = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    assert!(mailgun::verify(
        b"Jefe",
        "what do ya want ",
        "for nothing?",
        signature
    ));
    assert!(!mailgun::verify(
        b"Jefe",
        "what do ya want",
        "for nothing?",
        signature
    ));
    assert!(!mailgun::verify(
        b"jefe",
        "what do ya want ",
        "for nothing?",
        signature
    ));
    assert!(!mailgun::verify(
        b"Jefe",
        "what do ya want ",
        "for nothing?",
        "zz"
    ));
}

#[test]
fn postmark_types_map_to_kinds() {
    let bounce = fixture("postmark_bounce.json");
    for (postmark_type, kind) in [
        ("HardBounce", Some(FeedbackKind::Hard)),
        ("BadEmailAddress", Some(FeedbackKind::Hard)),
        ("SoftBounce", Some(FeedbackKind::Soft)),
        ("Transient", Some(FeedbackKind::Soft)),
        ("DnsError", Some(FeedbackKind::Soft)),
        ("Blocked", Some(FeedbackKind::Soft)),
        ("DMARCPolicy", Some(FeedbackKind::Soft)),
        ("AutoResponder", None),
        ("Unsubscribe", None),
        ("ManuallyDeactivated", None),
    ] {
        let body = bounce.replace(
            "\"Type\": \"HardBounce\"",
            &format!("\"Type\": \"{postmark_type}\""),
        );
        let event = postmark::event(body.as_bytes()).unwrap();
        assert_eq!(event.map(|e| e.feedback.kind), kind, "{postmark_type}");
    }
    let complaint = postmark::event(fixture("postmark_spam_complaint.json").as_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(complaint.feedback.kind, FeedbackKind::Complaint);
    // Postmark's ids are above 2^63 at times: kept exact.
    assert_eq!(complaint.event_id, "4323372036854775808");
    assert!(postmark::authorized(
        Some("Basic dXNlcjpwYXNz"),
        "user",
        "pass"
    ));
    assert!(!postmark::authorized(
        Some("Basic dXNlcjpwYXNz"),
        "user",
        "pas"
    ));
    assert!(!postmark::authorized(
        Some("Bearer dXNlcjpwYXNz"),
        "user",
        "pass"
    ));
    assert!(!postmark::authorized(None, "user", "pass"));
}

#[test]
fn sendgrid_events_keep_their_order_and_skip_what_is_no_bounce() {
    let events = sendgrid::events(fixture("sendgrid_events.json").as_bytes()).unwrap();
    let kinds: Vec<(String, FeedbackKind, Option<String>)> = events
        .iter()
        .map(|e| {
            (
                e.feedback.recipient.clone().unwrap(),
                e.feedback.kind,
                e.feedback.status.clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("alice@example.com".into(), FeedbackKind::Soft, None),
            (
                "alice@example.com".into(),
                FeedbackKind::Hard,
                Some("5.1.1".into())
            ),
            (
                "carol@example.com".into(),
                FeedbackKind::Soft,
                Some("5.7.1".into())
            ),
            ("bob@example.com".into(), FeedbackKind::Complaint, None),
        ]
    );
    assert_eq!(events[1].at, Some(1_795_597_961_000));
    assert_eq!(
        sendgrid::events(b"{\"event\":\"bounce\"}")
            .unwrap_err()
            .to_string(),
        "the body is not an array of events"
    );
    assert!(sendgrid::public_key("bm90IGEga2V5").is_err());
}

#[test]
fn ses_notifications_give_one_event_per_recipient() {
    let bounce = json(&fixture("ses_bounce.json"));
    let events = ses::events(bounce["Message"].as_str().unwrap()).unwrap();
    assert_eq!(events.len(), 1);
    let f = &events[0].feedback;
    assert_eq!(f.kind, FeedbackKind::Hard);
    assert_eq!(f.status.as_deref(), Some("5.1.1"));
    assert_eq!(f.diagnostic.as_deref(), Some("550 5.1.1 user unknown"));
    assert_eq!(
        f.original_message_id.as_deref(),
        Some("<5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1@shop.example>")
    );
    // A transient bounce of two recipients is two soft bounces.
    let mut message = json(bounce["Message"].as_str().unwrap());
    message["bounce"]["bounceType"] = "Transient".into();
    let second = message["bounce"]["bouncedRecipients"][0].clone();
    message["bounce"]["bouncedRecipients"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"emailAddress": "erin@example.com", "status": second["status"]}));
    let events = ses::events(&message.to_string()).unwrap();
    assert_eq!(
        events
            .iter()
            .map(|e| (e.feedback.recipient.clone().unwrap(), e.feedback.kind))
            .collect::<Vec<_>>(),
        vec![
            ("alice@example.com".to_string(), FeedbackKind::Soft),
            ("erin@example.com".to_string(), FeedbackKind::Soft),
        ]
    );
    let complaint = json(&fixture("ses_complaint.json"));
    let mut message = json(complaint["Message"].as_str().unwrap());
    assert_eq!(
        ses::events(&message.to_string()).unwrap()[0].feedback.kind,
        FeedbackKind::Complaint
    );
    message["complaint"]["complaintFeedbackType"] = "not-spam".into();
    assert!(ses::events(&message.to_string()).unwrap().is_empty());
    message["notificationType"] = "Delivery".into();
    assert!(ses::events(&message.to_string()).unwrap().is_empty());
    assert_eq!(
        ses::events("{}").unwrap_err().to_string(),
        "Message.notificationType: is missing"
    );
}

#[test]
fn mailgun_timestamps_are_accepted_within_15_minutes_either_way() {
    let now = 1_795_597_961_000;
    assert_eq!(mailgun::fresh("1795597961", now), Ok(now));
    assert_eq!(mailgun::fresh("1795597061", now), Ok(now - 900_000));
    assert_eq!(mailgun::fresh("1795598861", now), Ok(now + 900_000));
    assert_eq!(
        mailgun::fresh("1795597060", now),
        Err("the signature's timestamp 1795597060 is 901 s before the daemon's clock, more than the 15 minutes a Mailgun signature is accepted for; the webhook is not recorded".to_string())
    );
    assert!(mailgun::fresh("1795598862", now)
        .unwrap_err()
        .contains("is 901 s after the daemon's clock"));
    assert_eq!(
        mailgun::fresh("soon", now),
        Err("\"soon\" is not a time in seconds".to_string())
    );
    assert!(mailgun::fresh("99999999999999999999", now).is_err());
}

#[test]
fn postmark_metadata_names_the_message_id() {
    let event = postmark::event(fixture("postmark_bounce_metadata.json").as_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(
        event.feedback.message_id_local.as_deref(),
        Some("5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1")
    );
    let event = postmark::event(fixture("postmark_spam_complaint_metadata.json").as_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(event.feedback.kind, FeedbackKind::Complaint);
    assert!(event.feedback.message_id_local.is_some());
    // Without segflow's key the record is tied by its address, as before.
    let event = postmark::event(fixture("postmark_bounce.json").as_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(event.feedback.message_id_local, None);
    let mut numeric = json(&fixture("postmark_bounce_metadata.json"));
    numeric["Metadata"]["segflow-message"] = 7.into();
    assert_eq!(
        postmark::event(numeric.to_string().as_bytes())
            .unwrap_err()
            .to_string(),
        "Metadata.segflow-message: is not a string"
    );
}

#[test]
fn only_sns_hosts_are_opened_to_confirm_a_subscription() {
    let ok = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:ses-bounces&Token=2336";
    assert_eq!(ses::confirm_url(ok, None), Ok(()));
    assert_eq!(
        ses::confirm_url(
            "https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription",
            None
        ),
        Ok(())
    );
    for (url, why) in [
        ("http://sns.us-east-1.amazonaws.com/?x", "is not https"),
        (
            "https://sns.us-east-1.amazonaws.com.evil.example/?x",
            "is not on an sns.<region>.amazonaws.com host",
        ),
        (
            "https://evil.example/sns.us-east-1.amazonaws.com/",
            "is not on an sns.<region>.amazonaws.com host",
        ),
        (
            "https://sqs.us-east-1.amazonaws.com/?x",
            "is not on an sns.<region>.amazonaws.com host",
        ),
        (
            "https://sns..amazonaws.com/?x",
            "is not on an sns.<region>.amazonaws.com host",
        ),
        (
            "https://me@sns.us-east-1.amazonaws.com/?x",
            "carries a user name",
        ),
        (
            "https://sns.us-east-1.amazonaws.com:8443/?x",
            "names a port other than 443",
        ),
        ("not a url", "is not a URL"),
    ] {
        assert_eq!(
            ses::confirm_url(url, None),
            Err(format!("the SubscribeURL {url:?} {why}")),
            "{url}"
        );
    }
    // A configured prefix replaces the SNS hosts, and only a loopback one is accepted.
    assert_eq!(
        ses::confirm_url("http://127.0.0.1:8025/?a", Some("http://127.0.0.1:8025/")),
        Ok(())
    );
    assert!(ses::confirm_url(ok, Some("http://127.0.0.1:8025/")).is_err());
    assert_eq!(ses::confirm_prefix("http://127.0.0.1:8025/"), Ok(()));
    for prefix in [
        "http://127.0.0.1:8025",
        "http://127.0.0.1.evil.example:80/",
        "https://collector.example/",
        "http://localhost:8025/",
    ] {
        assert!(ses::confirm_prefix(prefix).is_err(), "{prefix}");
    }
}
