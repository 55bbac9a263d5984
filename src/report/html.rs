//! The report as ONE self-contained HTML page (`segflow report --html FILE.html`): inline CSS
//! and SVG, no scripts, fonts or network references, every merchant-controlled text escaped.
//! Its charts and tables are the dashboard's (`report::pages::parts`).

use super::pages::{parts, STYLE};
use super::svg::escape;
use super::Report;

/// Renders the whole report.
pub fn render_html(report: &Report) -> String {
    let date = |ms: i64| super::utc(ms).chars().take(10).collect::<String>();
    let mut body = format!(
        "<p class=\"period\">{}: {}. Amounts in {}.</p>",
        escape(&report.shop),
        escape(&report.period.describe()),
        escape(&report.currency)
    );
    for (title, part) in [
        ("Segment sizes", parts::sizes(report, &date)),
        ("RFM grid (recency × frequency)", parts::rfm(report)),
        ("Lifecycle", parts::lifecycle(report)),
        (
            &*format!("Predicted CLV ({})", escape(&report.currency)),
            parts::clv(report),
        ),
        (
            "Segments, ranked by what is at stake",
            parts::segment_table(report),
        ),
        ("Workflow funnels", parts::funnels(report)),
        ("A/B splits", parts::splits(report)),
    ] {
        body.push_str(&format!("<h2>{title}</h2>{part}"));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>segflow report: {shop}</title><style>{STYLE}</style></head><body><main><h1>segflow report: {shop}</h1>{body}</main></body></html>\n",
        shop = escape(&report.shop)
    )
}
