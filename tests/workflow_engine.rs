//! Journeys advanced with simulated time over a real SQLite file: waits, wait_until with a
//! timeout, if/else on the trigger, tags, exits, goals, re-entry, triggers consumed once and
//! workflows changed while journeys are in flight.

mod workflow_support;

use segflow::workflow::{run_once, run_until, RecordingDispatcher};
use workflow_support::*;

const WELCOME: &str = r#"
workflow: welcome
trigger: { segment_entered: new_customers }
goal: orders(since entered).exists()
steps:
  - { id: hello, send: welcome_1 }
  - { id: wait_2d, wait: 2d }
  - { id: second, send: welcome_2, subject: "Still thinking?" }
  - { id: mark, tag: welcomed }
"#;

#[test]
fn wait_then_send_then_done_and_triggers_consumed_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let wf = workflows(&[("welcome", WELCOME)]);
    live(&mut conn, &wf);
    let a = customer(&conn, 1);
    entered(&conn, "new_customers", a, T0);
    let mut d = RecordingDispatcher::default();
    let r = run_once(&mut conn, &wf, T0, &mut d).unwrap();
    assert_eq!((r.started, r.sent), (1, 1));
    // A second run at the same time finds nothing new: no duplicate start or send.
    let r = run_once(&mut conn, &wf, T0 + 1000, &mut d).unwrap();
    assert_eq!((r.started, r.sent), (0, 0));
    assert_eq!(d.requests.len(), 1);
    assert_eq!(
        d.requests[0].idempotency_key,
        format!("welcome/hello/{a}/1")
    );
    // One day later the wait is not over.
    run_once(&mut conn, &wf, T0 + DAY, &mut d).unwrap();
    assert_eq!(d.requests.len(), 1);
    let r = run_until(&mut conn, &wf, T0 + DAY, T0 + 3 * DAY, &mut d).unwrap();
    assert_eq!(r.sent, 1);
    assert_eq!(d.requests[1].template, "welcome_2");
    assert_eq!(
        d.requests[1].subject_override.as_deref(),
        Some("Still thinking?")
    );
    assert_eq!(
        journeys(&conn, "welcome", a),
        vec![(1, "done".into(), None)]
    );
    let tags: String = conn
        .query_row("SELECT tags FROM customers WHERE id = ?1", [a], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(tags, r#"["welcomed"]"#);
}

#[test]
fn goal_met_converts_the_journey() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let wf = workflows(&[("welcome", WELCOME)]);
    live(&mut conn, &wf);
    let a = customer(&conn, 1);
    let b = customer(&conn, 2);
    entered(&conn, "new_customers", a, T0);
    entered(&conn, "new_customers", b, T0);
    // An order before the journey started does not count (`since entered`).
    order(&conn, b, T0 - HOUR, 5000);
    let mut d = RecordingDispatcher::default();
    run_once(&mut conn, &wf, T0, &mut d).unwrap();
    order(&conn, a, T0 + DAY, 5000);
    run_until(&mut conn, &wf, T0, T0 + 5 * DAY, &mut d).unwrap();
    assert_eq!(
        journeys(&conn, "welcome", a),
        vec![(1, "converted".into(), None)]
    );
    assert_eq!(
        journeys(&conn, "welcome", b),
        vec![(1, "done".into(), None)]
    );
    assert_eq!(d.requests.iter().filter(|r| r.customer == a).count(), 1);
    assert_eq!(d.requests.iter().filter(|r| r.customer == b).count(), 2);
}

const CART: &str = r#"
workflow: abandoned_cart
trigger:
  event: checkout_started
  where: prop.value > 20
reentry: after 7d
steps:
  - { id: wait_1h, wait: 1h }
  - id: wait_buy
    wait_until: orders(since entered).exists()
    timeout: 1d
  - id: by_value
    if: trigger.prop.value > 100 and not orders(since entered).exists()
    then: [ { id: discount, send: cart_reminder_discount } ]
    else: [ { id: nudge, send: cart_reminder_2 } ]
"#;

#[test]
fn event_trigger_filter_wait_until_timeout_and_if_on_the_trigger() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let wf = workflows(&[("abandoned_cart", CART)]);
    live(&mut conn, &wf);
    let big = customer(&conn, 1);
    let small = customer(&conn, 2);
    let buyer = customer(&conn, 3);
    let tiny = customer(&conn, 4);
    event(&conn, big, "checkout_started", T0, r#"{"value": 150}"#);
    event(&conn, small, "checkout_started", T0, r#"{"value": 50}"#);
    event(&conn, buyer, "checkout_started", T0, r#"{"value": 150}"#);
    event(&conn, tiny, "checkout_started", T0, r#"{"value": 10}"#);
    let mut d = RecordingDispatcher::default();
    let r = run_once(&mut conn, &wf, T0, &mut d).unwrap();
    assert_eq!(r.started, 3, "the filter keeps carts over 20");
    order(&conn, buyer, T0 + 2 * HOUR, 15000);
    run_until(&mut conn, &wf, T0, T0 + 3 * DAY, &mut d).unwrap();
    let sent: Vec<(i64, String)> = d
        .requests
        .iter()
        .map(|r| (r.customer, r.template.clone()))
        .collect();
    assert!(sent.contains(&(big, "cart_reminder_discount".into())));
    assert!(sent.contains(&(small, "cart_reminder_2".into())));
    assert!(sent.contains(&(buyer, "cart_reminder_2".into())));
    assert_eq!(sent.len(), 3);
    assert!(log(&conn, "abandoned_cart", big).contains(&("wait_buy".into(), "timeout".into())));
    assert!(
        log(&conn, "abandoned_cart", buyer).contains(&("wait_buy".into(), "condition_met".into()))
    );
    let trig = d
        .requests
        .iter()
        .find(|r| r.customer == big)
        .unwrap()
        .trigger_event
        .clone()
        .unwrap();
    assert_eq!(trig["properties"]["value"], 150);
    // Re-entry after 7d: a new checkout the next day starts nothing, one 8 days later does.
    event(
        &conn,
        big,
        "checkout_started",
        T0 + DAY,
        r#"{"value": 150}"#,
    );
    run_once(&mut conn, &wf, T0 + 3 * DAY, &mut d).unwrap();
    assert_eq!(journeys(&conn, "abandoned_cart", big).len(), 1);
    event(
        &conn,
        big,
        "checkout_started",
        T0 + 8 * DAY,
        r#"{"value": 150}"#,
    );
    run_once(&mut conn, &wf, T0 + 8 * DAY, &mut d).unwrap();
    assert_eq!(journeys(&conn, "abandoned_cart", big).len(), 2);
}

#[test]
fn reentry_never_and_always() {
    for (rule, runs) in [("never", 1), ("always", 2)] {
        let text = format!(
            "workflow: vip_reward\ntrigger: {{ segment_entered: vip }}\nreentry: {rule}\nsteps:\n  - {{ id: reward, send: vip_reward }}\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let mut conn = store(dir.path());
        let wf = workflows(&[("vip_reward", &text)]);
        live(&mut conn, &wf);
        let a = customer(&conn, 1);
        let mut d = RecordingDispatcher::default();
        entered(&conn, "vip", a, T0);
        run_once(&mut conn, &wf, T0, &mut d).unwrap();
        entered(&conn, "vip", a, T0 + DAY);
        run_once(&mut conn, &wf, T0 + DAY, &mut d).unwrap();
        assert_eq!(
            journeys(&conn, "vip_reward", a).len(),
            runs,
            "reentry {rule}"
        );
        assert_eq!(d.requests.len(), runs);
        if runs == 2 {
            assert_eq!(
                d.requests[1].idempotency_key,
                format!("vip_reward/reward/{a}/2")
            );
        }
    }
}

#[test]
fn exit_when_exit_step_and_untag() {
    let text = r#"
workflow: vip_reward
trigger: { segment_entered: vip }
exit_when: '"blocked" in tags'
steps:
  - { id: flag, tag: vip_flow }
  - { id: unflag, untag: vip_flow }
  - { id: pause, wait: 1d }
  - { id: stop, exit: enough }
"#;
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let wf = workflows(&[("vip_reward", text)]);
    live(&mut conn, &wf);
    let a = customer(&conn, 1);
    let b = customer(&conn, 2);
    entered(&conn, "vip", a, T0);
    entered(&conn, "vip", b, T0);
    let mut d = RecordingDispatcher::default();
    run_once(&mut conn, &wf, T0, &mut d).unwrap();
    conn.execute(
        "UPDATE customers SET tags = '[\"blocked\"]' WHERE id = ?1",
        [b],
    )
    .unwrap();
    run_until(&mut conn, &wf, T0, T0 + 2 * DAY, &mut d).unwrap();
    assert_eq!(
        journeys(&conn, "vip_reward", a),
        vec![(1, "exited".into(), Some("enough".into()))]
    );
    assert_eq!(
        journeys(&conn, "vip_reward", b),
        vec![(1, "exited".into(), Some("exit_when".into()))]
    );
    let tags: String = conn
        .query_row("SELECT tags FROM customers WHERE id = ?1", [a], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(tags, "[]");
    let actions: Vec<String> = log(&conn, "vip_reward", a)
        .into_iter()
        .map(|x| x.1)
        .collect();
    assert_eq!(actions, ["entered", "tag", "untag", "exited"]);
}

#[test]
fn in_flight_journeys_on_a_removed_step_exit_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let a = customer(&conn, 1);
    entered(&conn, "new_customers", a, T0);
    let mut d = RecordingDispatcher::default();
    let wf = workflows(&[("welcome", WELCOME)]);
    live(&mut conn, &wf);
    run_once(&mut conn, &wf, T0, &mut d).unwrap();
    // The merchant removes the wait step while the customer waits on it.
    let edited = WELCOME.replace("  - { id: wait_2d, wait: 2d }\n", "");
    let edited = workflows(&[("welcome", &edited)]);
    run_until(&mut conn, &edited, T0, T0 + 3 * DAY, &mut d).unwrap();
    assert_eq!(
        journeys(&conn, "welcome", a),
        vec![(
            1,
            "exited".into(),
            Some("step `wait_2d` was removed from the workflow".into())
        )]
    );
    assert_eq!(d.requests.len(), 1);
}

/// More triggers than one transaction takes (2,000) are consumed in batches: every customer
/// starts exactly one journey, for segment changes and for events alike, and a second run
/// starts none.
#[test]
fn triggers_beyond_one_batch_start_every_journey_once() {
    const CHECKOUT: &str = r#"
workflow: checkout
trigger: { event: checkout_started }
steps:
  - { id: wait, wait: 1d }
"#;
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let wf = workflows(&[("welcome", WELCOME), ("checkout", CHECKOUT)]);
    live(&mut conn, &wf);
    let tx = conn.transaction().unwrap();
    for n in 1..=4_500 {
        let c = customer(&tx, n);
        entered(&tx, "new_customers", c, T0);
        event(&tx, c, "checkout_started", T0, "{}");
        // Other traffic between the triggers must not be mistaken for them.
        event(&tx, c, "page_viewed", T0, "{}");
    }
    tx.commit().unwrap();
    let mut d = RecordingDispatcher::default();
    let r = run_once(&mut conn, &wf, T0, &mut d).unwrap();
    assert_eq!(r.started, 9_000);
    let per_workflow: Vec<(String, i64, i64)> = conn
        .prepare("SELECT workflow, COUNT(*), COUNT(DISTINCT customer) FROM journeys GROUP BY 1 ORDER BY 1")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        per_workflow,
        vec![
            ("checkout".into(), 4_500, 4_500),
            ("welcome".into(), 4_500, 4_500)
        ]
    );
    let r = run_once(&mut conn, &wf, T0 + 1000, &mut d).unwrap();
    assert_eq!(r.started, 0);
}

/// A trigger's `where` is a filter over the event, so an aggregate inside it reads the event as
/// `outer`: "viewed a product they have not bought in the 30 days before the view".
#[test]
fn an_event_trigger_can_relate_the_event_to_the_customers_orders() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let wf = workflows(&[(
        "browse",
        r#"
workflow: browse
trigger:
  event: product_viewed
  where: not items(product_id == outer.prop.product_id, since outer.occurred_at - 30d).exists()
steps:
  - { id: nudge, send: cart_reminder }
"#,
    )]);
    live(&mut conn, &wf);
    let (a, b) = (customer(&conn, 1), customer(&conn, 2));
    conn.execute(
        "INSERT INTO products (external_id, title) VALUES ('P1', 'Trail Runner')",
        [],
    )
    .unwrap();
    let product = conn.last_insert_rowid();
    order(&conn, b, T0 - DAY, 12_000);
    let b_order = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO order_items (order_id, product, price) VALUES (?1, ?2, 12000)",
        rusqlite::params![b_order, product],
    )
    .unwrap();
    event(&conn, a, "product_viewed", T0, r#"{"product_id": "P1"}"#);
    event(&conn, b, "product_viewed", T0, r#"{"product_id": "P1"}"#);
    let mut d = RecordingDispatcher::default();
    let r = run_once(&mut conn, &wf, T0, &mut d).unwrap();
    assert_eq!(
        r.started, 1,
        "only the customer who did not buy the product"
    );
    assert_eq!(journeys(&conn, "browse", a).len(), 1);
    assert!(journeys(&conn, "browse", b).is_empty());
}
