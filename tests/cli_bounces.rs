//! `segflow bounces import` through the real binary over a real store: the hand-written shop's
//! workflows send their mail into `.eml` files, reports about those very messages come back
//! (the fixtures of `tests/fixtures/bounces/` with the fixture's Message-ID and address
//! replaced by the sent message's), and the command ties each to its message, suppresses hard
//! bounces, complaints and repeated soft bounces, ends the complained-about journey, records
//! nothing twice and shows the figures in `segflow status`.

mod cli_shop;

use std::collections::HashMap;
use std::path::Path;

use cli_shop::{copy_dir, repo};
use mailparse::MailHeaderMap;

const NOW: &str = "2026-11-15T12:00:00Z";

fn segflow(dir: &Path, args: &[&str]) -> (i32, String, String) {
    cli_shop::segflow_mail(dir, args)
}

fn count(dir: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn text(dir: &Path, sql: &str) -> String {
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The shop with the example workflows live since the day before `NOW`, refreshed, run and
/// sent at `NOW` into `outbox/`; soft bounces suppress at the second within 30 days.
fn sent_shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("rules"), &dir.path().join("rules"));
    copy_dir(&repo().join("workflows"), &dir.path().join("workflows"));
    std::fs::write(
        dir.path().join("segflow.toml"),
        "[mail.bounces]\nsoft_limit = 2\nsoft_window = \"30d\"\n",
    )
    .unwrap();
    for kind in ["customers", "products", "orders", "items", "events"] {
        let file = repo().join(format!("tests/cases/shop/{kind}.csv"));
        let (code, _, err) = segflow(dir.path(), &["import", kind, file.to_str().unwrap()]);
        assert_eq!(code, 0, "import {kind}: {err}");
    }
    for args in [
        &[
            "--now",
            "2026-11-14T12:00:00Z",
            "workflows",
            "run",
            "--once",
        ][..],
        &["--now", NOW, "refresh"],
        &["--now", NOW, "workflows", "run", "--once"],
        &["--now", NOW, "send"],
    ] {
        let (code, _, err) = segflow(dir.path(), args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    dir
}

/// The Message-ID of every delivered `.eml` file, by its recipient.
fn sent_ids(dir: &Path) -> HashMap<String, String> {
    let mut ids = HashMap::new();
    for entry in std::fs::read_dir(dir.join("outbox")).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let mail = mailparse::parse_mail(&bytes).unwrap();
        let to = mail.headers.get_first_value("To").unwrap();
        let id = mail.headers.get_first_value("Message-ID").unwrap();
        ids.insert(to.trim().to_string(), id.trim().to_string());
    }
    ids
}

/// A fixture, with each `(from, to)` replaced.
fn fixture(name: &str, replace: &[(&str, &str)]) -> String {
    let mut text =
        std::fs::read_to_string(repo().join("tests/fixtures/bounces").join(name)).unwrap();
    for (from, to) in replace {
        assert!(text.contains(from), "{name} has no {from:?}");
        text = text.replace(from, to);
    }
    text
}

/// An mbox of these messages.
fn mbox(messages: &[String]) -> String {
    messages
        .iter()
        .map(|m| format!("From MAILER-DAEMON Thu Nov 19 09:12:41 2026\n{m}\n"))
        .collect()
}

const HARD_ID: &str =
    "<5d41402abc4b2a76b9719d911017c592ae8e0cba1bd4b3f2a6a8f1c0e4b7d9a1@shop.example>";
const SOFT_ID: &str =
    "<e4da3b7fbbce2345d7772b0674a318d5c4ca4238a0b923820dcc509a6f75849b@shop.example>";
const COMPLAINT_ID: &str =
    "<1679091c5a880faf6fb5e6087eb1b2dc8f14e45fceea167a5a36dedd4bea2543@shop.example>";

#[test]
fn reports_are_tied_to_their_messages_suppress_and_end_the_journey_once() {
    let dir = sent_shop();
    let ids = sent_ids(dir.path());
    // The three messages that went out at NOW: dan's VIP reward, heidi's and judy's win-back.
    let (dan, heidi, judy) = (
        &ids["dan@example.com"],
        &ids["heidi@example.com"],
        &ids["judy@example.com"],
    );
    assert_eq!(ids.len(), 3, "{ids:?}");
    let soft = |id: &str, date: &str| {
        fixture(
            "soft_bounce.eml",
            &[
                ("dan@example.com", "judy@example.com"),
                (SOFT_ID, id),
                ("Date: Fri, 20 Nov 2026 14:03:10 +0000", date),
            ],
        )
    };
    let inbox = mbox(&[
        fixture(
            "hard_bounce.eml",
            &[("alice@example.com", "dan@example.com"), (HARD_ID, dan)],
        ),
        fixture("auto_reply.eml", &[]),
        fixture(
            "complaint.eml",
            &[
                ("bob@example.com", "heidi@example.com"),
                (COMPLAINT_ID, heidi),
            ],
        ),
        // Judy's mailbox was full once in October, about a message segflow no longer has.
        soft(
            "<older@shop.example>",
            "Date: Thu, 1 Oct 2026 10:00:00 +0000",
        ),
        soft(judy, "Date: Fri, 20 Nov 2026 14:03:10 +0000"),
        // Neither frank@example.org nor the redacted recipient is a customer.
        fixture("two_recipients.eml", &[]),
        fixture("complaint_redacted.eml", &[]),
    ]);
    std::fs::write(dir.path().join("bounces.mbox"), inbox).unwrap();

    let (code, out, err) = segflow(dir.path(), &["bounces", "import", "bounces.mbox"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "bounces.mbox: 7 messages: 4 delivery reports, 2 complaint reports, 1 other message\n\
         \x20 bounces: 1 hard, 3 soft; complaints: 2\n\
         \x20 tied to their message: 3, to a customer by address only: 1, unknown address: 2 \
         (frank@example.org, no address given), already recorded: 0\n\
         \x20 suppressed: 2 (dan@example.com: hard bounce 5.1.1; heidi@example.com: spam complaint)\n\
         \x20 journeys exited after a complaint: 1\n"
    );
    assert_eq!(
        text(
            dir.path(),
            "SELECT group_concat(email || '=' || reason, ',') FROM
               (SELECT * FROM suppressions ORDER BY email)"
        ),
        "dan@example.com=hard bounce 5.1.1,heidi@example.com=spam complaint"
    );
    // Heidi's win-back journey waited for its reminder; the complaint ended it.
    assert_eq!(
        text(
            dir.path(),
            "SELECT j.state || ':' || j.exit_reason FROM journeys j JOIN customers c ON c.id = j.customer
             WHERE c.external_id = 'c08' AND j.workflow = 'winback'"
        ),
        "exited:spam complaint"
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(*) FROM journey_log l JOIN journeys j ON j.id = l.journey
             WHERE j.workflow = 'winback' AND l.action = 'exited' AND l.detail = 'spam complaint'"
        ),
        1
    );
    // Judy's win-back goes on: a soft bounce ends no journey.
    assert_eq!(
        text(
            dir.path(),
            "SELECT j.state FROM journeys j JOIN customers c ON c.id = j.customer
             WHERE c.external_id = 'c10' AND j.workflow = 'winback'"
        ),
        "waiting"
    );
    // Each recorded report points at the outbox row with that Message-ID.
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(*) FROM mail_feedback f JOIN outbox o ON o.id = f.outbox
             WHERE o.message_id = f.original_message_id AND o.to_email = f.email"
        ),
        3
    );
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM mail_feedback"), 4);

    // The same mailbox again records nothing and suppresses nothing.
    let (code, out, err) = segflow(dir.path(), &["bounces", "import", "bounces.mbox"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("tied to their message: 0, to a customer by address only: 0, unknown address: 2 (frank@example.org, no address given), already recorded: 4\n  suppressed: none\n"),
        "{out}"
    );
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM mail_feedback"), 4);

    // A second soft bounce within 30 days of the November one reaches the limit of 2; the
    // October one is outside the window and did not count.
    std::fs::write(
        dir.path().join("later.eml"),
        soft(
            "<another@shop.example>",
            "Date: Sun, 22 Nov 2026 08:00:00 +0000",
        ),
    )
    .unwrap();
    let (code, out, err) = segflow(dir.path(), &["bounces", "import", "later.eml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("  suppressed: 1 (judy@example.com: 2 soft bounces within 30d)\n"),
        "{out}"
    );

    // The report's campaign figures count them against the workflow and step that sent.
    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "report", "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let figures = |workflow: &str| -> (u64, u64, u64) {
        let w = report["workflows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["workflow"] == workflow)
            .unwrap_or_else(|| panic!("no {workflow} in {out}"));
        let t = &w["totals"];
        (
            t["hard_bounces"].as_u64().unwrap(),
            t["soft_bounces"].as_u64().unwrap(),
            t["complaints"].as_u64().unwrap(),
        )
    };
    assert_eq!(figures("vip_reward"), (1, 0, 0));
    // Judy's November bounce is about her win-back offer; the later one named no message.
    assert_eq!(figures("winback"), (0, 1, 1));
    assert_eq!(figures("welcome"), (0, 0, 0));
    let offer = report["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workflow"] == "winback")
        .unwrap()["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "offer")
        .unwrap()
        .clone();
    assert_eq!(
        (offer["soft_bounces"].as_u64(), offer["complaints"].as_u64()),
        (Some(1), Some(1))
    );

    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "status"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(
            "bounces reported: 1 hard, 3 soft; complaints: 1; addresses they suppressed: 3\n"
        ),
        "{out}"
    );
}

#[test]
fn an_unreadable_message_is_named_and_the_others_are_recorded() {
    let dir = sent_shop();
    let ids = sent_ids(dir.path());
    let hard = fixture(
        "hard_bounce.eml",
        &[
            ("alice@example.com", "dan@example.com"),
            (HARD_ID, &ids["dan@example.com"]),
        ],
    );
    let broken = fixture("soft_bounce.eml", &[("Status: 4.2.2 (mailbox full)\n", "")]);
    std::fs::write(dir.path().join("broken.mbox"), mbox(&[broken, hard])).unwrap();
    let (code, out, err) = segflow(
        dir.path(),
        &["bounces", "import", "broken.mbox", "missing.mbox"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(
            "broken.mbox: 2 messages: 1 delivery report, 0 complaint reports, 0 other messages, 1 unreadable\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("suppressed: 1 (dan@example.com: hard bounce 5.1.1)"),
        "{out}"
    );
    assert_eq!(
        err,
        "error: broken.mbox: message 1: recipient 1 of the delivery status has no Status field\n\
         error: cannot read missing.mbox: No such file or directory (os error 2)\n\
         error: could not read missing.mbox; the other files were imported\n"
    );
    let (code, _, err) = segflow(dir.path(), &["bounces", "import", "broken.mbox"]);
    assert_eq!(code, 1);
    assert!(
        err.ends_with(
            "error: 1 message could not be read (listed above); the others were recorded\n"
        ),
        "{err}"
    );
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM mail_feedback"), 1);
}

#[test]
fn a_bad_bounce_setting_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("segflow.toml"),
        "[mail.bounces]\nsoft_window = \"a month\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("x.eml"), "Subject: x\n\nhello\n").unwrap();
    let (code, _, err) = segflow(dir.path(), &["bounces", "import", "x.eml"]);
    assert_eq!(code, 1);
    assert!(err.contains("`a month` is not a duration"), "{err}");
    assert!(err.contains("soft_window"), "{err}");
}

#[test]
fn verp_settings_that_cannot_work_are_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.eml"), "Subject: x\n\nhello\n").unwrap();
    let run = |config: &str, secret: bool| {
        std::fs::write(dir.path().join("segflow.toml"), config).unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_segflow"));
        command
            .args(["bounces", "import", "x.eml"])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env_remove("SEGFLOW_UNSUBSCRIBE_SECRET");
        if secret {
            command.env(
                "SEGFLOW_UNSUBSCRIBE_SECRET",
                "unsubscribe-secret-0123456789",
            );
        }
        let out = command.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(
        run("[mail.bounces]\nverp = true\n", true),
        (
            Some(1),
            "error: [mail] in the config: mail.bounces.verp = \"true\" is not valid: VERP needs the bounce address; set [mail.bounces] return_path = \"bounces@your-domain\"\n".to_string()
        )
    );
    assert_eq!(
        run("[mail.bounces]\nverp = true\nreturn_path = \"bounces+x@shop.example\"\n", true),
        (
            Some(1),
            "error: [mail] in the config: mail.bounces.return_path = \"bounces+x@shop.example\" is not valid: its local part has a `+`, which VERP uses to add the token; use a plain address such as \"bounces@shop.example\"\n".to_string()
        )
    );
    assert_eq!(
        run("[mail.bounces]\nverp = true\nreturn_path = \"bounces@shop.example\"\n", false),
        (
            Some(1),
            "error: [mail] in the config: mail.bounces.verp = \"true\" is not valid: VERP addresses are signed with the unsubscribe secret: the environment variable SEGFLOW_UNSUBSCRIBE_SECRET that should hold the unsubscribe secret is not set; set it to a random string of at least 16 characters\n".to_string()
        )
    );
}
