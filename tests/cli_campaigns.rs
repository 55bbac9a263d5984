//! Campaign commands through the real binary: `workflows run` enqueueing once, `preview`,
//! `unsubscribe`, `suppress import` and the demo's .eml files.

mod cli_shop;

use std::path::Path;

use cli_shop::{copy_dir, repo};

const NOW: &str = "2026-11-15T12:00:00Z";

/// The real binary with the unsubscribe secret set (see `cli_shop`).
fn segflow(dir: &Path, args: &[&str]) -> (i32, String, String) {
    cli_shop::segflow_mail(dir, args)
}

/// A merchant repository with the example rules, workflows and templates and the hand-written
/// shop imported; nothing refreshed or run yet.
fn imported_shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("rules"), &dir.path().join("rules"));
    copy_dir(&repo().join("workflows"), &dir.path().join("workflows"));
    for kind in ["customers", "products", "orders", "items", "events"] {
        let file = repo().join(format!("tests/cases/shop/{kind}.csv"));
        let (code, _, err) = segflow(dir.path(), &["import", kind, file.to_str().unwrap()]);
        assert_eq!(code, 0, "import {kind}: {err}");
    }
    dir
}

/// The imported shop whose workflows went live a day before `NOW` (their first run), then
/// segments refreshed at `NOW`: every member a segment has is newly entered after the
/// workflows' activation.
fn shop() -> tempfile::TempDir {
    let dir = imported_shop();
    let (code, _, err) = segflow(
        dir.path(),
        &[
            "--now",
            "2026-11-14T12:00:00Z",
            "workflows",
            "run",
            "--once",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "refresh"]);
    assert_eq!(code, 0, "{err}");
    dir
}

#[test]
fn a_first_run_never_reaches_back_unless_a_backfill_asks() {
    // The store holds months of checkouts and orders, and a refresh has just put every existing
    // customer into their segments; the workflows run for the first time now.
    let dir = imported_shop();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "refresh"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "workflows", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM journeys"), 0);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM outbox"), 0);
    // Later runs still ignore what was there at the activation; only the birthday workflow,
    // on a schedule, fires at its first slot after the activation.
    let (code, _, err) = segflow(
        dir.path(),
        &[
            "--now",
            "2026-11-16T12:00:00Z",
            "workflows",
            "run",
            "--once",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(*) FROM journeys WHERE workflow <> 'birthday'"
        ),
        0
    );

    // A new workflow that asks for a backfill of 2 days starts journeys for the checkouts of
    // the last 2 days before its activation, and only those.
    let recent: i64 = count(
        dir.path(),
        "SELECT COUNT(DISTINCT customer) FROM events WHERE type = 'checkout_started'
         AND occurred_at > strftime('%s', '2026-11-13T12:00:00Z') * 1000",
    );
    let all: i64 = count(
        dir.path(),
        "SELECT COUNT(DISTINCT customer) FROM events WHERE type = 'checkout_started'",
    );
    assert!(recent > 0 && recent < all, "recent {recent} of {all}");
    std::fs::write(
        dir.path().join("workflows/recent_checkouts.yaml"),
        "workflow: recent_checkouts
trigger: { event: checkout_started, backfill: 2d }
steps:
  - { id: tag_it, tag: checked_out }
",
    )
    .unwrap();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "workflows", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(DISTINCT customer) FROM journeys WHERE workflow = 'recent_checkouts'"
        ),
        recent
    );
    // Asked for, a backfill also takes the members who entered a segment before the
    // activation.
    std::fs::write(
        dir.path().join("workflows/vip_backfill.yaml"),
        "workflow: vip_backfill\ntrigger: { segment_entered: vip, backfill: 1d }\nsteps:\n  - { id: tag_it, tag: vip_seen }\n",
    )
    .unwrap();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "workflows", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    let vips = count(
        dir.path(),
        "SELECT COUNT(*) FROM segment_members WHERE segment = 'vip'",
    );
    assert!(vips > 0);
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(*) FROM journeys WHERE workflow = 'vip_backfill'"
        ),
        vips
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(*) FROM outbox WHERE workflow <> 'birthday'"
        ),
        0
    );
}

fn count(dir: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn workflows_run_enqueues_each_message_once() {
    let dir = shop();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "workflows", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    let rows = count(dir.path(), "SELECT COUNT(*) FROM outbox");
    assert!(rows > 0, "nothing was enqueued");
    segflow(dir.path(), &["--now", NOW, "workflows", "run", "--once"]);
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM outbox"), rows);
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(DISTINCT idempotency_key) FROM outbox"
        ),
        rows
    );
}

/// `send --now T` is a run as of T: only rows due by T go out, and T is their recorded send time.
#[test]
fn send_now_delivers_what_is_due_then_and_records_that_time() {
    let dir = shop();
    // No pacing, so that every message's recorded time is exactly --now.
    std::fs::write(
        dir.path().join("segflow.toml"),
        "[mail.delivery]\nrate_per_second = 0\n",
    )
    .unwrap();
    let (code, _, err) = segflow(dir.path(), &["--now", NOW, "workflows", "run", "--once"]);
    assert_eq!(code, 0, "{err}");
    let now = segflow::dsl::literal::timestamp(NOW).unwrap();
    let due = count(
        dir.path(),
        &format!(
            "SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND next_attempt_at <= {now}"
        ),
    );
    assert!(due > 0, "nothing is due at {NOW}");

    // Two weeks earlier nothing had been queued yet, so nothing is due.
    let (code, out, err) = segflow(dir.path(), &["--now", "2026-11-01T12:00:00Z", "send"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("sent 0 into outbox;"), "{out}");
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(*) FROM outbox WHERE status = 'sent'"
        ),
        0
    );

    let (code, out, err) = segflow(dir.path(), &["--now", NOW, "send"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("sent {due} into outbox;")),
        "{out}"
    );
    assert_eq!(
        count(
            dir.path(),
            &format!("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND sent_at = {now}")
        ),
        due
    );
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(*) FROM outbox WHERE status = 'sent'"
        ),
        due
    );
}

#[test]
fn preview_renders_a_send_step_for_a_customer() {
    let dir = shop();
    let (code, out, err) = segflow(
        dir.path(),
        &[
            "--now",
            NOW,
            "preview",
            "vip_reward",
            "reward",
            "--customer",
            "c01",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("To: alice@example.com\nSubject: You are now a My Shop VIP\n"),
        "{out}"
    );
    assert!(out.contains("--- text ---\nHi Alice,"), "{out}");
    assert!(out.contains("--- html ---\n<p>Hi Alice,</p>"), "{out}");
    // With `[mail] tracking` on (the default) the preview shows the HTML as it will be queued:
    // one open pixel under the default base URL, and the text part without tracking links.
    assert_eq!(
        out.matches("<img src=\"http://localhost:8080/o/").count(),
        1,
        "{out}"
    );
    let text = &out[..out.find("--- html ---").unwrap()];
    assert!(
        !text.contains("localhost:8080/o/") && !text.contains("localhost:8080/c/"),
        "{out}"
    );
    // Nothing is written by a preview.
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM outbox"), 0);
    let (code, _, err) = segflow(
        dir.path(),
        &["preview", "vip_reward", "mark_vip", "--customer", "c01"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("has no send step mark_vip"), "{err}");
}

#[test]
fn unsubscribe_and_suppress_import_fill_the_suppression_list() {
    let dir = shop();
    let (code, out, _) = segflow(dir.path(), &["unsubscribe", "Alice@Example.com"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "alice@example.com is unsubscribed\n")
    );
    let csv = dir.path().join("bounces.csv");
    std::fs::write(
        &csv,
        "email,reason\nbob@example.com,bounced\nalice@example.com,\nnot-an-address,\n",
    )
    .unwrap();
    let (code, out, err) = segflow(dir.path(), &["suppress", "import", "bounces.csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "1 addresses suppressed, 1 already suppressed, 1 rows skipped\n"
    );
    assert!(err.contains("bounces.csv:4: skipped"), "{err}");
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(*) FROM suppressions WHERE (email, reason) IN
             (VALUES ('alice@example.com', 'unsubscribed'), ('bob@example.com', 'bounced'))"
        ),
        2
    );
    // Alice no longer gets the VIP mail.
    segflow(dir.path(), &["--now", NOW, "workflows", "run", "--once"]);
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(*) FROM outbox WHERE to_email = 'alice@example.com'"
        ),
        0
    );
}

#[test]
fn the_demo_writes_eml_files() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("rules"), &dir.path().join("rules"));
    copy_dir(&repo().join("workflows"), &dir.path().join("workflows"));
    let (code, out, err) = segflow(
        dir.path(),
        &[
            "--now",
            "2026-11-22T10:00:00Z",
            "demo",
            "--customers",
            "150",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("workflow             step"), "{out}");
    let emls: Vec<_> = std::fs::read_dir(dir.path().join("demo/outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    assert!(!emls.is_empty());
    let sent = count(
        &dir.path().join("demo"),
        "SELECT COUNT(*) FROM outbox WHERE status = 'sent'",
    );
    assert_eq!(emls.len() as i64, sent);
    let text = std::fs::read_to_string(&emls[0]).unwrap();
    assert!(text.contains("List-Unsubscribe:"), "{text}");
    // The generated checkouts carry their products, so every cart reminder lists lines whose
    // amounts are in dollars and cents, with the total.
    let conn = rusqlite::Connection::open(dir.path().join("demo/segflow.db")).unwrap();
    let reminders: Vec<String> = conn
        .prepare("SELECT body_text FROM outbox WHERE workflow = 'abandoned_checkout'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!reminders.is_empty());
    for body in &reminders {
        let line = body
            .lines()
            .find(|l| l.starts_with("- ") && l.contains(" × "));
        assert!(line.is_some_and(|l| l.ends_with(" USD")), "{body}");
        assert!(body.contains("\nCart total: "), "{body}");
    }
}

#[test]
fn the_cart_reminder_states_the_cart_of_an_imported_checkout() {
    let dir = shop();
    // A checkout as a merchant's events export has it: the total and the unit prices in major
    // units, the lines as a JSON array (the second line's price is the one paid, not the
    // catalogue's 30.00).
    let events = dir.path().join("checkout.csv");
    std::fs::write(
        &events,
        "customer_id,type,occurred_at,prop.value,prop.items\n\
         c01,checkout_started,2026-11-15 11:30:00,270.90,\"[{\"\"product_id\"\":\"\"p1\"\",\"\"quantity\"\":2,\"\"price\"\":120.00},{\"\"product_id\"\":\"\"p2\"\",\"\"price\"\":30.90}]\"\n",
    )
    .unwrap();
    let (code, _, err) = segflow(dir.path(), &["import", "events", events.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = segflow(
        dir.path(),
        &[
            "--now",
            NOW,
            "workflows",
            "run",
            "--until",
            "2026-11-15T13:00:00Z",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let conn = rusqlite::Connection::open(dir.path().join("segflow.db")).unwrap();
    let (step, text, html): (String, String, String) = conn
        .query_row(
            "SELECT o.step, o.body_text, o.body_html FROM outbox o JOIN customers c ON c.id = o.customer
             WHERE o.workflow = 'abandoned_checkout' AND c.external_id = 'c01'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    // Over 100, so the discount variant.
    assert_eq!(step, "reminder_discount");
    for part in [&text, &html] {
        for want in [
            "Hi Alice,",
            "2 × Trail Runner 2: 240.00 USD",
            "1 × Organic Tee: 30.90 USD",
            "Cart total: 270.90 USD",
        ] {
            assert!(part.contains(want), "{want:?} not in:\n{part}");
        }
    }
    // `preview` of the step shows the same cart: that of the customer's journey.
    let (code, out, err) = segflow(
        dir.path(),
        &[
            "--now",
            NOW,
            "preview",
            "abandoned_checkout",
            "reminder_discount",
            "--customer",
            "c01",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("- 2 × Trail Runner 2: 240.00 USD\n"), "{out}");
    assert!(out.contains("Cart total: 270.90 USD"), "{out}");
    assert!(
        err.contains("previewing with the customer's checkout_started event"),
        "{err}"
    );
}
