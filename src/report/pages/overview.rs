//! The Overview page: revenue, orders, customers (new and returning), AOV and repeat rate per
//! month and per week, each against the same period a year earlier, with tiles for the last
//! full month and the current one so far.

use std::fmt::Write;

use super::super::dashboard::{Calendar, Figures, Period};
use super::super::money::Money;
use super::super::svg::{escape, time_chart, Series};
use super::{layout, note, subtitle, Dashboard, Page, Site};

/// `+12.5%` against a year earlier, or `new` when there was nothing then.
fn change(now: f64, before: f64) -> (String, &'static str) {
    if before == 0.0 {
        if now == 0.0 {
            ("no change".into(), "")
        } else {
            ("none a year earlier".into(), "")
        }
    } else {
        let c = (now - before) / before * 100.0;
        (
            format!("{c:+.1}% vs a year earlier"),
            if c >= 0.0 { "up" } else { "down" },
        )
    }
}

fn tiles(p: &Period, currency: &str) -> String {
    let (f, y) = (&p.figures, &p.year_earlier);
    let mut s = format!(
        "<h2>{}{}</h2><div class=\"tiles\">",
        escape(&p.label),
        if p.partial { " so far" } else { "" }
    );
    let items: [(&str, String, f64, f64); 6] = [
        (
            "revenue",
            f.revenue.format(currency),
            f.revenue.major(),
            y.revenue.major(),
        ),
        (
            "orders",
            f.orders.to_string(),
            f.orders as f64,
            y.orders as f64,
        ),
        (
            "customers",
            f.customers.to_string(),
            f.customers as f64,
            y.customers as f64,
        ),
        (
            "new customers",
            f.new_customers.to_string(),
            f.new_customers as f64,
            y.new_customers as f64,
        ),
        ("AOV", f.aov.format(currency), f.aov.major(), y.aov.major()),
        (
            "repeat rate",
            format!("{:.1}%", f.repeat_rate * 100.0),
            f.repeat_rate,
            y.repeat_rate,
        ),
    ];
    for (name, value, now, before) in items {
        let (text, class) = change(now, before);
        let _ = write!(
            s,
            "<div class=\"tile\">{name}<b>{}</b><span class=\"{class}\">{}</span></div>",
            escape(&value),
            escape(&text)
        );
    }
    s.push_str("</div>");
    s
}

/// A measure on a chart: its name and how it is read from a period's figures.
type Measure<'a> = (&'a str, &'a dyn Fn(&Figures) -> f64);

/// One chart of `pick` over `periods`, this year solid and a year earlier dashed, per measure.
fn chart(
    name: &str,
    title: &str,
    periods: &[Period],
    measures: &[Measure],
    (x_unit, date): (&str, &dyn Fn(i64) -> String),
    y_unit: &str,
    value: &dyn Fn(f64) -> String,
) -> String {
    let mut series = Vec::new();
    for (i, (label, pick)) in measures.iter().enumerate() {
        // A measure and its year-earlier line share a colour; the latter is dashed.
        let color = i * 2;
        series.push(Series {
            name: label.to_string(),
            points: periods
                .iter()
                .map(|p| (p.start, pick(&p.figures)))
                .collect(),
            color,
            dashed: false,
        });
        series.push(Series {
            name: format!("{label}, a year earlier"),
            points: periods
                .iter()
                .map(|p| (p.start, pick(&p.year_earlier)))
                .collect(),
            color,
            dashed: true,
        });
    }
    time_chart(name, title, &series, (x_unit, date), (y_unit, value))
}

pub fn overview_page(site: &Site, d: &Dashboard) -> String {
    let cur = d.report.currency.as_str();
    let o = &d.overview;
    let cal = d.calendar;
    // The current week and month are marked as not over yet.
    let (month_now, week_now) = (
        o.months.last().filter(|p| p.partial).map(|p| p.start),
        o.weeks.last().filter(|p| p.partial).map(|p| p.start),
    );
    let so_far = |text: String, t: i64, current: Option<i64>| {
        if current == Some(t) {
            format!("{text} so far")
        } else {
            text
        }
    };
    let month = move |t: i64| so_far(Calendar::month_label(cal.month_of(t)), t, month_now);
    let week = move |t: i64| so_far(cal.date_label(t), t, week_now);
    let money = |v: f64| Money::from_major(v).format(cur);
    let count = |v: f64| format!("{v:.0}");
    let pct = |v: f64| format!("{v:.1}%");
    let mut body = String::new();
    if o.months
        .iter()
        .all(|p| p.figures.orders == 0 && p.year_earlier.orders == 0)
    {
        body.push_str(&note("No orders in the last 13 months: import them with `segflow import orders FILE` (or send them to the daemon's /v1/orders)."));
    }
    if o.months.len() >= 2 {
        body.push_str(&tiles(&o.months[o.months.len() - 2], cur));
    }
    if let Some(p) = o.months.last() {
        body.push_str(&tiles(p, cur));
    }
    body.push_str(&note("Counted orders only (not cancelled or voided), refunds subtracted. New customers placed their first order in the period; returning ones had ordered before. Repeat rate: the period's customers with two or more orders by its end. The last month and week run to now and are compared with as many days a year earlier; dashed lines are the same period a year earlier (52 weeks back for weeks)."));
    let months = ("month", &month as &dyn Fn(i64) -> String);
    let weeks = ("week starting (Monday)", &week as &dyn Fn(i64) -> String);
    let revenue_unit = format!("revenue, {cur}");
    let aov_unit = format!("AOV, {cur}");
    let revenue = |f: &Figures| f.revenue.major();
    let orders = |f: &Figures| f.orders as f64;
    let new = |f: &Figures| f.new_customers as f64;
    let returning = |f: &Figures| f.returning_customers as f64;
    let aov = |f: &Figures| f.aov.major();
    let repeat = |f: &Figures| f.repeat_rate * 100.0;
    body.push_str("<h2>By month</h2><div class=\"grid2\">");
    for svg in [
        chart(
            "month-revenue",
            "Revenue per month",
            &o.months,
            &[("revenue", &revenue)],
            months,
            &revenue_unit,
            &money,
        ),
        chart(
            "month-orders",
            "Orders per month",
            &o.months,
            &[("orders", &orders)],
            months,
            "orders",
            &count,
        ),
        chart(
            "month-customers",
            "New and returning customers per month",
            &o.months,
            &[("new customers", &new), ("returning customers", &returning)],
            months,
            "customers",
            &count,
        ),
        chart(
            "month-aov",
            "Average order value per month",
            &o.months,
            &[("AOV", &aov)],
            months,
            &aov_unit,
            &money,
        ),
        chart(
            "month-repeat",
            "Repeat rate per month",
            &o.months,
            &[("repeat rate", &repeat)],
            months,
            "repeat rate, %",
            &pct,
        ),
    ] {
        let _ = write!(body, "<div>{svg}</div>");
    }
    body.push_str("</div><h2>By week</h2><div class=\"grid2\">");
    for svg in [
        chart(
            "week-revenue",
            "Revenue per week",
            &o.weeks,
            &[("revenue", &revenue)],
            weeks,
            &revenue_unit,
            &money,
        ),
        chart(
            "week-orders",
            "Orders per week",
            &o.weeks,
            &[("orders", &orders)],
            weeks,
            "orders",
            &count,
        ),
        chart(
            "week-customers",
            "New and returning customers per week",
            &o.weeks,
            &[("new customers", &new), ("returning customers", &returning)],
            weeks,
            "customers",
            &count,
        ),
        chart(
            "week-repeat",
            "Repeat rate per week",
            &o.weeks,
            &[("repeat rate", &repeat)],
            weeks,
            "repeat rate, %",
            &pct,
        ),
    ] {
        let _ = write!(body, "<div>{svg}</div>");
    }
    body.push_str("</div><h2>Months in figures</h2>");
    let _ = write!(
        body,
        "<table><tr><th class=\"l\">month</th><th>revenue {c}</th><th>a year earlier</th><th>orders</th><th>a year earlier</th><th>customers</th><th>new</th><th>returning</th><th>AOV {c}</th><th>repeat rate</th><th>a year earlier</th></tr>",
        c = escape(cur)
    );
    for p in o.months.iter().rev() {
        let (f, y) = (&p.figures, &p.year_earlier);
        let _ = write!(
            body,
            "<tr><td class=\"l\">{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td></tr>",
            escape(&p.label),
            if p.partial { " (so far)" } else { "" },
            f.revenue.format_number(),
            y.revenue.format_number(),
            f.orders,
            y.orders,
            f.customers,
            f.new_customers,
            f.returning_customers,
            f.aov.format_number(),
            f.repeat_rate * 100.0,
            y.repeat_rate * 100.0
        );
    }
    body.push_str("</table>");
    layout(site, Page::Overview, &d.report.shop, &subtitle(d), &body)
}
