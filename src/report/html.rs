//! The report as ONE self-contained HTML page: inline CSS and SVG, no scripts, fonts or
//! network references, every merchant-controlled text escaped.

use std::fmt::Write;

use super::money::Money;
use super::split_text;
use super::svg::{bars, escape, heat_map, histogram, lines};
use super::Report;

fn note(text: &str) -> String {
    format!("<p class=\"note\">{}</p>", escape(text))
}

/// Renders the whole report.
pub fn render_html(report: &Report) -> String {
    let c = &report.charts;
    let currency = report.currency.as_str();
    let money = |m: Money| escape(&m.format(currency));
    let mut body = String::new();
    let _ = write!(
        body,
        "<p class=\"period\">{}: {}. Amounts in {}.</p>",
        escape(&report.shop),
        escape(&report.period.describe()),
        escape(currency)
    );
    body.push_str("<h2>Segment sizes over time</h2>");
    body.push_str(&if c.sizes.is_empty() {
        note("No segment sizes recorded yet: run `segflow refresh`.")
    } else {
        lines("segment-sizes", &c.sizes)
    });
    body.push_str("<h2>RFM grid (recency × frequency)</h2>");
    body.push_str(&if c.rfm.is_empty() {
        note("No RFM scores yet: run `segflow model fit`.")
    } else {
        let cells: Vec<_> = c.rfm.iter().map(|x| (x.r, x.f, x.customers)).collect();
        heat_map("rfm-grid", &cells, "R", "F")
    });
    body.push_str("<h2>Lifecycle</h2>");
    body.push_str(&if c.lifecycle.is_empty() {
        note("No lifecycle stages yet: run `segflow model fit`.")
    } else {
        let items: Vec<_> = c
            .lifecycle
            .iter()
            .map(|(l, n)| (l.clone(), *n as f64))
            .collect();
        bars("lifecycle", &items)
    });
    let _ = write!(
        body,
        "<h2>Predicted CLV (customers per band, {})</h2>",
        escape(currency)
    );
    body.push_str(&if c.clv.is_empty() {
        note("No predicted CLV yet: run `segflow model fit`.")
    } else {
        histogram("clv", &c.clv, 10, |x| Money::from_major(x).format_number())
    });
    body.push_str("<h2>Segments, ranked by what is at stake</h2>");
    body.push_str(&note("Value at stake: the members' yearly spend weighted by their churn risk, the revenue a year the segment is expected to lose if nothing is done. Segments are ranked by how much more is at stake than in as many average customers."));
    body.push_str("<table><tr><th>rank</th><th>segment</th><th>members</th><th>share</th><th>revenue</th><th>AOV</th><th>avg CLV</th><th>churn risk</th><th>repeat rate</th><th>open rate</th><th>click rate</th><th>growth</th><th>value at stake / year</th><th class=\"why\">why</th></tr>");
    for s in &report.segments {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.1}%</td><td>{:+.1}%</td><td>{}</td><td class=\"why\">{}</td></tr>",
            s.rank,
            escape(&s.segment),
            s.members,
            s.share * 100.0,
            money(s.revenue),
            money(s.aov),
            s.avg_predicted_clv.map_or("-".into(), money),
            s.avg_churn_risk.map_or("-".into(), |x| format!("{:.1}%", x * 100.0)),
            s.repeat_rate * 100.0,
            s.open_rate * 100.0,
            s.click_rate * 100.0,
            s.growth * 100.0,
            s.value_at_stake.map_or("-".into(), money),
            escape(&s.reason)
        );
    }
    body.push_str("</table><h2>Workflow funnels</h2>");
    if report.workflows.is_empty() {
        body.push_str(&note("No journeys or sends yet."));
    }
    for w in &report.workflows {
        let t = &w.totals;
        let items = vec![
            ("entered".to_string(), t.entered as f64),
            ("sent".to_string(), t.sent as f64),
            ("queued".to_string(), t.queued as f64),
            ("held".to_string(), t.held as f64),
            ("opened".to_string(), t.opened as f64),
            ("clicked".to_string(), t.clicked as f64),
            ("converted".to_string(), t.converted as f64),
        ];
        let _ = write!(
            body,
            "<h3>{}</h3>{}<p>conversion rate {:.1}%, {} attributed orders worth {}; {} hard \
             bounces, {} soft bounces, {} spam complaints reported</p>",
            escape(&w.workflow),
            bars(&format!("funnel-{}", w.workflow), &items),
            t.conversion_rate * 100.0,
            t.attributed_orders,
            money(t.attributed_revenue),
            t.hard_bounces,
            t.soft_bounces,
            t.complaints
        );
    }
    body.push_str("<h2>A/B splits</h2>");
    if report.splits.is_empty() {
        body.push_str(&note("No split has assigned a variant yet."));
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
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>segflow report: {shop}</title><style>body{{font-family:sans-serif;margin:2em;max-width:110em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap}}.why{{white-space:normal;min-width:24em}}td:nth-child(2),.why{{text-align:left}}.note{{color:#777}}</style></head><body><h1>segflow report: {shop}</h1>{body}</body></html>\n",
        shop = escape(&report.shop)
    )
}
