//! Charts as inline SVG, drawn on the server. No chart library is shipped to the browser: the
//! pages then need no script (the static export of `segflow report --html DIR` opens from disk,
//! the daemon's pages can forbid scripts outright), nothing has to be kept up to date in a
//! bundled JavaScript file, a page is ready as soon as its HTML arrives, and tests read the
//! drawn points and axis labels straight from the DOM.
//!
//! Every chart labels its axes (with the unit: the shop's currency, customers, %), writes
//! dates on time axes, lays its legend out in rows that fit the width, and marks what it draws
//! with classes the browser tests count: `point`, `bar`, `cell`, and `axis-label`. Every text
//! is escaped, so merchant-controlled names cannot inject markup.

mod bars;
mod columns;
mod heat;
mod time;

use std::fmt::Write;

pub use bars::bars;
pub use columns::{columns, log_bands};
pub use heat::{heat_map, HeatMap};
pub use time::{time_chart, Series};

/// The chart width in SVG units; pages scale it down on narrow screens.
pub const W: f64 = 760.0;

/// Tableau's ten colours: distinguishable from each other, and in grey scale by lightness.
pub const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// Escapes text for HTML and SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The opening tag of a chart named `name` (its `data-chart`), with a title for screen readers.
fn open(name: &str, title: &str, height: f64) -> String {
    open_wide(name, title, W, height)
}

/// The opening tag of a chart wider than the others (a heat map of many columns).
fn open_wide(name: &str, title: &str, width: f64, height: f64) -> String {
    format!(
        "<svg class=\"chart\" data-chart=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"{}\" font-family=\"sans-serif\">",
        escape(name),
        escape(title)
    )
}

/// An axis title at (x, y); `vertical` turns it to read bottom to top.
fn axis_label(s: &mut String, x: f64, y: f64, text: &str, vertical: bool) {
    let rotate = if vertical {
        format!(" transform=\"rotate(-90 {x:.1} {y:.1})\"")
    } else {
        String::new()
    };
    let _ = write!(
        s,
        "<text class=\"axis-label\" x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#333\"{rotate}>{}</text>",
        escape(text)
    );
}

/// About 5 round tick values from 0 to at least `max` (steps of 1, 2 or 5 times a power of ten).
pub fn ticks(max: f64) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power);
    let n = (max / step).ceil() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// Like [`ticks`], but whole numbers only: for counts (customers, orders, messages).
pub fn count_ticks(max: f64) -> Vec<f64> {
    let t = ticks(max);
    if t.len() >= 2 && t[1] < 1.0 {
        (0..=max.ceil().max(1.0) as i64).map(|i| i as f64).collect()
    } else {
        t
    }
}

/// A number short enough for an axis: `950`, `12.5k`, `1.2M`, `0.25`.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    if (1000.0..1e4).contains(&a) {
        let grouped = crate::money::grouped(v.round() as i64 * 100);
        return grouped.trim_end_matches(".00").to_string();
    }
    let (x, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if x.fract().abs() < 1e-9 || x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}{suffix}")
}

/// Legend items in rows that fit between `left` and the chart's width; returns the markup
/// and the height it takes. Each item is a swatch (solid or dashed line) and its name.
fn legend(items: &[(String, &str, bool)], left: f64, top: f64) -> (String, f64) {
    let mut s = String::new();
    let (mut x, mut y) = (left, top);
    for (name, color, dashed) in items {
        // About 6.5 units per character at font size 12.
        let width = 30.0 + 6.5 * name.chars().count() as f64;
        if x + width > W - 10.0 && x > left {
            x = left;
            y += 18.0;
        }
        let dash = if *dashed {
            " stroke-dasharray=\"5 3\""
        } else {
            ""
        };
        let _ = write!(
            s,
            "<g class=\"legend-item\"><line x1=\"{x:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"{color}\" stroke-width=\"3\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text></g>",
            y - 4.0,
            x + 20.0,
            y - 4.0,
            x + 24.0,
            y,
            escape(name)
        );
        x += width + 12.0;
    }
    (s, y - top + 18.0)
}

#[cfg(test)]
mod tests {
    use super::{compact, count_ticks, ticks};

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(9.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(1_234.0), vec![0.0, 500.0, 1_000.0, 1_500.0]);
        assert_eq!((ticks(0.0).len(), ticks(0.0).last()), (6, Some(&1.0)));
        assert_eq!(ticks(0.37).last(), Some(&0.4));
        assert_eq!(count_ticks(1.0), vec![0.0, 1.0]);
        assert_eq!(count_ticks(3.0), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(count_ticks(40.0), ticks(40.0));
    }

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1_500.0), "1,500");
        assert_eq!(compact(12_500.0), "12.5k");
        assert_eq!(compact(1_200_000.0), "1.2M");
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(compact(40.0), "40");
    }
}
