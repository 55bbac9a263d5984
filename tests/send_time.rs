//! A send step's time through the real binary: `at: "09:00"` queues each customer's message for
//! 09:00 on their own clock, `send_time: optimal` for the hour they open mail most (their own
//! opens, else the shop's), and quiet hours still move a time that falls inside them. The
//! outbox rows' planned times are read back in each customer's zone.

mod cli_shop;

use std::collections::BTreeMap;

use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;
use cli_shop::segflow_mail;

const NOW: &str = "2026-11-20T12:00:00Z";

/// (customer, local "HH:MM" of the planned send) of every row of `workflow`.
fn planned(dir: &std::path::Path, workflow: &str) -> BTreeMap<String, String> {
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT c.external_id, c.timezone, o.next_attempt_at FROM outbox o
             JOIN customers c ON c.id = o.customer WHERE o.workflow = ?1",
        )
        .unwrap();
    let rows = stmt
        .query_map([workflow], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap();
    rows.map(|r| {
        let (id, tz, at) = r.unwrap();
        let tz: Tz = tz.parse().unwrap();
        let local = tz.timestamp_millis_opt(at).unwrap();
        (id, format!("{:02}:{:02}", local.hour(), local.minute()))
    })
    .collect()
}

#[test]
fn sends_wait_for_the_customers_own_morning_or_their_best_hour() {
    let shop = cli_shop::shop();
    let dir = shop.path();
    // Opens in UTC: Alice (Los Angeles) opens at 19:xx her time three times, Eve (New York)
    // at 07:xx three times, Bob (Toronto) once at 19:30: too few for his own hour.
    let opens = "customer_id,type,occurred_at\n\
        c01,email_opened,2026-11-02 03:10:00\n\
        c01,email_opened,2026-11-05 03:20:00\n\
        c01,email_opened,2026-11-08 03:40:00\n\
        c05,email_opened,2026-11-03 12:05:00\n\
        c05,email_opened,2026-11-06 12:10:00\n\
        c05,email_opened,2026-11-09 12:15:00\n\
        c02,email_opened,2026-11-04 00:30:00\n";
    let file = dir.join("opens.csv");
    std::fs::write(&file, opens).unwrap();
    let (code, _, err) = segflow_mail(dir, &["import", "events", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        dir.join("rules/marketable.yaml"),
        "segment: marketable\nwhere: accepts_marketing\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("workflows/templates/hello")).unwrap();
    std::fs::write(dir.join("workflows/templates/hello/subject.txt"), "Hello").unwrap();
    std::fs::write(
        dir.join("workflows/templates/hello/body.html"),
        "<p>Hello</p>",
    )
    .unwrap();
    std::fs::write(
        dir.join("workflows/morning.yaml"),
        "workflow: morning\ntrigger: { segment_entered: marketable }\nsteps:\n  - { id: hi, send: hello, at: \"09:00\" }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("workflows/best_hour.yaml"),
        "workflow: best_hour\ntrigger: { segment_entered: marketable }\nsteps:\n  - { id: hi, send: hello, send_time: optimal }\n",
    )
    .unwrap();
    for args in [
        &[
            "--now",
            "2026-11-20T11:00:00Z",
            "workflows",
            "run",
            "--once",
        ][..],
        &["--now", NOW, "refresh"][..],
        &[
            "--now",
            NOW,
            "workflows",
            "run",
            "--until",
            "2026-11-23T12:00:00Z",
        ][..],
    ] {
        let (code, _, err) = segflow_mail(dir, args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    let morning = planned(dir, "morning");
    assert_eq!(morning.len(), 10, "every consenting customer: {morning:?}");
    for (customer, at) in &morning {
        assert_eq!(at, "09:00", "{customer}");
    }
    let best = planned(dir, "best_hour");
    // Alice's own hour; Eve's own 07:00 is inside the quiet hours (21:00–08:00), so 08:00;
    // Bob and Dan (Berlin) have too few opens and get the shop's hour, 19:00 on their clocks.
    assert_eq!(best["c01"], "19:00");
    assert_eq!(best["c05"], "08:00");
    assert_eq!(best["c02"], "19:00");
    assert_eq!(best["c04"], "19:00");

    // A time that is not a time of day is an error on its line.
    std::fs::write(
        dir.join("workflows/morning.yaml"),
        "workflow: morning\ntrigger: { segment_entered: marketable }\nsteps:\n  - { id: hi, send: hello, at: \"9 am\" }\n",
    )
    .unwrap();
    let (code, _, err) = segflow_mail(dir, &["check"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        r#"E005

  × `9 am` is not a time of day
   ╭─[workflows/morning.yaml:4:33]
 3 │ steps:
 4 │   - { id: hi, send: hello, at: "9 am" }
   ·                                 ──┬─
   ·                                   ╰── bad time
   ╰────
  help: write hours and minutes on a 24-hour clock in quotes, such as at: "09:00" or at: "18:30"
error: 1 problem in 1 file
"#
    );
}
