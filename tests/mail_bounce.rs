//! Reading bounce and complaint reports (`mail::bounce`) from the fixtures in
//! `tests/fixtures/bounces/`, written after RFC 3464 (delivery status notifications), RFC 6522
//! (`text/rfc822-headers`) and RFC 5965 (feedback-loop complaints) as mail servers send them;
//! and what malformed or hostile messages give: an error naming the part or field, never a
//! panic.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use segflow::mail::bounce::{mbox, read, Feedback, FeedbackKind, Message, ReportError, ReportType};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bounces")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The report a fixture holds.
fn report(name: &str) -> (ReportType, Option<i64>, Option<String>, Vec<Feedback>) {
    match read(&fixture(name)) {
        Ok(Message::Report {
            report_type,
            date,
            message_id,
            feedback,
            ..
        }) => (report_type, date, message_id, feedback),
        other => panic!("{name}: {other:?}"),
    }
}

fn ms(text: &str) -> i64 {
    segflow::dsl::literal::timestamp(text).unwrap()
}

#[test]
fn a_hard_bounce_names_the_recipient_the_status_and_the_original_message() {
    let (kind, date, id, feedback) = report("hard_bounce.eml");
    assert_eq!(kind, ReportType::Delivery);
    assert_eq!(date, Some(ms("2026-11-19T09:12:41Z")));
    assert_eq!(
        id.as_deref(),
        Some("<20261119091241.4HkT2m0Zq1z9sW@mail.shop.example>")
    );
    assert_eq!(
        feedback,
        vec![Feedback {
            kind: FeedbackKind::Hard,
            recipient: Some("alice@example.com".into()),
            status: Some("5.1.1".into()),
            diagnostic: Some(
                "550 5.1.1 <alice@example.com>: Recipient address rejected: User unknown in virtual mailbox table"
                    .into()
            ),
            original_message_id: Some(
                "<5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1@shop.example>"
                    .into()
            ),
            message_id_local: None,
        }]
    );
}

#[test]
fn a_full_mailbox_is_a_soft_bounce_and_the_headers_part_names_the_message() {
    let (_, date, _, feedback) = report("soft_bounce.eml");
    assert_eq!(date, Some(ms("2026-11-20T14:03:10Z")));
    assert_eq!(feedback.len(), 1);
    let f = &feedback[0];
    assert_eq!(f.kind, FeedbackKind::Soft);
    assert_eq!(f.recipient.as_deref(), Some("dan@example.com"));
    // The comment after the status code is not part of it.
    assert_eq!(f.status.as_deref(), Some("4.2.2"));
    assert_eq!(
        f.original_message_id.as_deref(),
        Some("<e4da3b7fbbce2345d7772b0674a318d5c4ca4238a0b923820dcc509a6f75849b@shop.example>")
    );
}

#[test]
fn a_delay_warning_is_soft_and_a_relayed_recipient_is_no_bounce() {
    let (_, _, _, feedback) = report("two_recipients.eml");
    assert_eq!(feedback.len(), 1, "{feedback:?}");
    assert_eq!(feedback[0].kind, FeedbackKind::Soft);
    assert_eq!(feedback[0].recipient.as_deref(), Some("frank@example.org"));
    assert_eq!(feedback[0].status.as_deref(), Some("4.4.1"));
    assert!(
        feedback[0]
            .diagnostic
            .as_deref()
            .unwrap()
            .contains("Connection timed out"),
        "{feedback:?}"
    );
}

#[test]
fn a_complaint_names_the_recipient_and_the_message() {
    let (kind, date, _, feedback) = report("complaint.eml");
    assert_eq!(kind, ReportType::Complaint);
    assert_eq!(date, Some(ms("2026-11-21T08:15:02Z")));
    assert_eq!(
        feedback,
        vec![Feedback {
            kind: FeedbackKind::Complaint,
            recipient: Some("bob@example.com".into()),
            status: None,
            diagnostic: Some("feedback type abuse".into()),
            original_message_id: Some(
                "<1679091c5a880faf6fb5e6087eb1b2dc8f14e45fceea167a5a36dedd4bea2543@shop.example>"
                    .into()
            ),
            message_id_local: None,
        }]
    );
}

#[test]
fn a_redacted_complaint_keeps_only_the_message_id() {
    let (_, date, _, feedback) = report("complaint_redacted.eml");
    // -0800: the date is read in its own offset.
    assert_eq!(date, Some(ms("2026-11-23T03:30:00Z")));
    assert_eq!(feedback.len(), 1);
    assert_eq!(feedback[0].recipient, None);
    assert_eq!(
        feedback[0].original_message_id.as_deref(),
        Some("<8f14e45fceea167a5a36dedd4bea2543c9f0f895fb98ab9159f51fd0297e236d@shop.example>")
    );
}

#[test]
fn an_auto_reply_is_no_report() {
    assert_eq!(read(&fixture("auto_reply.eml")), Ok(Message::NotAReport));
}

#[test]
fn a_feedback_report_that_is_no_complaint_yields_nothing() {
    let text = String::from_utf8(fixture("complaint.eml"))
        .unwrap()
        .replace("Feedback-Type: abuse", "Feedback-Type: not-spam");
    let Ok(Message::Report { feedback, .. }) = read(text.as_bytes()) else {
        panic!("not read as a report");
    };
    assert!(feedback.is_empty(), "{feedback:?}");
}

/// A fixture with `from` replaced by `to`, to break one thing in it.
fn broken(name: &str, from: &str, to: &str) -> Result<Message, ReportError> {
    let text = String::from_utf8(fixture(name)).unwrap();
    assert!(text.contains(from), "{name} has no {from:?}");
    read(text.replacen(from, to, 1).as_bytes())
}

#[test]
fn malformed_reports_say_what_is_missing_or_wrong() {
    let cases = [
        (
            broken("hard_bounce.eml", "Status: 5.1.1\n", ""),
            "recipient 1 of the delivery status has no Status field",
        ),
        (
            broken("hard_bounce.eml", "Status: 5.1.1", "Status: 2.0.0"),
            "recipient 1 of the delivery status: Status: \"2.0.0\" is not a 4.x.x or 5.x.x failure status",
        ),
        (
            broken("hard_bounce.eml", "Action: failed", "Action: vanished"),
            "recipient 1 of the delivery status: Action: \"vanished\" is not failed, delayed, delivered, relayed or expanded",
        ),
        (
            broken("hard_bounce.eml", "Final-Recipient: rfc822; alice@example.com", "Final-Recipient: rfc822; alice"),
            "recipient 1 of the delivery status: Final-Recipient: \"rfc822; alice\" is not an rfc822 address",
        ),
        (
            broken("hard_bounce.eml", "Final-Recipient: rfc822; alice@example.com\n", ""),
            "recipient 1 of the delivery status has no Final-Recipient field",
        ),
        (
            broken("hard_bounce.eml", "Content-Type: message/delivery-status", "Content-Type: text/plain"),
            "a multipart/report with report-type=delivery-status has no message/delivery-status part",
        ),
        (
            broken("complaint.eml", "Feedback-Type: abuse\n", ""),
            "the feedback report has no Feedback-Type field",
        ),
    ];
    for (result, expected) in cases {
        match result {
            Err(e) => assert_eq!(e.to_string(), expected),
            Ok(m) => panic!("expected {expected:?}, got {m:?}"),
        }
    }
}

#[test]
fn the_import_error_names_the_file_and_the_message_number() {
    let error = segflow::mail::bounce::ImportError {
        file: Path::new("inbox/bounces.mbox").to_path_buf(),
        message: 7,
        source: ReportError::NoFeedbackType,
    };
    assert_eq!(
        error.to_string(),
        "inbox/bounces.mbox: message 7: the feedback report has no Feedback-Type field"
    );
}

#[test]
fn too_many_recipients_are_refused() {
    let block = "Final-Recipient: rfc822; x@example.com\nAction: failed\nStatus: 5.1.1\n\n";
    let text = String::from_utf8(fixture("hard_bounce.eml"))
        .unwrap()
        .replacen(
            "Final-Recipient: rfc822; alice@example.com",
            &format!(
                "{}Final-Recipient: rfc822; alice@example.com",
                block.repeat(1_000)
            ),
            1,
        );
    assert_eq!(
        read(text.as_bytes()),
        Err(ReportError::TooManyRecipients { limit: 1_000 })
    );
}

#[test]
fn an_mbox_of_fixtures_splits_into_them() {
    let mut mbox_file = Vec::new();
    for name in ["hard_bounce.eml", "auto_reply.eml", "complaint.eml"] {
        mbox_file.extend_from_slice(b"From MAILER-DAEMON Thu Nov 19 09:12:41 2026\n");
        mbox_file.extend_from_slice(&fixture(name));
        mbox_file.extend_from_slice(b"\n");
    }
    let messages = mbox::split(&mbox_file);
    assert_eq!(messages.len(), 3);
    assert!(matches!(
        read(&messages[0]),
        Ok(Message::Report {
            report_type: ReportType::Delivery,
            ..
        })
    ));
    assert_eq!(read(&messages[1]), Ok(Message::NotAReport));
    assert!(matches!(
        read(&messages[2]),
        Ok(Message::Report {
            report_type: ReportType::Complaint,
            ..
        })
    ));
}

#[test]
fn hostile_shapes_never_panic() {
    // Deeply nested multiparts, a report with no parts, a lone CR in the headers, binary junk.
    let mut nested = String::new();
    for i in 0..200 {
        nested.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n"
        ));
    }
    let inputs: Vec<Vec<u8>> = vec![
        nested.into_bytes(),
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n".to_vec(),
        b"Subject: a\rb\n\n".to_vec(),
        (0..=255u8).cycle().take(4096).collect(),
        Vec::new(),
    ];
    for input in inputs {
        let _ = read(&input);
        let _ = mbox::split(&input);
    }
    let truncated = fixture("hard_bounce.eml");
    for cut in (0..truncated.len()).step_by(97) {
        let _ = read(&truncated[..cut]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bytes after a report's headers are read or refused, never a panic.
    #[test]
    fn arbitrary_report_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut message = b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\n".to_vec();
        message.extend_from_slice(&body);
        let _ = read(&message);
    }
}
