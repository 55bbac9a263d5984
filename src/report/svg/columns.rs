//! Vertical bars over labelled bands (a histogram), and the bands themselves: on a 1-2-5
//! logarithmic scale, so a shop whose customers' values run from a few to many thousands shows
//! every order of magnitude instead of one bar holding nearly everyone.

use std::fmt::Write;

use super::{axis_label, compact, count_ticks, escape, open, PALETTE, W};

/// Columns for `(band label, count)`; `x_unit` and `y_unit` title the axes.
pub fn columns(
    name: &str,
    title: &str,
    items: &[(String, f64)],
    x_unit: &str,
    y_unit: &str,
) -> String {
    let (left, right, top, bottom) = (70.0, 16.0, 12.0, 78.0);
    let plot_w = W - left - right;
    let plot_h = 220.0;
    let height = top + plot_h + bottom;
    let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max);
    // Every bar chart counts (customers, members, journeys, messages).
    let scale = count_ticks(max);
    let axis_max = scale.last().copied().unwrap_or(1.0);
    let mut s = open(name, title, height);
    for t in &scale {
        let y = top + plot_h - plot_h * t / axis_max;
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/><text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            W - right,
            left - 6.0,
            y + 4.0,
            escape(&compact(*t))
        );
    }
    let slot = plot_w / items.len().max(1) as f64;
    for (i, (label, value)) in items.iter().enumerate() {
        let h = plot_h * value.max(0.0) / axis_max;
        let x = left + slot * i as f64;
        let cx = x + slot / 2.0;
        let ly = top + plot_h + 12.0;
        let _ = write!(
            s,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}: {}</title></rect><text x=\"{cx:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text><text class=\"tick\" x=\"{cx:.1}\" y=\"{ly:.1}\" font-size=\"10\" text-anchor=\"end\" transform=\"rotate(-35 {cx:.1} {ly:.1})\">{}</text>",
            x + 2.0,
            top + plot_h - h.max(1.0),
            (slot - 4.0).max(1.0),
            h.max(1.0),
            PALETTE[0],
            escape(label),
            escape(&compact(*value)),
            top + plot_h - h.max(1.0) - 3.0,
            escape(&compact(*value)),
            escape(label)
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#666\"/>",
        top + plot_h,
        W - right,
        top + plot_h
    );
    axis_label(&mut s, left + plot_w / 2.0, height - 8.0, x_unit, false);
    axis_label(&mut s, 16.0, top + plot_h / 2.0, y_unit, true);
    s.push_str("</svg>");
    s
}

/// The 1-2-5 band edges (1, 2, 5, 10, 20, 50, …) up to past the largest of `values`, and how
/// many values fall in each band `[edge_i, edge_i+1)`. Values under 1 (no value predicted, or a
/// fraction of a cent's worth) share a first band, `under 1` as `label` writes 1; the first
/// edge is the largest 1-2-5 value at or below the smallest value from 1 up.
pub fn log_bands(values: &[f64], label: impl Fn(f64) -> String) -> Vec<(String, f64)> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let small = finite.iter().filter(|v| **v < 1.0).count();
    let rest: Vec<f64> = finite.iter().copied().filter(|v| *v >= 1.0).collect();
    let mut out = Vec::new();
    if small > 0 {
        out.push((format!("under {}", label(1.0)), small as f64));
    }
    let (Some(lo), Some(hi)) = (
        rest.iter().copied().reduce(f64::min),
        rest.iter().copied().reduce(f64::max),
    ) else {
        return out;
    };
    // From 1 to the largest finite f64 is under 1,000 edges.
    let mut edges = vec![one_two_five_at_or_below(lo)];
    while edges.last().is_some_and(|e| *e <= hi) && edges.len() < 1_000 {
        let e = edges.last().copied().unwrap_or(hi);
        edges.push(next_one_two_five(e));
    }
    for pair in edges.windows(2) {
        let n = rest
            .iter()
            .filter(|v| **v >= pair[0] && **v < pair[1])
            .count();
        out.push((format!("{} – {}", label(pair[0]), label(pair[1])), n as f64));
    }
    out
}

fn one_two_five_at_or_below(x: f64) -> f64 {
    let power = 10f64.powf(x.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * power)
        .find(|e| *e <= x * (1.0 + 1e-12))
        .unwrap_or(power)
}

fn next_one_two_five(e: f64) -> f64 {
    let power = 10f64.powf(e.log10().floor() + 1e-12);
    let m = (e / power).round();
    if m < 2.0 {
        2.0 * power
    } else if m < 5.0 {
        5.0 * power
    } else {
        10.0 * power
    }
}

#[cfg(test)]
mod tests {
    use super::log_bands;

    #[test]
    fn bands_follow_orders_of_magnitude() {
        let mut values = vec![0.0, 1e-27, 0.5, 3.0, 12.0, 15.0, 60.0, 450.0, 999.0];
        values.extend(std::iter::repeat_n(25.0, 10));
        let bands = log_bands(&values, |x| format!("{x:.0}"));
        let names: Vec<_> = bands.iter().map(|b| (b.0.as_str(), b.1)).collect();
        assert_eq!(
            names,
            vec![
                ("under 1", 3.0),
                ("2 – 5", 1.0),
                ("5 – 10", 0.0),
                ("10 – 20", 2.0),
                ("20 – 50", 10.0),
                ("50 – 100", 1.0),
                ("100 – 200", 0.0),
                ("200 – 500", 1.0),
                ("500 – 1000", 1.0),
            ]
        );
    }
}
