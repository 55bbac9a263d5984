//! `segflow report`: prints the KPIs of segments, workflows and splits, and writes the HTML
//! page when asked.

use std::path::Path;

use crate::cli::table::Table;
use crate::cli::{CliError, CliResult, Context};
use crate::report::pages::{build_dashboard, static_files};
use crate::report::{
    build, render_html, split_text, Money, Report, ReportOptions, SplitMetrics, DAY_MS,
};

pub fn report(
    ctx: &Context,
    json: bool,
    since: Option<&str>,
    html: Option<&Path>,
    window_days: u32,
) -> CliResult {
    let mut options = ReportOptions::new(ctx.now);
    if let Some(text) = since {
        options.since = crate::dsl::literal::timestamp(text).ok_or_else(|| {
            CliError::Message(format!(
                "--since {text}: not a date; write 2026-09-01 or 2026-09-01T00:00:00Z"
            ))
        })?;
    }
    options.attribution_window = i64::from(window_days) * DAY_MS;
    let conn = ctx.open_store()?;
    let report = build(&conn, &options, &ctx.config.shop, &split_metrics(ctx))?;
    if let Some(path) = html {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("html"))
        {
            std::fs::write(path, render_html(&report)).map_err(|e| {
                CliError::Message(format!(
                    "cannot write the HTML report to {}: {e}",
                    path.display()
                ))
            })?;
        } else {
            write_site(ctx, &conn, &options, path)?;
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(())
}

/// The dashboard's pages as static files in `dir` (created if missing).
fn write_site(
    ctx: &Context,
    conn: &rusqlite::Connection,
    options: &ReportOptions,
    dir: &Path,
) -> CliResult {
    let cannot = |e: std::io::Error| {
        CliError::Message(format!(
            "cannot write the dashboard pages to {}: {e}; give a directory segflow may create, or a FILE.html for one page",
            dir.display()
        ))
    };
    let dashboard = build_dashboard(conn, options, &ctx.config.shop, &split_metrics(ctx))?;
    std::fs::create_dir_all(dir).map_err(cannot)?;
    for (name, html) in static_files(&dashboard) {
        std::fs::write(dir.join(name), html).map_err(cannot)?;
    }
    Ok(())
}

/// What each split is judged by, from the workflow files. Files that do not load leave every
/// split judged by conversion, with a warning: the report still shows every other figure.
fn split_metrics(ctx: &Context) -> SplitMetrics {
    let loaded = ctx
        .load_rules()
        .and_then(|segments| ctx.load_workflows(&segments));
    match loaded {
        Ok(workflows) => workflows
            .split_metrics()
            .into_iter()
            .map(|(workflow, split, metric)| ((workflow, split), metric))
            .collect(),
        Err(_) => {
            eprintln!(
                "warning: the rule or workflow files do not load (run `segflow check`), so every A/B split is judged by conversion"
            );
            SplitMetrics::new()
        }
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A money cell: the column heading names the currency.
fn money(m: Money) -> String {
    m.format_number()
}

fn print_text(report: &Report) {
    println!(
        "{}: {}. Amounts in {}.\n",
        report.shop,
        report.period.describe(),
        report.currency
    );
    let c = &report.currency;
    let headings = [
        "rank".to_string(),
        "segment".into(),
        "members".into(),
        "share".into(),
        format!("revenue {c}"),
        "rev share".into(),
        format!("AOV {c}"),
        "orders/cust".into(),
        "repeat".into(),
        format!("avg CLV {c}"),
        "churn".into(),
        "open".into(),
        "click".into(),
        "growth".into(),
        format!("at stake {c}/yr"),
    ];
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    let mut t = Table::new(&headings, &[0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    for s in &report.segments {
        t.row(vec![
            s.rank.to_string(),
            s.segment.clone(),
            s.members.to_string(),
            pct(s.share),
            money(s.revenue),
            pct(s.revenue_share),
            money(s.aov),
            format!("{:.2}", s.orders_per_customer),
            pct(s.repeat_rate),
            s.avg_predicted_clv.map_or("-".into(), money),
            s.avg_churn_risk.map_or("-".into(), pct),
            with_machines(pct(s.open_rate), pct(s.open_rate_all)),
            with_machines(pct(s.click_rate), pct(s.click_rate_all)),
            format!("{:+.1}%", s.growth * 100.0),
            s.value_at_stake.map_or("-".into(), money),
        ]);
    }
    print!("{}", t.render());
    if report
        .segments
        .iter()
        .any(|s| s.open_rate != s.open_rate_all || s.click_rate != s.click_rate_all)
    {
        println!("{MACHINES}");
    }
    println!(
        "\nat stake = the members' yearly spend weighted by their churn risk: the revenue a year \
         the segment is expected to lose if nothing is done.\nRanked by how much more is at \
         stake than in as many average customers:"
    );
    for s in &report.segments {
        println!("{:>4}. {}: {}", s.rank, s.segment, s.reason);
    }
    println!();
    let revenue = format!("revenue {c}");
    let mut w = Table::new(
        &[
            "workflow",
            "step",
            "entered",
            "sent",
            "queued",
            "held",
            "skipped",
            "failed",
            "bounced",
            "soft",
            "complaints",
            "opened",
            "clicked",
            "converted",
            "conv rate",
            "orders",
            &revenue,
        ],
        &[2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
    );
    for wf in &report.workflows {
        for s in std::iter::once(&wf.totals).chain(&wf.steps) {
            w.row(vec![
                wf.workflow.clone(),
                if s.step.is_empty() {
                    "(all)".into()
                } else {
                    s.step.clone()
                },
                s.entered.to_string(),
                s.sent.to_string(),
                s.queued.to_string(),
                s.held.to_string(),
                s.skipped.to_string(),
                s.failed.to_string(),
                s.hard_bounces.to_string(),
                s.soft_bounces.to_string(),
                s.complaints.to_string(),
                with_machines(s.opened.to_string(), s.opened_all.to_string()),
                with_machines(s.clicked.to_string(), s.clicked_all.to_string()),
                s.converted.to_string(),
                pct(s.conversion_rate),
                s.attributed_orders.to_string(),
                money(s.attributed_revenue),
            ]);
        }
    }
    print!("{}", w.render());
    let machines =
        |s: &crate::report::StepReport| s.opened != s.opened_all || s.clicked != s.clicked_all;
    if report
        .workflows
        .iter()
        .any(|wf| std::iter::once(&wf.totals).chain(&wf.steps).any(machines))
    {
        println!("{MACHINES}");
    }
    for s in &report.splits {
        println!("\nsplit {} / {}", s.workflow, s.split);
        for a in &s.arms {
            println!("  {}", split_text::arm_line(a, c));
        }
        for comparison in &s.comparisons {
            println!("  {}", split_text::comparison_line(comparison, c));
        }
    }
}

const MACHINES: &str = "open and click figures count people; in brackets with the opens and clicks of privacy proxies and link scanners";

/// A person-only figure, with the figure that counts machines too in brackets when it differs:
/// `12 (15)`. Privacy proxies and link scanners open and click without a person.
fn with_machines(people: String, all: String) -> String {
    if people == all {
        people
    } else {
        format!("{people} ({all})")
    }
}
