//! Inline SVG charts built as strings: bars, lines and a heat map. Every text is escaped, so
//! merchant-controlled names (segments, workflows, lifecycle stages) cannot inject markup.

use std::fmt::Write;

const W: f64 = 640.0;
const PALETTE: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#b07aa1",
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

fn open(name: &str, height: f64) -> String {
    format!(
        "<svg class=\"chart\" data-chart=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height}\" viewBox=\"0 0 {W} {height}\" role=\"img\">",
        escape(name)
    )
}

/// Horizontal bars, one per (label, value), scaled to the largest value.
pub fn bars(name: &str, items: &[(String, f64)]) -> String {
    let row = 24.0;
    let height = row * items.len() as f64 + 10.0;
    let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max);
    let mut s = open(name, height);
    for (i, (label, value)) in items.iter().enumerate() {
        let y = 5.0 + row * i as f64;
        let width = if max > 0.0 { 380.0 * value / max } else { 0.0 };
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}</text><rect x=\"200\" y=\"{y:.1}\" width=\"{:.1}\" height=\"18\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            y + 14.0,
            escape(label),
            width.max(1.0),
            PALETTE[i % PALETTE.len()],
            205.0 + width.max(1.0),
            y + 14.0,
            escape(&format_value(*value))
        );
    }
    s.push_str("</svg>");
    s
}

fn format_value(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// One polyline per series over a shared time axis, with a legend.
pub fn lines(name: &str, series: &[(String, Vec<(i64, i64)>)]) -> String {
    let (h, top, plot_h) = (260.0, 10.0, 200.0);
    let points = series.iter().flat_map(|s| s.1.iter());
    let (t0, t1) = points
        .clone()
        .fold((i64::MAX, i64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let ymax = points.map(|p| p.1).max().unwrap_or(0).max(1) as f64;
    let span = (t1 - t0).max(1) as f64;
    let mut s = open(name, h);
    let _ = write!(
        s,
        "<line x1=\"40\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/><text x=\"0\" y=\"{}\" font-size=\"11\">{ymax:.0}</text>",
        top + plot_h,
        W - 10.0,
        top + plot_h,
        top + 10.0
    );
    for (i, (label, pts)) in series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let coords: Vec<String> = pts
            .iter()
            .map(|(t, m)| {
                let x = 40.0 + (W - 50.0) * (t - t0) as f64 / span;
                let y = top + plot_h - plot_h * *m as f64 / ymax;
                format!("{x:.1},{y:.1}")
            })
            .collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
            coords.join(" ")
        );
        for c in &coords {
            let (x, y) = c.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(
                s,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"2.5\" fill=\"{color}\"/>"
            );
        }
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"11\">{}</text>",
            40.0 + 150.0 * (i % 4) as f64,
            top + plot_h + 20.0 + 16.0 * (i / 4) as f64,
            54.0 + 150.0 * (i % 4) as f64,
            top + plot_h + 29.0 + 16.0 * (i / 4) as f64,
            escape(label)
        );
    }
    s.push_str("</svg>");
    s
}

/// A grid of cells (row, column, count) shaded by count, rows and columns 1..=5.
pub fn heat_map(name: &str, cells: &[(i64, i64, u64)], row_label: &str, col_label: &str) -> String {
    let cell = 48.0;
    let max = cells.iter().map(|c| c.2).max().unwrap_or(0).max(1) as f64;
    let mut s = open(name, cell * 5.0 + 50.0);
    for (r, f, n) in cells {
        let (x, y) = (40.0 + cell * (*f - 1) as f64, 10.0 + cell * (5 - *r) as f64);
        let opacity = 0.1 + 0.9 * *n as f64 / max;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{}\" height=\"{}\" fill=\"#4e79a7\" fill-opacity=\"{opacity:.2}\"><title>{row_label}={r} {col_label}={f}: {n}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{n}</text>",
            cell - 2.0,
            cell - 2.0,
            x + 6.0,
            y + 28.0
        );
    }
    let _ = write!(
        s,
        "<text x=\"40\" y=\"{}\" font-size=\"12\">{} 1 → 5 (columns); {} 5 → 1 (rows, top to bottom)</text></svg>",
        cell * 5.0 + 30.0,
        escape(col_label),
        escape(row_label)
    );
    s
}

/// Histogram of `values` with `bins` bars: `bins - 1` equal-width bands from the smallest
/// value up to the 99th percentile, then one band for everything from there up, so that a few
/// very large values (a shop's whales) do not squeeze everyone else into the first bar.
/// `label` writes a band's bound.
pub fn histogram(name: &str, values: &[f64], bins: usize, label: impl Fn(f64) -> String) -> String {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let (Some(&lo), Some(&max)) = (sorted.first(), sorted.last()) else {
        return bars(name, &[]);
    };
    let bins = bins.max(2);
    let p99 = sorted[(sorted.len() - 1) * 99 / 100];
    // Under 100 values the 99th percentile is just the largest value or close to it.
    let (hi, open_top) = if sorted.len() >= 100 && p99 > lo && p99 < max {
        (p99, true)
    } else {
        (max, false)
    };
    let bands = if open_top { bins - 1 } else { bins };
    let width = if hi > lo {
        (hi - lo) / bands as f64
    } else {
        1.0
    };
    let mut counts = vec![0u64; bins];
    for v in &sorted {
        let i = if open_top && *v >= hi {
            bins - 1
        } else {
            (((v - lo) / width) as usize).min(bands - 1)
        };
        counts[i] += 1;
    }
    let items: Vec<(String, f64)> = counts
        .iter()
        .take(if open_top { bins } else { bands })
        .enumerate()
        .map(|(i, c)| {
            let from = lo + width * i as f64;
            let text = if open_top && i == bins - 1 {
                format!("{} and more", label(hi))
            } else {
                format!("{} – {}", label(from), label(from + width))
            };
            (text, *c as f64)
        })
        .collect();
    bars(name, &items)
}

#[cfg(test)]
mod histogram_tests {
    use super::histogram;

    #[test]
    fn a_whale_gets_the_open_top_band_instead_of_squeezing_everyone() {
        let mut values: Vec<f64> = (0..1000).map(f64::from).collect();
        values.push(1_000_000.0);
        let svg = histogram("h", &values, 5, |x| format!("{x:.0}"));
        // Four bands of 247.5 up to the 99th percentile (990), then 990 and more.
        assert!(svg.contains("0 – 248"), "{svg}");
        assert!(svg.contains("990 and more"), "{svg}");
        assert!(!svg.contains("1000000"), "{svg}");
        // Without outliers the bands run to the maximum.
        let even = histogram("h", &[1.0, 2.0, 3.0, 4.0], 3, |x| format!("{x:.0}"));
        assert!(
            even.contains("3 – 4") && !even.contains("and more"),
            "{even}"
        );
    }
}
