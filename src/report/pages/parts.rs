//! The charts and tables of the report's figures, shared by the single report page
//! (`report::html`) and the dashboard's Segments and Campaigns pages, so both show the same.

use std::fmt::Write;

use super::super::money::Money;
use super::super::split_text;
use super::super::svg::{bars, columns, escape, heat_map, log_bands, time_chart, HeatMap, Series};
use super::super::Report;
use super::note;

/// Today's size of every segment as a bar, all names shown; then, when some segment has a size
/// history of two or more points, the eight largest over time.
pub fn sizes(report: &Report, date: &dyn Fn(i64) -> String) -> String {
    let c = &report.charts;
    if c.sizes.is_empty() {
        return note("No segment sizes recorded yet: run `segflow refresh` (or `segflow refresh --history` for past weeks).");
    }
    let mut latest: Vec<(String, f64, String, i64)> = c
        .sizes
        .iter()
        .filter_map(|(name, points)| {
            let (at, n) = points.last()?;
            Some((name.clone(), *n as f64, format!("{n}"), *at))
        })
        .collect();
    latest.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let newest = latest.iter().map(|l| l.3).max().unwrap_or(0);
    let items: Vec<(String, f64, String)> = latest
        .iter()
        .map(|l| (l.0.clone(), l.1, l.2.clone()))
        .collect();
    let mut out = bars(
        "segment-sizes",
        "Members per segment",
        &items,
        &format!("members at the latest refresh ({})", date(newest)),
        false,
    );
    let histories: Vec<&String> = latest
        .iter()
        .map(|l| &l.0)
        .filter(|name| c.sizes.iter().any(|(n, p)| n == *name && p.len() >= 2))
        .take(8)
        .collect();
    if histories.is_empty() {
        out.push_str(&note("Each segment has one recorded size so far; run `segflow refresh --history` to fill in past weeks, or refresh on a schedule."));
        return out;
    }
    let series: Vec<Series> = histories
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let (_, points) = c.sizes.iter().find(|(n, _)| n == *name)?;
            Some(Series {
                name: (*name).clone(),
                points: points.iter().map(|(t, n)| (*t, *n as f64)).collect(),
                color: i,
                dashed: false,
            })
        })
        .collect();
    let _ = write!(
        out,
        "<h3>Size over time{}</h3>",
        if latest.len() > series.len() {
            format!(
                " (the {} largest of {} segments)",
                series.len(),
                latest.len()
            )
        } else {
            String::new()
        }
    );
    out.push_str(&time_chart(
        "segment-history",
        "Segment size over time",
        &series,
        ("date of the refresh", date),
        ("members", &|v| format!("{v:.0}")),
    ));
    out
}

/// The share of each segment's members (rows, by priority) who are also in each other segment.
pub fn overlap(o: &super::super::dashboard::Overlap) -> String {
    if o.members.iter().all(|m| *m == 0) {
        return note("No segment has members yet: run `segflow refresh`.");
    }
    let rows: Vec<String> = o
        .segments
        .iter()
        .zip(&o.members)
        .map(|(s, m)| format!("{s} ({m})"))
        .collect();
    let cells: Vec<Vec<Option<f64>>> = (0..o.segments.len())
        .map(|i| {
            (0..o.segments.len())
                .map(|j| (o.members[i] > 0).then(|| o.share(i, j) * 100.0))
                .collect()
        })
        .collect();
    // Columns are numbered by the rows' order; the row labels name them.
    let columns: Vec<String> = (1..=o.segments.len()).map(|i| i.to_string()).collect();
    let numbered: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{} {r}", i + 1))
        .collect();
    heat_map(
        "segment-overlap",
        "Share of each segment's members also in another segment",
        &HeatMap {
            rows: &numbered,
            columns: &columns,
            cells: &cells,
            row_title: "segment (members), by priority",
            column_title: "also a member of segment number …",
            value: &|v| format!("{v:.0}%"),
            unit: "share of the row's members, %",
        },
    ) + &note("Read a row: of that segment's members, the share who are also in the segment numbered above each column (the diagonal is 100%).")
}

/// The RFM grid: recency score rows (5, the most recent, on top) × frequency score columns.
pub fn rfm(report: &Report) -> String {
    let c = &report.charts;
    if c.rfm.is_empty() {
        return note("No RFM scores yet: run `segflow model fit`.");
    }
    let rows: Vec<String> = (1..=5).rev().map(|r| format!("R {r}")).collect();
    let columns: Vec<String> = (1..=5).map(|f| format!("F {f}")).collect();
    let mut cells = vec![vec![None; 5]; 5];
    for cell in &c.rfm {
        if (1..=5).contains(&cell.r) && (1..=5).contains(&cell.f) {
            cells[(5 - cell.r) as usize][(cell.f - 1) as usize] = Some(cell.customers as f64);
        }
    }
    heat_map(
        "rfm-grid",
        "Customers per recency and frequency score",
        &HeatMap {
            rows: &rows,
            columns: &columns,
            cells: &cells,
            row_title: "recency score (5 = bought most recently)",
            column_title: "frequency score (5 = most orders)",
            value: &|v| format!("{v:.0}"),
            unit: "customers",
        },
    )
}

pub fn lifecycle(report: &Report) -> String {
    let c = &report.charts;
    if c.lifecycle.is_empty() {
        return note("No lifecycle stages yet: run `segflow model fit`.");
    }
    let items: Vec<_> = c
        .lifecycle
        .iter()
        .map(|(l, n)| (l.clone(), *n as f64, n.to_string()))
        .collect();
    bars(
        "lifecycle",
        "Customers per lifecycle stage",
        &items,
        "customers",
        true,
    )
}

/// Predicted CLV on 1-2-5 bands, so every order of magnitude has its own bar.
pub fn clv(report: &Report) -> String {
    let c = &report.charts;
    if c.clv.is_empty() {
        return note("No predicted CLV yet: run `segflow model fit`.");
    }
    let currency = &report.currency;
    let bands = log_bands(&c.clv, |x| {
        super::super::svg::compact(Money::from_major(x).rounded())
    });
    columns(
        "clv",
        "Customers per predicted CLV band",
        &bands,
        &format!("predicted CLV, {currency} (bands on a 1-2-5 scale)"),
        "customers",
    )
}

pub fn segment_table(report: &Report) -> String {
    let currency = report.currency.as_str();
    let money = |m: Money| escape(&m.format(currency));
    let mut body = note("Priority: segments are ranked by their value at stake, the members' yearly spend weighted by their churn risk (the revenue a year the segment is expected to lose if nothing is done), less that of as many average customers; the reason is given for each.");
    body.push_str("<div class=\"wide\"><table><tr><th>rank</th><th>segment</th><th>members</th><th>share</th><th>revenue</th><th>revenue share</th><th>AOV</th><th>avg CLV</th><th>churn risk</th><th>repeat rate</th><th>open rate</th><th>click rate</th><th>growth</th><th>value at stake / year</th></tr>");
    for s in &report.segments {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{}</td><td>{:.1}%</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{:+.1}%</td><td>{}</td></tr><tr class=\"reason\"><td></td><td colspan=\"13\" class=\"why\">why rank {}: {}</td></tr>",
            s.rank,
            escape(&s.segment),
            s.members,
            s.share * 100.0,
            money(s.revenue),
            s.revenue_share * 100.0,
            money(s.aov),
            s.avg_predicted_clv.map_or("-".into(), money),
            s.avg_churn_risk.map_or("-".into(), |x| format!("{:.1}%", x * 100.0)),
            s.repeat_rate * 100.0,
            s.open_rate * 100.0,
            s.click_rate * 100.0,
            s.growth * 100.0,
            s.value_at_stake.map_or("-".into(), money),
            s.rank,
            escape(&s.reason)
        );
    }
    body.push_str("</table></div>");
    if report.segments.is_empty() {
        body.push_str(&note(
            "No segments have members yet: run `segflow refresh`.",
        ));
    }
    body
}

/// A funnel per workflow: each stage's customers or messages with its share of those who
/// entered, then the per-step table.
pub fn funnels(report: &Report) -> String {
    let currency = report.currency.as_str();
    let money = |m: Money| escape(&m.format(currency));
    let mut body = String::new();
    if report.workflows.is_empty() {
        body.push_str(&note("No journeys or sends in the period yet: run `segflow workflows run` (or `segflow run`) and `segflow send`."));
    }
    for w in &report.workflows {
        let t = &w.totals;
        let of = |n: u64| {
            if t.entered == 0 {
                n.to_string()
            } else {
                format!("{n} ({:.1}%)", n as f64 * 100.0 / t.entered as f64)
            }
        };
        let items: Vec<(String, f64, String)> = [
            ("entered", t.entered),
            ("messages sent", t.sent),
            ("opened (people)", t.opened),
            ("clicked (people)", t.clicked),
            ("converted", t.converted),
        ]
        .into_iter()
        .map(|(l, n)| (l.to_string(), n as f64, of(n)))
        .collect();
        let _ = write!(
            body,
            "<h3>{}</h3>{}<p>conversion rate {:.1}%, {} attributed orders worth {} ({} per message sent); {} messages queued, {} held by the sending policy, {} skipped, {} failed; {} hard bounces, {} soft bounces, {} spam complaints</p>",
            escape(&w.workflow),
            bars(&format!("funnel-{}", w.workflow), &format!("Funnel of {}", w.workflow), &items, "journeys or messages (share of entered)", false),
            t.conversion_rate * 100.0,
            t.attributed_orders,
            money(t.attributed_revenue),
            money(Money::from_major(super::super::ratio(t.attributed_revenue.major(), t.sent as f64))),
            t.queued,
            t.held,
            t.skipped,
            t.failed,
            t.hard_bounces,
            t.soft_bounces,
            t.complaints
        );
        body.push_str("<table><tr><th>step</th><th>entered</th><th>sent</th><th>open rate</th><th>click rate</th><th>converted</th><th>conversion rate</th><th>revenue per recipient</th><th>attributed revenue</th></tr>");
        let (sending, silent): (Vec<_>, Vec<_>) = w
            .steps
            .iter()
            .partition(|s| s.sent + s.queued + s.held + s.failed + s.skipped > 0);
        for s in sending {
            let rate = |n: u64| {
                format!(
                    "{:.1}%",
                    super::super::ratio(n as f64, s.sent as f64) * 100.0
                )
            };
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{}</td><td>{}</td></tr>",
                escape(&s.step),
                s.entered,
                s.sent,
                rate(s.opened),
                rate(s.clicked),
                s.converted,
                s.conversion_rate * 100.0,
                money(Money::from_major(super::super::ratio(s.attributed_revenue.major(), s.sent as f64))),
                money(s.attributed_revenue)
            );
        }
        body.push_str("</table>");
        if !silent.is_empty() {
            let names: Vec<&str> = silent.iter().map(|s| s.step.as_str()).collect();
            body.push_str(&note(&format!(
                "Steps that send nothing (waits, conditions, tags) are left out of the table: {}.",
                names.join(", ")
            )));
        }
    }
    body
}

pub fn splits(report: &Report) -> String {
    let currency = report.currency.as_str();
    let mut body = String::new();
    if report.splits.is_empty() {
        body.push_str(&note("No A/B split has assigned a variant yet: a workflow with a `split:` step assigns them as journeys reach it."));
    }
    for s in &report.splits {
        let _ = write!(
            body,
            "<h3>{} / {}</h3><ul>",
            escape(&s.workflow),
            escape(&s.split)
        );
        for a in &s.arms {
            let _ = write!(
                body,
                "<li>{}</li>",
                escape(&split_text::arm_line(a, currency))
            );
        }
        body.push_str("</ul>");
        for c in &s.comparisons {
            let _ = write!(
                body,
                "<p><b>{}</b></p>",
                escape(&split_text::comparison_line(c, currency))
            );
        }
    }
    body
}
