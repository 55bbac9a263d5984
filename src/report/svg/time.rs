//! Lines over time: each series a polyline with a dot per point, the time axis labelled with
//! dates (at most eight, evenly spaced), the value axis with round ticks and its unit, and a
//! legend below that wraps to fit.

use std::fmt::Write;

use super::{axis_label, compact, escape, legend, open, ticks, PALETTE, W};

/// One line: its name in the legend, its points (unix ms, value) and whether it is drawn
/// dashed (a comparison, such as the same period a year earlier). `color` indexes the palette.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(i64, f64)>,
    pub color: usize,
    pub dashed: bool,
}

/// A chart of `series` over time. `date` writes a time tick (`2026-03`, `2026-03-02`),
/// `value` a point's tooltip value; `x_unit` and `y_unit` title the axes.
pub fn time_chart(
    name: &str,
    title: &str,
    series: &[Series],
    (x_unit, date): (&str, &dyn Fn(i64) -> String),
    (y_unit, value): (&str, &dyn Fn(f64) -> String),
) -> String {
    let (left, right, top, plot_h) = (70.0, 20.0, 12.0, 220.0);
    let plot_w = W - left - right;
    let mut times: Vec<i64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    times.sort_unstable();
    times.dedup();
    let (t0, t1) = (
        times.first().copied().unwrap_or(0),
        times.last().copied().unwrap_or(0),
    );
    let span = (t1 - t0).max(1) as f64;
    let x_of = |t: i64| {
        if t1 == t0 {
            left + plot_w / 2.0
        } else {
            left + plot_w * (t - t0) as f64 / span
        }
    };
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0_f64, f64::max);
    let scale = ticks(max);
    let axis_max = scale.last().copied().unwrap_or(1.0);
    let y_of = |v: f64| top + plot_h - plot_h * v.max(0.0) / axis_max;
    let items: Vec<(String, &str, bool)> = series
        .iter()
        .map(|s| (s.name.clone(), PALETTE[s.color % PALETTE.len()], s.dashed))
        .collect();
    let legend_top = top + plot_h + 92.0;
    let (legend_svg, legend_h) = legend(&items, left, legend_top);
    let height = legend_top + legend_h;
    let mut s = open(name, title, height);
    for t in &scale {
        let y = y_of(*t);
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            W - right,
            left - 6.0,
            y + 4.0,
            escape(&compact(*t))
        );
    }
    let every = times.len().div_ceil(8).max(1);
    for (i, t) in times.iter().enumerate() {
        let x = x_of(*t);
        let base = top + plot_h;
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{base:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#666\"/>",
            base + 4.0
        );
        if i % every == 0 || i + 1 == times.len() && (i % every) * 2 >= every {
            let ly = base + 16.0;
            let _ = write!(
                s,
                "<text class=\"tick\" x=\"{x:.1}\" y=\"{ly:.1}\" font-size=\"11\" text-anchor=\"end\" transform=\"rotate(-30 {x:.1} {ly:.1})\">{}</text>",
                escape(&date(*t))
            );
        }
    }
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#666\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#666\"/>",
        top + plot_h,
        W - right,
        top + plot_h,
        top + plot_h
    );
    for line in series {
        let color = PALETTE[line.color % PALETTE.len()];
        let coords: Vec<String> = line
            .points
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", x_of(*t), y_of(*v)))
            .collect();
        let dash = if line.dashed {
            " stroke-dasharray=\"5 3\" stroke-opacity=\"0.75\""
        } else {
            ""
        };
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
            coords.join(" ")
        );
        for (t, v) in &line.points {
            let _ = write!(
                s,
                "<circle class=\"point\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{color}\"><title>{}, {}: {}</title></circle>",
                x_of(*t),
                y_of(*v),
                escape(&line.name),
                escape(&date(*t)),
                escape(&value(*v))
            );
        }
    }
    axis_label(
        &mut s,
        left + plot_w / 2.0,
        top + plot_h + 52.0,
        x_unit,
        false,
    );
    axis_label(&mut s, 16.0, top + plot_h / 2.0, y_unit, true);
    s.push_str(&legend_svg);
    s.push_str("</svg>");
    s
}
