//! `segflow report` through the real binary over the hand-written shop: the text, the JSON and
//! the HTML page of one report show the same figures, each money figure in the shop's currency
//! (the CLV was once printed 100 times too small in the text and HTML), and segments are listed
//! by value at stake with the reason beside each rank.

mod cli_shop;

use cli_shop::{segflow, shop};
use serde_json::Value;

const NOW: &str = "2026-11-15T12:00:00Z";

/// `1234.5` as the report writes it: `1,234.50`.
fn grouped(x: f64) -> String {
    let text = format!("{:.2}", x.abs());
    let (whole, cents) = text.split_once('.').unwrap();
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::new();
    for (i, d) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*d);
    }
    format!("{}{out}.{cents}", if x < 0.0 { "-" } else { "" })
}

/// A shop with three segments, refreshed and scored, in a shop whose currency is EUR.
fn scored_shop() -> tempfile::TempDir {
    let dir = shop();
    std::fs::write(
        dir.path().join("segflow.toml"),
        "[shop]\nname = \"Shop & Co\"\ncurrency = \"EUR\"\n",
    )
    .unwrap();
    for (name, rule) in [
        ("buyers", "orders_count >= 1"),
        ("repeaters", "orders_count >= 2"),
        ("prospects", "orders_count == 0"),
    ] {
        std::fs::write(
            dir.path().join(format!("rules/{name}.yaml")),
            format!("segment: {name}\nwhere: {rule}\n"),
        )
        .unwrap();
    }
    for args in [&["model", "fit"][..], &["refresh"]] {
        let mut all = vec!["--now", NOW];
        all.extend_from_slice(args);
        let (code, _, err) = segflow(dir.path(), &all);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    dir
}

fn money(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn text_html_and_json_show_the_same_figures() {
    let dir = scored_shop();
    let (code, json, err) = segflow(dir.path(), &["--now", NOW, "report", "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&json).unwrap();
    let (code, text, err) = segflow(
        dir.path(),
        &["--now", NOW, "report", "--html", "report.html"],
    );
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();

    assert_eq!(report["shop"], "Shop & Co");
    assert_eq!(report["currency"], "EUR");
    let period = "2026-08-17 12:00 UTC to 2026-11-15 12:00 UTC (90 days)";
    assert!(
        text.starts_with(&format!("Shop & Co: {period}. Amounts in EUR.")),
        "{text}"
    );
    assert!(
        html.contains(&format!("Shop &amp; Co: {period}. Amounts in EUR.")),
        "{html}"
    );

    let segments = report["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 3);
    for s in segments {
        let name = s["segment"].as_str().unwrap();
        let row = text
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no text row for {name}:\n{text}"));
        let html_row = html
            .split("<tr>")
            .find(|r| r.contains(&format!("<td>{name}</td>")))
            .unwrap_or_else(|| panic!("no HTML row for {name}"));
        for field in ["revenue", "aov", "avg_predicted_clv", "value_at_stake"] {
            let Some(amount) = money(&s[field]) else {
                continue;
            };
            let figure = grouped(amount);
            assert!(
                row.split_whitespace().any(|cell| cell == figure),
                "{name} {field} {figure} is not in the text row: {row}"
            );
            assert!(
                html_row.contains(&format!("<td>{figure} EUR</td>")),
                "{name} {field} {figure} EUR is not in the HTML row: {html_row}"
            );
        }
        let rank = s["rank"].as_u64().unwrap();
        let reason = s["reason"].as_str().unwrap();
        assert!(
            text.contains(&format!("{rank:>4}. {name}: {reason}")),
            "{text}"
        );
    }
}

#[test]
fn segments_are_ranked_by_value_at_stake_with_a_reason() {
    let dir = scored_shop();
    let (code, json, err) = segflow(dir.path(), &["--now", NOW, "report", "--json"]);
    assert_eq!(code, 0, "{err}");
    let report: Value = serde_json::from_str(&json).unwrap();
    let segments = report["segments"].as_array().unwrap();
    let stakes: Vec<f64> = segments
        .iter()
        .map(|s| s["excess_at_stake"].as_f64().unwrap())
        .collect();
    assert!(
        stakes.windows(2).all(|w| w[0] >= w[1]),
        "not sorted: {stakes:?}"
    );
    let ranks: Vec<u64> = segments
        .iter()
        .map(|s| s["rank"].as_u64().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2, 3]);
    let prospects = segments
        .iter()
        .find(|s| s["segment"] == "prospects")
        .unwrap();
    assert_eq!(prospects["value_at_stake"], 0.0);
    // Nothing at stake is less than the shop's average customer has.
    assert!(prospects["excess_at_stake"].as_f64().unwrap() <= 0.0);
    assert_eq!(
        prospects["reason"],
        "no member has ordered yet: nothing to lose, everything to win"
    );
    let buyers = segments.iter().find(|s| s["segment"] == "buyers").unwrap();
    let spend = buyers["yearly_spend"].as_f64().unwrap();
    let stake = buyers["value_at_stake"].as_f64().unwrap();
    assert!(spend > 0.0 && stake > 0.0 && stake < spend, "{buyers}");
    let reason = buyers["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "{} buyers spend {} EUR a year; ",
            buyers["buyers"],
            grouped(spend)
        )),
        "{reason}"
    );
    let excess = buyers["excess_at_stake"].as_f64().unwrap();
    let word = if excess < 0.0 { "less" } else { "more" };
    assert!(
        reason.ends_with(&format!(
            "of it is at risk of churn, {} EUR {word} than {} average customers",
            grouped(excess.abs()),
            buyers["members"]
        )),
        "{reason}"
    );
}
