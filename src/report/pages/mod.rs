//! The dashboard's pages as HTML: Overview, Cohorts, Segments, Campaigns and a Customer's
//! profile. The daemon serves them under `/dashboard` (`daemon::http::dashboard`) and
//! `segflow report --html DIR` writes them as linked static files; both call these functions,
//! which only render figures computed in `report` and `report::dashboard`.
//!
//! Pages carry no script and load nothing from elsewhere: inline CSS and server-side SVG.

mod cohorts;
pub mod customer;
mod overview;
pub mod parts;
mod segment;

use std::fmt::Write;

use super::dashboard::{Calendar, Cohorts, Overlap, Overview};
use super::svg::escape;
use super::Report;

pub use cohorts::cohorts_page;
pub use customer::{customer_href, customer_page, customer_search_page, CustomerView};
pub use overview::overview_page;
pub use segment::{segment_href, segment_page};

/// Where the pages live: served by the daemon (links to `/dashboard/…`, a search box, a
/// sign-out button) or written as files side by side (links to `….html`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    /// `csrf` is the session's token the sign-out form carries.
    Served {
        csrf: String,
    },
    Static,
}

/// The pages in the navigation, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Overview,
    Cohorts,
    Segments,
    Campaigns,
    Customers,
}

impl Page {
    pub const ALL: [Page; 5] = [
        Page::Overview,
        Page::Cohorts,
        Page::Segments,
        Page::Campaigns,
        Page::Customers,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Page::Overview => "Overview",
            Page::Cohorts => "Cohorts",
            Page::Segments => "Segments",
            Page::Campaigns => "Campaigns",
            Page::Customers => "Customers",
        }
    }

    /// The path under `/dashboard/`, and the static file's stem.
    pub fn slug(self) -> &'static str {
        match self {
            Page::Overview => "overview",
            Page::Cohorts => "cohorts",
            Page::Segments => "segments",
            Page::Campaigns => "campaigns",
            Page::Customers => "customers",
        }
    }
}

impl Site {
    pub fn href(&self, page: Page) -> String {
        match self {
            Site::Served { .. } => format!("/dashboard/{}", page.slug()),
            Site::Static => format!("{}.html", page.slug()),
        }
    }
}

/// The figures every page reads: the report over its period, and the overview and cohorts up
/// to its `now`.
pub struct Dashboard {
    pub report: Report,
    pub overview: Overview,
    pub cohorts: Cohorts,
    /// The segments' overlap, in the report's order (by priority).
    pub overlap: Overlap,
    pub calendar: Calendar,
}

/// The style of every page and of the single report page.
pub const STYLE: &str = "body{font-family:sans-serif;margin:0;color:#222;background:#fafafa}main{padding:1em 2em;max-width:110em}nav{background:#27374d;padding:.6em 2em;display:flex;gap:1.4em;align-items:center;flex-wrap:wrap}nav a{color:#dde6ed;text-decoration:none}nav a.here{color:#fff;font-weight:bold;border-bottom:2px solid #f28e2b}nav form{margin-left:auto}svg.chart{max-width:100%;height:auto;background:#fff;border:1px solid #e4e4e4;margin:.4em 0}table{border-collapse:collapse;background:#fff;margin:.4em 0;font-size:.92em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap}th{background:#eef1f5}.why{white-space:normal}tr.reason td{border-top:0;color:#555;font-size:.9em;padding-bottom:.5em}td:nth-child(2),.why,td.l,th.l{text-align:left}.note{color:#666}.tiles{display:flex;gap:1em;flex-wrap:wrap}.tile{background:#fff;border:1px solid #e4e4e4;padding:.6em 1em;min-width:11em}.tile b{display:block;font-size:1.4em}.wide{overflow-x:auto;max-width:100%}td.wrap{white-space:normal;overflow-wrap:anywhere;max-width:36em}.up{color:#2b7a3d}.down{color:#b3261e}.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(36em,1fr));gap:0 1.5em}";

pub fn note(text: &str) -> String {
    format!("<p class=\"note\">{}</p>", escape(text))
}

/// A whole page: the navigation with `active` marked, then `body`.
pub fn layout(site: &Site, active: Page, shop: &str, subtitle: &str, body: &str) -> String {
    let mut nav = String::from("<nav><b style=\"color:#fff\">segflow</b>");
    for page in Page::ALL {
        if page == Page::Customers && *site == Site::Static {
            continue;
        }
        let _ = write!(
            nav,
            "<a href=\"{}\"{}>{}</a>",
            escape(&site.href(page)),
            if page == active {
                " class=\"here\""
            } else {
                ""
            },
            page.title()
        );
    }
    if let Site::Served { csrf } = site {
        let _ = write!(
            nav,
            "<form method=\"post\" action=\"/dashboard/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Sign out</button></form>",
            escape(csrf)
        );
    }
    nav.push_str("</nav>");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{title} · {shop} · segflow</title><style>{STYLE}</style></head><body>{nav}<main><h1>{title}</h1><p class=\"period\">{sub}</p>{body}</main></body></html>\n",
        title = active.title(),
        shop = escape(shop),
        sub = escape(subtitle)
    )
}

fn subtitle(d: &Dashboard) -> String {
    format!(
        "{}: figures up to {}, in {} (shop time zone for weeks and months).",
        d.report.shop, d.report.period.until, d.report.currency
    )
}

pub fn segments_page(site: &Site, d: &Dashboard) -> String {
    let r = &d.report;
    let date = |ms: i64| d.calendar.date_label(ms);
    let links = match site {
        Site::Served { .. } if !r.segments.is_empty() => {
            let names: Vec<String> = r
                .segments
                .iter()
                .map(|s| {
                    format!(
                        "<a href=\"{}\">{}</a>",
                        escape(&segment_href(&s.segment)),
                        escape(&s.segment)
                    )
                })
                .collect();
            format!(
                "<p>Open a segment (who they are, what they buy, its members): {}</p>",
                names.join(" · ")
            )
        }
        _ => String::new(),
    };
    let body = format!(
        "<p class=\"note\">Period {}.</p>{links}<h2>Segments ranked by priority</h2>{}<h2>Segment sizes</h2>{}<h2>Overlap</h2>{}<div class=\"grid2\"><div><h2>RFM grid</h2>{}</div><div><h2>Lifecycle stages</h2>{}</div></div><h2>Predicted CLV</h2>{}",
        escape(&r.period.describe()),
        parts::segment_table(r),
        parts::sizes(r, &date),
        parts::overlap(&d.overlap),
        parts::rfm(r),
        parts::lifecycle(r),
        parts::clv(r)
    );
    layout(site, Page::Segments, &r.shop, &subtitle(d), &body)
}

pub fn campaigns_page(site: &Site, d: &Dashboard) -> String {
    let r = &d.report;
    let body = format!(
        "<p class=\"note\">Period {}; revenue attributed last touch within {} days of a delivered message.</p><h2>Workflows</h2>{}<h2>A/B splits</h2>{}",
        escape(&r.period.describe()),
        r.options.attribution_window / super::DAY_MS,
        parts::funnels(r),
        parts::splits(r)
    );
    layout(site, Page::Campaigns, &r.shop, &subtitle(d), &body)
}

/// Reads every figure of the pages: the report over `options`, the overview (26 weeks, 13
/// months) and 24 monthly cohorts up to `options.now`, in the shop's time zone.
pub fn build_dashboard(
    conn: &rusqlite::Connection,
    options: &super::ReportOptions,
    shop: &crate::config::ShopConfig,
    metrics: &super::SplitMetrics,
) -> rusqlite::Result<Dashboard> {
    let calendar = Calendar::new(&shop.timezone);
    let purchases = super::dashboard::Purchases::load(conn, options.now)?;
    let report = super::build(conn, options, shop, metrics)?;
    let names: Vec<String> = report.segments.iter().map(|s| s.segment.clone()).collect();
    let overlap = super::dashboard::overlap(&names, &crate::store::reports::overlap::pairs(conn)?);
    Ok(Dashboard {
        report,
        overlap,
        overview: super::dashboard::overview(
            &purchases,
            &calendar,
            &super::dashboard::OverviewOptions::new(options.now),
        ),
        cohorts: super::dashboard::cohorts(&purchases, &calendar, options.now, 24),
        calendar,
    })
}

/// The static export: each page's file name and HTML, `index.html` being the overview.
pub fn static_files(d: &Dashboard) -> Vec<(&'static str, String)> {
    let site = Site::Static;
    let overview = overview_page(&site, d);
    vec![
        ("index.html", overview.clone()),
        ("overview.html", overview),
        ("cohorts.html", cohorts_page(&site, d)),
        ("segments.html", segments_page(&site, d)),
        ("campaigns.html", campaigns_page(&site, d)),
    ]
}
