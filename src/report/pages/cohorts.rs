//! The Cohorts page: retention and revenue per customer of each monthly acquisition cohort by
//! months since the first order, as heat maps, and the cohort sizes.

use super::super::dashboard::Cohorts;
use super::super::svg::{compact, heat_map, HeatMap};
use super::{layout, note, subtitle, Dashboard, Page, Site};

fn grid(
    c: &Cohorts,
    cell: impl Fn(&super::super::dashboard::Cohort, usize) -> f64,
) -> (Vec<String>, Vec<String>, Vec<Vec<Option<f64>>>) {
    let width = c.cohorts.iter().map(|x| x.active.len()).max().unwrap_or(0);
    let rows = c
        .cohorts
        .iter()
        .map(|x| format!("{} ({})", x.month, x.customers))
        .collect();
    let columns = (0..width).map(|k| k.to_string()).collect();
    let cells = c
        .cohorts
        .iter()
        .map(|x| {
            (0..width)
                .map(|k| (k < x.active.len() && x.customers > 0).then(|| cell(x, k)))
                .collect()
        })
        .collect();
    (rows, columns, cells)
}

pub fn cohorts_page(site: &Site, d: &Dashboard) -> String {
    let c = &d.cohorts;
    let currency = &d.report.currency;
    let body = if c.cohorts.iter().all(|x| x.customers == 0) {
        note("No orders yet: import them with `segflow import orders FILE` (or send them to the daemon's /v1/orders).")
    } else {
        let (rows, columns, retention) = grid(c, |x, k| x.retention[k] * 100.0);
        let (_, _, revenue) = grid(c, |x, k| x.revenue_per_customer(k).rounded());
        let retention_map = heat_map(
            "cohort-retention",
            "Retention by acquisition month",
            &HeatMap {
                rows: &rows,
                columns: &columns,
                cells: &retention,
                row_title: "month of first order (customers)",
                column_title: "months since the first order",
                value: &|v| format!("{v:.0}%"),
                unit: "customers who ordered, %",
            },
        );
        let revenue_unit = format!("revenue per cohort customer, {currency}");
        let revenue_map = heat_map(
            "cohort-revenue",
            "Revenue per customer by acquisition month",
            &HeatMap {
                rows: &rows,
                columns: &columns,
                cells: &revenue,
                row_title: "month of first order (customers)",
                column_title: "months since the first order",
                value: &|v| compact(v),
                unit: &revenue_unit,
            },
        );
        format!(
            "{}<h2>Retention</h2>{retention_map}<h2>Revenue</h2>{revenue_map}",
            note("A cohort is the customers whose first counted order fell in a month (their number in brackets). Retention: the share of them who ordered in each month since (month 0 is always 100%). Revenue: that month's orders less refunds, per customer of the cohort. The current month is not over yet.")
        )
    };
    layout(site, Page::Cohorts, &d.report.shop, &subtitle(d), &body)
}
