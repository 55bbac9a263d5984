//! Horizontal bars, one per labelled value: every label is shown (long ones shortened, with the
//! whole name as a tooltip), the value is written at the bar's end, and the value axis is
//! titled with its unit.

use std::fmt::Write;

use super::{axis_label, compact, count_ticks, escape, open, PALETTE, W};

/// Bars for `items` (label, value, the value as written at the bar's end); `unit` titles the
/// value axis (`customers`, `members at the latest refresh (2026-03-18)`). One colour for all bars unless
/// `colored`, when each bar takes the next palette colour.
pub fn bars(
    name: &str,
    title: &str,
    items: &[(String, f64, String)],
    unit: &str,
    colored: bool,
) -> String {
    let row = 22.0;
    let longest = items
        .iter()
        .map(|i| i.0.chars().count().min(34))
        .max()
        .unwrap_or(0) as f64;
    let left = (12.0 + 6.5 * longest).clamp(60.0, 240.0);
    let right = 90.0;
    let plot_w = W - left - right;
    let top = 8.0;
    let plot_h = row * items.len().max(1) as f64;
    let height = top + plot_h + 48.0;
    let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max);
    // Every bar chart counts (customers, members, journeys, messages).
    let scale = count_ticks(max);
    let axis_max = scale.last().copied().unwrap_or(1.0);
    let mut s = open(name, title, height);
    for t in &scale {
        let x = left + plot_w * t / axis_max;
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#e4e4e4\"/><text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            top + plot_h,
            top + plot_h + 14.0,
            escape(&compact(*t))
        );
    }
    for (i, (label, value, text)) in items.iter().enumerate() {
        let y = top + row * i as f64;
        let width = plot_w * value.max(0.0) / axis_max;
        let shown: String = if label.chars().count() > 34 {
            label.chars().take(33).chain(std::iter::once('…')).collect()
        } else {
            label.clone()
        };
        let color = if colored {
            PALETTE[i % PALETTE.len()]
        } else {
            PALETTE[0]
        };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\"><title>{}</title>{}</text><rect class=\"bar\" x=\"{left:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            left - 6.0,
            y + 15.0,
            escape(label),
            escape(&shown),
            y + 3.0,
            width.max(1.0),
            row - 6.0,
            escape(label),
            escape(text),
            left + width.max(1.0) + 4.0,
            y + 15.0,
            escape(text)
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{left:.1}\" y1=\"{top}\" x2=\"{left:.1}\" y2=\"{:.1}\" stroke=\"#666\"/>",
        top + plot_h
    );
    axis_label(
        &mut s,
        left + plot_w / 2.0,
        top + plot_h + 34.0,
        unit,
        false,
    );
    s.push_str("</svg>");
    s
}
