//! The OutboxDispatcher over a real SQLite store: one outbox row per idempotency key, consent and
//! suppression skip, quiet hours hold with `not_before`, recommendations, broken templates.

mod workflow_support;

use rusqlite::{params, Connection};
use segflow::config::ShopConfig;
use segflow::mail::{suppressions, Templates, UnsubscribeSigner};
use segflow::policy::PolicyConfig;
use segflow::workflow::{run_once, DispatchSettings, OutboxDispatcher};
use workflow_support::*;

const VIP: &str = "workflow: vip_reward\ntrigger: { segment_entered: vip }\nreentry: never\nsteps:\n  - { id: reward, send: vip_reward }\n";

const GOOD: &str = "<p>Hi {{ customer.first_name or \"there\" }}</p>{% for p in recommendations %}<li>{{ p.title }}</li>{% endfor %}<a href=\"{{ unsubscribe_url }}\">unsubscribe</a>";

fn dispatcher(dir: &std::path::Path, body: &str) -> OutboxDispatcher {
    let t = dir.join("templates/vip_reward");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("subject.txt"), "Thanks {{ customer.id }}").unwrap();
    std::fs::write(t.join("body.html"), body).unwrap();
    let templates = Templates::load_dir(&dir.join("templates"), 50_000).unwrap();
    OutboxDispatcher::new(
        templates,
        &workflows(&[("vip_reward", VIP)]),
        DispatchSettings {
            policy: PolicyConfig::default(),
            signer: UnsubscribeSigner::new(b"a test secret of enough bytes").unwrap(),
            unsubscribe_base_url: "https://shop.test".into(),
            message_id_domain: "shop.test".into(),
            shop: ShopConfig::default(),
        },
    )
}

fn outbox(conn: &Connection, customer: i64) -> Vec<(String, i64, String)> {
    let mut stmt = conn
        .prepare("SELECT status, next_attempt_at, body_html FROM outbox WHERE customer = ?1")
        .unwrap();
    stmt.query_map([customer], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_send_is_enqueued_once_however_often_the_engine_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let c = customer(&conn, 1);
    entered(&conn, "vip", c, T0);
    let wf = workflows(&[("vip_reward", VIP)]);
    live(&mut conn, &wf);
    let mut d = dispatcher(dir.path(), GOOD);
    for _ in 0..3 {
        run_once(&mut conn, &wf, T0, &mut d).unwrap();
    }
    let rows = outbox(&conn, c);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].0.as_str(), rows[0].1), ("queued", T0));
    assert!(rows[0]
        .2
        .contains("https:&#x2f;&#x2f;shop.test&#x2f;u&#x2f;"));
    let sent: Vec<_> = log(&conn, "vip_reward", c)
        .into_iter()
        .filter(|(_, action)| action == "sent")
        .collect();
    assert_eq!(sent, [("reward".to_string(), "sent".to_string())]);
}

#[test]
fn no_consent_and_suppressed_addresses_are_skipped_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let no_consent = customer(&conn, 1);
    conn.execute(
        "UPDATE customers SET accepts_marketing = 0 WHERE id = ?1",
        [no_consent],
    )
    .unwrap();
    let suppressed = customer(&conn, 2);
    suppressions::suppress(&conn, "C2@Example.com", "unsubscribed", T0 - DAY).unwrap();
    for c in [no_consent, suppressed] {
        entered(&conn, "vip", c, T0);
    }
    let mut d = dispatcher(dir.path(), GOOD);
    let wf = workflows(&[("vip_reward", VIP)]);
    live(&mut conn, &wf);
    run_once(&mut conn, &wf, T0, &mut d).unwrap();
    for c in [no_consent, suppressed] {
        assert!(outbox(&conn, c).is_empty());
        assert_eq!(log(&conn, "vip_reward", c)[1].1, "skipped");
    }
    let reasons: Vec<String> = conn
        .prepare("SELECT detail FROM journey_log WHERE action = 'skipped' ORDER BY journey")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        reasons,
        [
            "no marketing consent",
            "the address is suppressed or unsubscribed"
        ]
    );
}

#[test]
fn quiet_hours_hold_the_message_with_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let c = customer(&conn, 1);
    conn.execute(
        "UPDATE customers SET timezone = 'Europe/Berlin' WHERE id = ?1",
        [c],
    )
    .unwrap();
    // 22:00 UTC is 23:00 in Berlin: quiet until 08:00 Berlin, 07:00 UTC the next day.
    let late = T0 + 12 * HOUR;
    entered(&conn, "vip", c, late);
    let wf = workflows(&[("vip_reward", VIP)]);
    live(&mut conn, &wf);
    let mut d = dispatcher(dir.path(), GOOD);
    let report = run_once(&mut conn, &wf, late, &mut d).unwrap();
    assert_eq!(report.held, 1);
    let rows = outbox(&conn, c);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, T0 + DAY - 3 * HOUR);
    // When the journey wakes, the held row is found and nothing new is queued.
    run_once(&mut conn, &wf, T0 + DAY - 3 * HOUR, &mut d).unwrap();
    assert_eq!(outbox(&conn, c).len(), 1);
    let actions: Vec<String> = log(&conn, "vip_reward", c)
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    assert_eq!(actions, ["entered", "held", "sent", "done"]);
}

#[test]
fn recommendations_are_bought_together_and_exclude_what_the_customer_has() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    for (n, title) in ["Apple", "Bread", "Cheese", "Dates"].iter().enumerate() {
        conn.execute(
            "INSERT INTO products (id, external_id, title, price) VALUES (?1, ?2, ?3, 100)",
            params![n as i64 + 1, format!("p{n}"), title],
        )
        .unwrap();
    }
    let basket = |customer: i64, products: &[i64]| {
        order(&conn, customer, T0 - DAY, 100);
        let id = conn.last_insert_rowid();
        for p in products {
            conn.execute(
                "INSERT INTO order_items (order_id, product) VALUES (?1, ?2)",
                params![id, p],
            )
            .unwrap();
        }
    };
    let (me, other) = (customer(&conn, 1), customer(&conn, 2));
    basket(other, &[1, 2]);
    basket(other, &[1, 3]);
    basket(other, &[2, 3]);
    basket(other, &[4]);
    basket(me, &[1, 2]);
    entered(&conn, "vip", me, T0);
    let mut d = dispatcher(dir.path(), GOOD);
    let wf = workflows(&[("vip_reward", VIP)]);
    live(&mut conn, &wf);
    run_once(&mut conn, &wf, T0, &mut d).unwrap();
    let html = &outbox(&conn, me)[0].2;
    assert!(html.contains("<li>Cheese</li>"), "{html}");
    for absent in ["Apple", "Bread", "Dates"] {
        assert!(!html.contains(absent), "{absent} in {html}");
    }
}

#[test]
fn a_broken_template_queues_nothing_and_records_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let c = customer(&conn, 1);
    entered(&conn, "vip", c, T0);
    let mut d = dispatcher(dir.path(), "<p>{{ no_such_variable }}</p>");
    let wf = workflows(&[("vip_reward", VIP)]);
    live(&mut conn, &wf);
    run_once(&mut conn, &wf, T0, &mut d).unwrap();
    assert!(outbox(&conn, c).is_empty());
    let detail: String = conn
        .query_row(
            "SELECT detail FROM journey_log WHERE action = 'skipped'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.starts_with("template error:"), "{detail}");
    assert_eq!(d.errors.len(), 1);
}

#[test]
fn a_template_over_its_memory_bound_fails_its_step_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let c = customer(&conn, 1);
    entered(&conn, "vip", c, T0);
    // Doubling a list 33 times once allocated 2^33 values and aborted the daemon, which then
    // rendered the same step again after every restart.
    let doubling = "{% set ns = namespace(x=[1]) %}{% for i in range(33) %}\
        {% set ns.x = ns.x + ns.x %}{% endfor %}done";
    let mut d = dispatcher(dir.path(), doubling);
    let wf = workflows(&[("vip_reward", VIP)]);
    live(&mut conn, &wf);
    run_once(&mut conn, &wf, T0, &mut d).unwrap();
    // A second pass, as after a restart, finds the step done and renders nothing again.
    let mut restarted = dispatcher(dir.path(), doubling);
    run_once(&mut conn, &wf, T0 + DAY, &mut restarted).unwrap();
    assert!(outbox(&conn, c).is_empty());
    let details: Vec<String> = conn
        .prepare("SELECT detail FROM journey_log WHERE action = 'skipped'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(details[0].contains("ran out of fuel"), "{}", details[0]);
    assert_eq!((d.errors.len(), restarted.errors.len()), (1, 0));
}

#[test]
fn customers_sharing_an_address_get_one_email_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    // A customer deleted and re-created in Shopify: two rows, one mailbox (written in another
    // case and with a stray space by the second export).
    let (first, second, third) = (customer(&conn, 1), customer(&conn, 2), customer(&conn, 3));
    conn.execute(
        "UPDATE customers SET email = ' C1@Example.COM' WHERE id = ?1",
        [second],
    )
    .unwrap();
    for c in [first, second, third] {
        entered(&conn, "vip", c, T0);
    }
    let wf = workflows(&[("vip_reward", VIP)]);
    live(&mut conn, &wf);
    let mut d = dispatcher(dir.path(), GOOD);
    run_once(&mut conn, &wf, T0, &mut d).unwrap();
    assert_eq!(outbox(&conn, first).len(), 1);
    assert_eq!(
        outbox(&conn, second).len(),
        0,
        "a second email to c1@example.com"
    );
    assert_eq!(
        outbox(&conn, third).len(),
        1,
        "another address is not affected"
    );
    assert_eq!(log(&conn, "vip_reward", second)[1].1, "skipped");
    let reason: String = conn
        .query_row(
            "SELECT l.detail FROM journey_log l JOIN journeys j ON j.id = l.journey
             WHERE j.customer = ?1 AND l.action = 'skipped'",
            [second],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        reason,
        "duplicate address: customer c1 has the same email and already has this step (queued since 2026-11-02T10:00:00Z); one email per address"
    );
    let counts = &d.counts[&("vip_reward".to_string(), "reward".to_string())];
    assert_eq!((counts.queued, counts.skipped), (2, 1));
    // Running again changes nothing: the skip is final for that journey.
    run_once(&mut conn, &wf, T0 + HOUR, &mut d).unwrap();
    assert_eq!(outbox(&conn, second).len(), 0);
}
