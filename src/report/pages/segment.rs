//! One segment's page (served by the daemon): its figures and rank, who its members are beside
//! all customers, the products they buy more than others (by lift), and its members linking to
//! their profiles.

use std::fmt::Write;

use super::super::dashboard::{SegmentProfile, MIN_SUPPORT};
use super::super::svg::{bars, escape};
use super::customer::customer_table;
use super::{layout, note, subtitle, Dashboard, Page, Site};

fn breakdown(
    name: &str,
    title: &str,
    shares: &[super::super::dashboard::segment_profile::Share],
) -> String {
    let items: Vec<(String, f64, String)> = shares
        .iter()
        .map(|s| {
            (
                s.value.clone(),
                s.segment * 100.0,
                format!("{:.0}% (all: {:.0}%)", s.segment * 100.0, s.all * 100.0),
            )
        })
        .collect();
    bars(
        name,
        title,
        &items,
        "share of the segment's members, % (in brackets: of all customers)",
        false,
    )
}

/// The page of `p`, with up to 200 of its `members` (external id, email, name).
pub fn segment_page(
    site: &Site,
    d: &Dashboard,
    p: &SegmentProfile,
    members: &[(String, Option<String>, String)],
) -> String {
    let mut body = String::new();
    if let Some(s) = d.report.segments.iter().find(|s| s.segment == p.segment) {
        let _ = write!(
            body,
            "<p>Rank {} by priority: {}</p><p>{} members ({:.1}% of {} customers), revenue {} in the report's period, AOV {}.</p>",
            s.rank,
            escape(&s.reason),
            p.members,
            s.share * 100.0,
            p.customers,
            escape(&s.revenue.format(&d.report.currency)),
            escape(&s.aov.format(&d.report.currency))
        );
    }
    if p.members == 0 {
        body.push_str(&note("The segment has no members: run `segflow refresh`, or check its rule with `segflow explain NAME`."));
    } else {
        let _ = write!(
            body,
            "<h2>Who they are</h2><div class=\"grid2\"><div>{}</div><div>{}</div><div>{}</div></div>",
            breakdown("segment-age", "Members per age band", &p.age),
            breakdown("segment-gender", "Members per gender", &p.gender),
            breakdown("segment-country", "Members per country", &p.country)
        );
        let _ = write!(body, "<h2>What they buy</h2>{}", note(&format!("Products ranked by lift: the share of members who bought one ÷ the share of all customers who did; only products at least {MIN_SUPPORT} members bought.")));
        if p.products.is_empty() {
            body.push_str(&note(&format!(
                "No product was bought by {MIN_SUPPORT} or more members yet."
            )));
        } else {
            body.push_str("<table><tr><th class=\"l\">product</th><th class=\"l\">category</th><th>members who bought</th><th>of members</th><th>of all customers</th><th>lift</th></tr>");
            for x in &p.products {
                let _ = write!(
                    body,
                    "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{:.2}×</td></tr>",
                    escape(&x.product),
                    escape(&x.category),
                    x.members,
                    x.member_share * 100.0,
                    x.all_share * 100.0,
                    x.lift
                );
            }
            body.push_str("</table>");
        }
        let _ = write!(body, "<h2>Members</h2><p class=\"note\">The first {} by id; <a href=\"{}\">search all customers</a>.</p>", members.len(), escape(&site.href(Page::Customers)));
        customer_table(&mut body, members);
    }
    let page = layout(site, Page::Segments, &d.report.shop, &subtitle(d), &body);
    // The heading names the segment, not only the section.
    page.replacen(
        "<h1>Segments</h1>",
        &format!("<h1>Segment {}</h1>", escape(&p.segment)),
        1,
    )
}

/// The link to a segment's page.
pub fn segment_href(name: &str) -> String {
    let n: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("/dashboard/segment?name={n}")
}
