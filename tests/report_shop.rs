//! `segflow report` over a small shop written directly into a real SQLite file: the figures of
//! segments, workflow steps and splits, the HTML page and the dashboard's static pages rendered
//! by headless Chromium (required: see `browser_support`).

mod browser_support;

use std::path::Path;

use browser_support::{assert_readable_charts, Browser};

use rusqlite::{params, Connection};
use segflow::analytics::report::Metric;
use segflow::config::ShopConfig;
use segflow::report::pages::{build_dashboard, static_files};
use segflow::report::{build, render_html, Report, ReportOptions, SplitMetrics, DAY_MS};

const NOW: i64 = 100 * DAY_MS;

/// The outbox status of customer `c`'s message: 24 failed, 31 held by the policy, 16 still
/// queued, 169 handed to the transport.
fn status(c: i64) -> &'static str {
    if c % 10 == 0 {
        "failed"
    } else if c % 7 == 0 {
        "held"
    } else if c % 11 == 0 {
        "queued"
    } else {
        "sent"
    }
}

/// 240 customers; customers 1..=120 are in `vip`, which grew from 100 to 120 members.
/// The workflow `welcome` sends step `mail1` to everyone; its split `subject` puts odd customers
/// in arm `a` (10% convert) and even ones in arm `b` (30% convert).
fn shop(conn: &Connection) {
    let tx = conn.unchecked_transaction().unwrap();
    for c in 1..=240i64 {
        tx.execute(
            "INSERT INTO customers (id, external_id, email) VALUES (?1, ?2, ?3)",
            params![c, format!("c{c}"), format!("c{c}@example.com")],
        )
        .unwrap();
        let sent_at = NOW - 20 * DAY_MS + c;
        tx.execute(
            "INSERT INTO outbox (idempotency_key, workflow, step, customer, run, template, to_email,
               subject, body_html, body_text, message_id, status, next_attempt_at, created_at, sent_at)
             VALUES (?1, 'welcome', 'mail1', ?2, 1, 't', 'x', 's', 'h', 't', ?1, ?3, 0, ?4, ?5)",
            params![
                format!("k{c}"),
                c,
                status(c),
                sent_at,
                if status(c) == "sent" { Some(sent_at) } else { None }
            ],
        )
        .unwrap();
        let arm = if c % 2 == 1 { "a" } else { "b" };
        let converted = if arm == "a" {
            c % 20 == 1
        } else {
            c % 20 < 6 && c % 2 == 0
        };
        tx.execute(
            "INSERT INTO journeys (id, workflow, customer, run, step_path, state, variant, entered_at, updated_at)
             VALUES (?1, 'welcome', ?1, 1, 'mail1', ?2, ?3, ?4, ?4)",
            params![
                c,
                if converted { "converted" } else { "done" },
                format!("{{\"subject\":\"{arm}\"}}"),
                NOW - 21 * DAY_MS
            ],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO journey_log (journey, step, action, at) VALUES (?1, 'mail1', 'send', ?2)",
            params![c, sent_at],
        )
        .unwrap();
        // The policy skipped a second message of every 13th customer (no outbox row).
        if c % 13 == 0 {
            tx.execute(
                "INSERT INTO journey_log (journey, step, action, at, detail) VALUES (?1, 'mail1', 'skipped', ?2, 'no consent')",
                params![c, sent_at + 1],
            )
            .unwrap();
        }
        // One order 2 days after the send (attributed) and one 30 days before it (not).
        for (n, at, total) in [
            (0, sent_at + 2 * DAY_MS, 5_000),
            (1, NOW - 50 * DAY_MS, 1_000),
        ] {
            tx.execute(
                "INSERT INTO orders (external_id, customer, placed_at, total) VALUES (?1, ?2, ?3, ?4)",
                params![format!("o{c}-{n}"), c, at, total],
            )
            .unwrap();
        }
        if c % 3 == 0 {
            let kind = if c % 6 == 0 {
                "email_clicked"
            } else {
                "email_opened"
            };
            tx.execute(
                "INSERT INTO events (customer, type, occurred_at, properties, dedup_key)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    c,
                    kind,
                    sent_at + 1000,
                    r#"{"workflow":"welcome","step":"mail1"}"#,
                    format!("e{c}")
                ],
            )
            .unwrap();
        }
        // A privacy proxy fetched the pixel of every fifth customer's mail; a person opened
        // none of those.
        if c % 3 != 0 && c % 5 == 0 {
            tx.execute(
                "INSERT INTO events (customer, type, occurred_at, properties, dedup_key)
                 VALUES (?1, 'email_opened', ?2, ?3, ?4)",
                params![
                    c,
                    sent_at + 1000,
                    r#"{"workflow":"welcome","step":"mail1","machine":true,"machine_reason":"Apple Mail Privacy Protection"}"#,
                    format!("m{c}")
                ],
            )
            .unwrap();
        }
        tx.execute(
            "INSERT INTO customer_scores (customer, computed_at, rfm_r, rfm_f, lifecycle, predicted_clv, churn_risk)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0.25)",
            params![c, NOW, 1 + c % 5, 1 + (c / 5) % 5, if c % 4 == 0 { "at_risk" } else { "active" }, (c * 100) as f64],
        )
        .unwrap();
        if c <= 120 {
            tx.execute(
                "INSERT INTO segment_members (segment, customer, since) VALUES ('vip<&>', ?1, 0)",
                [c],
            )
            .unwrap();
        }
    }
    for (at, members) in [
        (NOW - 95 * DAY_MS, 100),
        (NOW - 40 * DAY_MS, 110),
        (NOW, 120),
    ] {
        tx.execute(
            "INSERT INTO segment_sizes (segment, at, members, entered, exited) VALUES ('vip<&>', ?1, ?2, 0, 0)",
            params![at, members],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

fn report_of(conn: &Connection, options: &ReportOptions) -> Report {
    report_with(conn, options, &SplitMetrics::new())
}

fn report_with(conn: &Connection, options: &ReportOptions, metrics: &SplitMetrics) -> Report {
    let shop = ShopConfig {
        name: "Test <Shop>".into(),
        currency: "EUR".into(),
        ..ShopConfig::default()
    };
    build(conn, options, &shop, metrics).unwrap()
}

fn open_shop(dir: &Path) -> Connection {
    let conn = segflow::store::open(&dir.join("shop.db")).unwrap();
    shop(&conn);
    conn
}

#[test]
fn figures_of_segments_workflows_and_splits() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_shop(dir.path());
    let report = report_of(&conn, &ReportOptions::new(NOW));

    let vip = &report.segments[0];
    assert_eq!(vip.segment, "vip<&>");
    assert_eq!(vip.members, 120);
    assert!((vip.share - 0.5).abs() < 1e-12);
    // Both orders of each member are within the last 90 days.
    assert_eq!(vip.orders, 240);
    assert_eq!(vip.revenue.major(), 120.0 * 60.0);
    assert!((vip.revenue_share - 0.5).abs() < 1e-12);
    assert!((vip.repeat_rate - 1.0).abs() < 1e-12);
    assert!((vip.growth - 0.2).abs() < 1e-12);
    // Stored CLVs are in major units: 100, 200, ... 12,000 EUR.
    let avg_clv = (1..=120).map(|c| c as f64 * 100.0).sum::<f64>() / 120.0;
    assert!((vip.avg_predicted_clv.unwrap().major() - avg_clv).abs() < 1e-9);
    // Each member spent 60.00 EUR, first 50 days ago (counted as a year), churn risk 25 %.
    assert_eq!(vip.buyers, 120);
    assert!((vip.yearly_spend.major() - 7_200.0).abs() < 1e-9);
    assert!((vip.value_at_stake.unwrap().major() - 1_800.0).abs() < 1e-9);
    assert_eq!(vip.rank, 1);
    // Every customer of the shop spends and risks the same, so the segment has no more at stake
    // than any 120 customers.
    assert_eq!(vip.excess_at_stake.unwrap().major(), 0.0);
    assert_eq!(
        vip.reason,
        "120 buyers spend 7,200.00 EUR a year; 25% of it is at risk of churn, 0.00 EUR more than 120 average customers"
    );
    assert_eq!(report.currency, "EUR");
    assert_eq!(report.period.since, "1970-01-11 00:00 UTC");
    assert_eq!(report.period.until, "1970-04-11 00:00 UTC");
    // Members 3, 9, 15, ... opened (20 of them); 6, 12, ... clicked (20).
    assert!((vip.open_rate - 20.0 / 120.0).abs() < 1e-12);
    assert!((vip.click_rate - 20.0 / 120.0).abs() < 1e-12);
    // With the proxy's opens: 16 more members (multiples of 5 but not of 3 up to 120).
    assert!((vip.open_rate_all - 36.0 / 120.0).abs() < 1e-12);
    assert!((vip.click_rate_all - 20.0 / 120.0).abs() < 1e-12);

    let wf = &report.workflows[0];
    assert_eq!(wf.workflow, "welcome");
    let t = &wf.totals;
    assert_eq!(
        (t.entered, t.sent, t.queued, t.held, t.skipped, t.failed),
        (240, 169, 16, 31, 18, 24)
    );
    assert_eq!((t.opened, t.clicked), (40, 40));
    assert_eq!((t.opened_all, t.clicked_all), (72, 40));
    // Only the order two days after a delivered send counts (window of 7 days).
    assert_eq!(t.attributed_orders, 169);
    assert_eq!(t.attributed_revenue.major(), 169.0 * 50.0);
    assert_eq!(wf.steps.len(), 1);
    assert_eq!(wf.steps[0].step, "mail1");
    assert_eq!(wf.steps[0].attributed_revenue, t.attributed_revenue);

    let split = &report.splits[0];
    assert_eq!(split.split, "subject");
    let (a, b) = (&split.arms[0], &split.arms[1]);
    assert_eq!((a.entered, a.converted), (120, 12));
    assert_eq!((b.entered, b.converted), (120, 36));
    assert_eq!(t.converted, 48);
    let c = &split.comparisons[0];
    assert!(c.p_value < 0.05);
    assert!(c.verdict.to_string().starts_with("b better, "));

    // A shorter window attributes nothing: every order is two days after its send.
    let mut short = ReportOptions::new(NOW);
    short.attribution_window = DAY_MS;
    let none = report_of(&conn, &short);
    assert_eq!(none.workflows[0].totals.attributed_revenue.major(), 0.0);
}

#[test]
fn a_split_judged_by_revenue_per_recipient() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_shop(dir.path());
    let metrics: SplitMetrics = [(
        ("welcome".to_string(), "subject".to_string()),
        Metric::Revenue,
    )]
    .into_iter()
    .collect();
    let report = report_with(&conn, &ReportOptions::new(NOW), &metrics);
    let split = &report.splits[0];
    assert_eq!(split.metric, Metric::Revenue);
    // Every journey's customer ordered 50.00 after entering (the order 50 days ago was before).
    for arm in &split.arms {
        assert_eq!(arm.entered, 120);
        assert!((arm.revenue - 120.0 * 50.0).abs() < 1e-9, "{arm:?}");
        assert!((arm.revenue_per_recipient() - 50.0).abs() < 1e-9);
    }
    // The arms convert differently but earn the same: no winner by revenue.
    let c = &split.comparisons[0];
    assert_eq!(c.lift, 0.0);
    assert_eq!(c.verdict.to_string(), "not enough data yet");
    let html = render_html(&report);
    assert!(
        html.contains("b vs a by revenue per recipient: +0.00 EUR (95% CI +0.00 to +0.00 EUR), p = 1.0000: not enough data yet"),
        "{html}"
    );
    assert!(html.contains(
        "a: 120 entered, 12 converted (10.0%), 6,000.00 EUR revenue, 50.00 EUR per recipient"
    ));
}

#[test]
fn html_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_shop(dir.path());
    let report = report_of(&conn, &ReportOptions::new(NOW));
    let html = render_html(&report);
    assert!(!html.contains("vip<&>"), "segment names must be escaped");
    assert!(html.contains("vip&lt;&amp;&gt;"));
    // Self-contained: no scripts, no references to anything outside the file.
    for outside in ["<script", " src=", "href=", "url(", "@import", "<link"] {
        assert!(!html.contains(outside), "the page contains {outside}");
    }
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let Some(mut b) = Browser::launch() else {
        return;
    };
    b.goto(&format!("file://{}", page.display()));
    let charts = assert_readable_charts(&mut b, "report.html");
    for chart in [
        "segment-sizes",
        "rfm-grid",
        "lifecycle",
        "clv",
        "funnel-welcome",
    ] {
        assert!(
            charts.iter().any(|c| c == chart),
            "chart {chart} missing: {charts:?}"
        );
    }
    assert!(b.errors.is_empty(), "{:?}", b.errors);
}

/// The static export of the dashboard (`segflow report --html DIR`): every page opens from
/// disk, links to the others, draws readable charts and logs no error.
#[test]
fn static_pages_link_together_and_render_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_shop(dir.path());
    let shop = ShopConfig {
        name: "Test <Shop>".into(),
        currency: "EUR".into(),
        ..ShopConfig::default()
    };
    let d = build_dashboard(&conn, &ReportOptions::new(NOW), &shop, &SplitMetrics::new()).unwrap();
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let files = static_files(&d);
    for (name, html) in &files {
        std::fs::write(site.join(name), html).unwrap();
        let html = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        for outside in [
            "<script", " src=", "url(", "@import", "<link", "http://", "https://",
        ] {
            assert!(!html.contains(outside), "{name} contains {outside}");
        }
        for other in [
            "overview.html",
            "cohorts.html",
            "segments.html",
            "campaigns.html",
        ] {
            assert!(
                html.contains(&format!("href=\"{other}\"")),
                "{name} does not link {other}"
            );
            assert!(
                files.iter().any(|(n, _)| n == &other),
                "{other} is not written"
            );
        }
    }
    let Some(mut b) = Browser::launch() else {
        return;
    };
    for (name, _) in &files {
        b.goto(&format!("file://{}", site.join(name).display()));
        let charts = assert_readable_charts(&mut b, name);
        assert!(
            !charts.is_empty() || *name == "campaigns.html",
            "{name} has no chart"
        );
        assert!(b.errors.is_empty(), "{name}: {:?}", b.errors);
    }
    // The hand-made shop's 480 orders: the 240 two days after each send fall in month 3
    // (1970-03), the 240 of day 50 in 1970-02.
    let months: Vec<_> = d
        .overview
        .months
        .iter()
        .map(|m| (m.label.as_str(), m.figures.orders))
        .collect();
    assert!(
        months.contains(&("1970-02", 240)) && months.contains(&("1970-03", 240)),
        "{months:?}"
    );
}
