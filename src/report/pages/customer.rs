//! The Customer page (profile, scores with what each means, a timeline of orders, events,
//! emails and segment entries and exits) and the search that leads to it. Served by the daemon
//! only: a static export would need a file per customer.

use std::fmt::Write;

use super::super::money::Money;
use super::super::svg::escape;
use super::{layout, note, Page, Site};
use crate::store::reports::customer::{Happening, Profile, Scores};

/// The link to a customer's page.
pub fn customer_href(external_id: &str) -> String {
    let id: String = url::form_urlencoded::byte_serialize(external_id.as_bytes()).collect();
    format!("/dashboard/customer?id={id}")
}

/// A table of customers, (external id, email, name), each linked to their page.
pub fn customer_table(body: &mut String, customers: &[(String, Option<String>, String)]) {
    body.push_str("<table><tr><th class=\"l\">id</th><th class=\"l\">email</th><th class=\"l\">name</th></tr>");
    for (id, email, name) in customers {
        let _ = write!(
            body,
            "<tr><td class=\"l\"><a href=\"{}\">{}</a></td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
            escape(&customer_href(id)),
            escape(id),
            escape(email.as_deref().unwrap_or("")),
            escape(name)
        );
    }
    body.push_str("</table>");
}

/// The search form and its results: (external id, email, name).
pub fn customer_search_page(
    site: &Site,
    shop: &str,
    query: &str,
    found: &[(String, Option<String>, String)],
) -> String {
    let mut body = format!(
        "<form method=\"get\" action=\"/dashboard/customers\"><label>Find a customer by id, email or name <input type=\"search\" name=\"q\" value=\"{}\" autofocus></label> <button type=\"submit\">Search</button></form>",
        escape(query)
    );
    if !query.is_empty() {
        if found.is_empty() {
            body.push_str(&note("No customer matches; customers come from `segflow import customers FILE` or the daemon's /v1/customers."));
        } else {
            customer_table(&mut body, found);
        }
    }
    layout(
        site,
        Page::Customers,
        shop,
        "Every customer of the store, by their id.",
        &body,
    )
}

/// What a customer's page shows.
pub struct CustomerView<'a> {
    pub profile: &'a Profile,
    pub scores: Option<&'a Scores>,
    pub segments: &'a [String],
    pub timeline: &'a [Happening],
    pub currency: &'a str,
    pub date: &'a dyn Fn(i64) -> String,
}

fn score_rows(s: &Scores, currency: &str) -> Vec<(&'static str, String, &'static str)> {
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| {
        v.filter(|x| x.is_finite()).map_or("-".into(), f)
    };
    let money = |v: f64| Money::from_major(v).format(currency);
    let pct = |v: f64| format!("{:.0}%", v * 100.0);
    vec![
        (
            "lifecycle",
            s.lifecycle.clone(),
            "the stage by recency and order count ([lifecycle] in segflow.toml)",
        ),
        (
            "RFM",
            format!(
                "R {} F {} M {}",
                s.rfm_r.map_or("-".into(), |v| v.to_string()),
                s.rfm_f.map_or("-".into(), |v| v.to_string()),
                s.rfm_m.map_or("-".into(), |v| v.to_string())
            ),
            "recency, frequency and monetary quintiles among buyers, 5 the best",
        ),
        (
            "RFM group",
            s.rfm_group.clone().unwrap_or_else(|| "-".into()),
            "the named group of the RFM scores",
        ),
        (
            "probability alive",
            opt(s.p_alive, &pct),
            "how likely the customer still buys (BG/NBD model)",
        ),
        (
            "orders in 90 days",
            opt(s.purchases_90d, &|v| format!("{v:.2}")),
            "expected orders in the next 90 days (BG/NBD)",
        ),
        (
            "predicted AOV",
            opt(s.predicted_aov, &money),
            "expected value of a future order (Gamma-Gamma)",
        ),
        (
            "predicted CLV",
            opt(s.predicted_clv, &money),
            "expected spend over the CLV horizon, 12 months by default",
        ),
        (
            "churn risk",
            opt(s.churn_risk, &pct),
            "1 − probability alive",
        ),
    ]
}

pub fn customer_page(site: &Site, shop: &str, v: &CustomerView) -> String {
    let p = v.profile;
    let date = v.date;
    let mut body = String::from("<div class=\"grid2\"><div><h2>Profile</h2><table>");
    let opt = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
    for (k, val) in [
        ("id", p.external_id.clone()),
        (
            "name",
            if p.name.is_empty() {
                "-".into()
            } else {
                p.name.clone()
            },
        ),
        ("email", opt(&p.email)),
        ("signed up", p.created_at.map_or("-".into(), date)),
        ("birthday", p.birthday.map_or("-".into(), date)),
        ("gender", opt(&p.gender)),
        (
            "place",
            if p.place.is_empty() {
                "-".into()
            } else {
                p.place.clone()
            },
        ),
        (
            "accepts marketing",
            p.accepts_marketing
                .map_or("-".into(), |b| if b { "yes".into() } else { "no".into() }),
        ),
        ("tags", p.tags.clone()),
        ("attributes", p.attributes.clone()),
        (
            "segments now",
            if v.segments.is_empty() {
                "none".into()
            } else {
                v.segments.join(", ")
            },
        ),
    ] {
        let _ = write!(
            body,
            "<tr><th class=\"l\">{k}</th><td class=\"l wrap\">{}</td></tr>",
            escape(&val)
        );
    }
    body.push_str("</table></div><div><h2>Scores</h2>");
    match v.scores {
        None => body.push_str(&note("No scores yet: run `segflow model fit`.")),
        Some(s) => {
            let _ = write!(body, "<p class=\"note\">Computed {}.</p><table><tr><th class=\"l\">score</th><th>value</th><th class=\"l\">what it means</th></tr>", escape(&date(s.computed_at)));
            for (k, val, meaning) in score_rows(s, v.currency) {
                let _ = write!(
                    body,
                    "<tr><td class=\"l\">{k}</td><td>{}</td><td class=\"l wrap\">{meaning}</td></tr>",
                    escape(&val)
                );
            }
            body.push_str("</table>");
        }
    }
    body.push_str("</div></div><h2>Timeline</h2>");
    if v.timeline.is_empty() {
        body.push_str(&note(
            "Nothing has happened yet: no orders, events, emails or segment changes.",
        ));
    } else {
        body.push_str("<table><tr><th class=\"l\">when (UTC)</th><th class=\"l\">what</th><th class=\"l\"></th><th>amount</th><th class=\"l\">detail</th></tr>");
        for h in v.timeline {
            let kind = match h.kind.as_str() {
                "entered" => "entered segment",
                "exited" => "left segment",
                other => other,
            };
            let when = chrono::DateTime::from_timestamp_millis(h.at)
                .map_or(h.at.to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string());
            let _ = write!(
                body,
                "<tr class=\"{}\"><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td class=\"l wrap\">{}</td></tr>",
                escape(&h.kind),
                escape(&when),
                escape(kind),
                escape(&h.what),
                h.amount.map_or(String::new(), |m| escape(&Money::from_minor(m as f64).format(v.currency))),
                escape(&h.detail)
            );
        }
        body.push_str("</table>");
    }
    let subtitle = format!("Customer {}", p.external_id);
    layout(site, Page::Customers, shop, &subtitle, &body)
}
