//! VERP end to end on a real SQLite file and a real SMTP server on 127.0.0.1: with a VERP
//! return path, each outbox message goes out with its own signed envelope sender
//! (`bounces+<id>-<mac>@acme.test`, the `MAIL FROM` the server received), and a delivery
//! status notification that quotes nothing of the original (`tests/fixtures/bounces/
//! verp_bounce.eml`, a bare Postfix report about a forwarded address) is tied to its message
//! by the VERP address it was delivered to, and suppresses the address segflow sent to. A
//! token with a wrong signature ties nothing.

mod smtp_server;

use std::path::Path;

use segflow::mail::bounce::{import, BounceConfig};
use segflow::mail::message::ReturnPath;
use segflow::mail::outbox;
use segflow::mail::verp::Verp;
use segflow::mail::{enqueue, Sender, SmtpTransport};
use smtp_server::fixtures::*;
use smtp_server::{ManualClock, TestSmtpServer};

/// The VERP address the fixture was written with.
const FIXTURE_VERP: &str = "bounces+2-0123456789abcdef0123@acme.test";

fn verp() -> Verp {
    Verp::new(SECRET, "bounces@acme.test").unwrap()
}

fn fixture(verp_address: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bounces/verp_bounce.eml"),
    )
    .unwrap();
    assert!(text.contains(FIXTURE_VERP));
    text.replace(FIXTURE_VERP, verp_address)
}

fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn each_message_leaves_from_its_own_verp_address_and_a_bare_report_to_it_finds_the_message() {
    let server = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let conn = store(dir.path());
    for (id, email) in [(1, "ann@example.test"), (2, "bob@example.test")] {
        conn.execute(
            "INSERT INTO customers (id, external_id, email) VALUES (?1, ?2, ?3)",
            rusqlite::params![id, format!("c{id}"), email],
        )
        .unwrap();
        enqueue(&conn, &message("offer", id, email), T0).unwrap();
    }
    let mut defaults = defaults();
    defaults.return_path = Some(ReturnPath::Verp(verp()));
    let transport = SmtpTransport::from_config(&smtp_config(server.addr.port())).unwrap();
    let report = Sender::new(transport, defaults, delivery())
        .drain(&conn, &ManualClock::new(T0))
        .unwrap();
    assert_eq!(report.sent, 2);

    // The envelope sender is each row's own signed address; the From header is unchanged.
    let rows = outbox::all(&conn).unwrap();
    let mut bob_verp = String::new();
    for received in server.received() {
        let row = rows
            .iter()
            .find(|r| received.to == [r.to_email.clone()])
            .unwrap();
        let expected = verp().address(row.id, &row.message_id);
        assert!(
            expected.starts_with(&format!("bounces+{}-", row.id))
                && expected.ends_with("@acme.test"),
            "{expected}"
        );
        assert_eq!(
            received.from.trim_matches(|c| c == '<' || c == '>'),
            expected
        );
        assert!(received.message_id() == row.message_id);
        use mailparse::MailHeaderMap;
        let from = received.parsed().headers.get_first_value("From").unwrap();
        assert!(from.contains("news@acme.test"), "{from}");
        if row.to_email == "bob@example.test" {
            bob_verp = expected;
        }
    }
    let bob = rows
        .iter()
        .find(|r| r.to_email == "bob@example.test")
        .unwrap();

    // Without VERP the bare report names only the forwarding address, which is nobody's.
    let bounce = fixture(&bob_verp);
    let config = BounceConfig::default();
    let summary = import(
        &conn,
        Path::new("bare.eml"),
        bounce.as_bytes(),
        &config,
        None,
        T0,
    )
    .unwrap();
    assert_eq!(
        (summary.matched, summary.unknown.clone()),
        (0, vec![Some("bob.forward@elsewhere.example".to_string())])
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM mail_feedback"), 0);

    // With VERP the address it was delivered to names Bob's message: his address is suppressed.
    let summary = import(
        &conn,
        Path::new("bare.eml"),
        bounce.as_bytes(),
        &config,
        Some(&verp()),
        T0,
    )
    .unwrap();
    assert_eq!(summary.matched, 1, "{summary:?}");
    assert_eq!(
        summary.suppressed,
        vec![(
            "bob@example.test".to_string(),
            "hard bounce 5.1.1".to_string()
        )]
    );
    let (outbox_id, message_id, email): (i64, String, String) = conn
        .query_row(
            "SELECT outbox, original_message_id, email FROM mail_feedback",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (outbox_id, message_id, email.as_str()),
        (bob.id, bob.message_id.clone(), "bob@example.test")
    );

    // The same report again is recorded once, like any report naming its message.
    let again = import(
        &conn,
        Path::new("bare.eml"),
        bounce.as_bytes(),
        &config,
        Some(&verp()),
        T0,
    )
    .unwrap();
    assert_eq!(again.duplicates, 1);

    // Ann's row id with a made-up signature, or Bob's signature under another secret, ties
    // nothing: the report about Ann's own address is recorded by the address only.
    let ann = rows
        .iter()
        .find(|r| r.to_email == "ann@example.test")
        .unwrap();
    let forged = format!("bounces+{}-00112233445566778899@acme.test", ann.id);
    let other = Verp::new(b"another secret, not the shop's", "bounces@acme.test").unwrap();
    for (n, address) in [forged, other.address(ann.id, &ann.message_id)]
        .iter()
        .enumerate()
    {
        let report = fixture(address)
            .replace("bob.forward@elsewhere.example", "ann@example.test")
            .replace(
                "20261120100211.4Jq7Xk1Vb2z4wP@",
                &format!("20261120100211.forged{n}@"),
            );
        let summary = import(
            &conn,
            Path::new("forged.eml"),
            report.as_bytes(),
            &config,
            Some(&verp()),
            T0,
        )
        .unwrap();
        assert_eq!((summary.matched, summary.by_address), (0, 1), "{summary:?}");
    }
    assert_eq!(
        count(&conn, "SELECT COUNT(*) FROM mail_feedback WHERE email = 'ann@example.test' AND outbox IS NULL"),
        2
    );
}

#[test]
fn the_envelope_and_postmark_settings_follow_the_config() {
    use segflow::mail::config::TransportKind;
    use segflow::mail::MessageDefaults;
    let mut config = mail_config();
    config.transport = TransportKind::Smtp;
    config.smtp.host = "smtp.postmarkapp.com".into();
    assert!(
        MessageDefaults::from_config(&config)
            .unwrap()
            .postmark_metadata
    );
    config.bounces.postmark_metadata = Some(false);
    assert!(
        !MessageDefaults::from_config(&config)
            .unwrap()
            .postmark_metadata
    );
    config.bounces.postmark_metadata = None;
    config.smtp.host = "smtp.postmarkapp.com.evil.example".into();
    assert!(
        !MessageDefaults::from_config(&config)
            .unwrap()
            .postmark_metadata
    );

    // A return path without VERP is the one envelope sender; one that is no address is named.
    config.bounces.return_path = Some("bounces@acme.test".into());
    assert!(matches!(
        MessageDefaults::from_config(&config).unwrap().return_path,
        Some(ReturnPath::Fixed(a)) if a.to_string() == "bounces@acme.test"
    ));
    config.bounces.return_path = Some("bounces".into());
    assert_eq!(
        MessageDefaults::from_config(&config).unwrap_err().to_string(),
        "mail.bounces.return_path = \"bounces\" is not valid: it is not an address like \"bounces@shop.example\""
    );
}
