//! A heat map: a grid of cells shaded from light to dark by value, its rows and columns
//! labelled and both axes titled, every cell's value written in it, and a colour scale from
//! the smallest to the largest value beside it. An empty cell (no data) is left white.

use std::fmt::Write;

use super::{axis_label, escape, open_wide, W};

/// What to draw: `cells[row][column]`, `None` where there is nothing to show.
pub struct HeatMap<'a> {
    pub rows: &'a [String],
    pub columns: &'a [String],
    pub cells: &'a [Vec<Option<f64>>],
    pub row_title: &'a str,
    pub column_title: &'a str,
    /// Writes a value in a cell and on the scale (`42%`, `1.2k`).
    pub value: &'a dyn Fn(f64) -> String,
    /// Titles the colour scale (`retention, %`, `revenue per customer, EUR`).
    pub unit: &'a str,
}

/// Light blue to dark blue; the text in a cell turns white where the cell is dark.
fn shade(f: f64) -> (String, &'static str) {
    let f = f.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    (
        format!(
            "#{:02x}{:02x}{:02x}",
            mix(239.0, 8.0),
            mix(243.0, 48.0),
            mix(255.0, 107.0)
        ),
        if f > 0.55 { "#fff" } else { "#111" },
    )
}

pub fn heat_map(name: &str, title: &str, m: &HeatMap) -> String {
    let longest = m.rows.iter().map(|r| r.chars().count()).max().unwrap_or(1) as f64;
    let left = 40.0 + 7.0 * longest;
    let (top, scale_w) = (30.0, 90.0);
    let cols = m.columns.len().max(1) as f64;
    // Cells at least 34 wide, so each holds its value; a wide grid widens the chart.
    let cell_w = ((W - left - scale_w - 10.0) / cols).clamp(34.0, 80.0);
    let width = (left + cell_w * cols + scale_w + 10.0).max(W);
    // Tall enough that the row axis's title fits beside the rows.
    let rows = m.rows.len().max(1) as f64;
    let cell_h = (6.6 * m.row_title.chars().count() as f64 / rows).clamp(22.0, 60.0);
    let plot_h = cell_h * m.rows.len().max(1) as f64;
    // A grid of few rows still leaves room for the row axis's title along it.
    let side = plot_h.max(6.6 * m.row_title.chars().count() as f64 + 12.0);
    let height = top + side + 56.0;
    let values: Vec<f64> = m.cells.iter().flatten().flatten().copied().collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let fraction = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let font = 11;
    let mut s = open_wide(name, title, width, height);
    for (j, c) in m.columns.iter().enumerate() {
        let x = left + cell_w * (j as f64 + 0.5);
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            top - 6.0,
            escape(c)
        );
    }
    for (i, r) in m.rows.iter().enumerate() {
        let y = top + cell_h * i as f64;
        let _ = write!(
            s,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + cell_h / 2.0 + 4.0,
            escape(r)
        );
        for (j, v) in m.cells.get(i).into_iter().flatten().enumerate() {
            let Some(v) = v else { continue };
            let x = left + cell_w * j as f64;
            let (fill, ink) = shade(fraction(*v));
            let text = (m.value)(*v);
            let _ = write!(
                s,
                "<rect class=\"cell\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\"><title>{}, {}: {}</title></rect>",
                cell_w - 1.0,
                cell_h - 1.0,
                escape(r),
                escape(m.columns.get(j).map_or("", String::as_str)),
                escape(&text)
            );
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{font}\" text-anchor=\"middle\" fill=\"{ink}\">{}</text>",
                x + cell_w / 2.0,
                y + cell_h / 2.0 + 4.0,
                escape(&text)
            );
        }
    }
    let grid_w = cell_w * cols;
    axis_label(
        &mut s,
        left + grid_w / 2.0,
        top + plot_h + 20.0,
        m.column_title,
        false,
    );
    axis_label(&mut s, 14.0, top + side / 2.0, m.row_title, true);
    // The colour scale: five steps from the smallest value to the largest.
    let sx = left + grid_w + 20.0;
    let step_h = (plot_h / 5.0).min(30.0);
    for k in 0..5 {
        let f = 1.0 - k as f64 / 4.0;
        let (fill, _) = shade(f);
        let y = top + step_h * k as f64;
        let _ = write!(
            s,
            "<rect x=\"{sx:.1}\" y=\"{y:.1}\" width=\"16\" height=\"{step_h:.1}\" fill=\"{fill}\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>",
            sx + 20.0,
            y + step_h / 2.0 + 4.0,
            escape(&(m.value)(lo + (hi - lo) * f))
        );
    }
    let _ = write!(
        s,
        "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
        width - 4.0,
        top - 18.0,
        escape(m.unit)
    );
    s.push_str("</svg>");
    s
}
