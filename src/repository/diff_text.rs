//! The words of `segflow diff`: plain text for a terminal and Markdown ready for a pull
//! request's comment, from the same `Diff`.

use super::diff::{Diff, SegmentDiff, Status};

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

fn size(n: Option<usize>) -> String {
    n.map_or_else(|| "—".to_string(), |n| n.to_string())
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Changed => "changed",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn movement(d: &SegmentDiff) -> String {
    format!("+{} entered, -{} left", d.entered, d.exited)
}

pub fn text(d: &Diff) -> String {
    let mut out = format!(
        "segflow diff {} → {} at {} over {} customers\n",
        d.base,
        d.head,
        iso(d.now),
        d.customers
    );
    if let Some(note) = &d.not_compared {
        out.push_str(&format!("note: {note}\n"));
    } else if d.segments.is_empty() {
        out.push_str("no segment changes its members or its condition\n");
    }
    for s in &d.segments {
        out.push_str(&format!(
            "{:<8} {}: {} → {} members ({})\n",
            status(s.status),
            s.segment,
            size(s.before),
            size(s.after),
            movement(s)
        ));
        if let (Some(a), Some(b)) = (&s.condition_before, &s.condition_after) {
            if a != b {
                out.push_str(&format!("  condition: {a}\n          → {b}\n"));
            }
        }
        if !s.entering.is_empty() {
            out.push_str(&format!("  entering: {}\n", s.entering.join(", ")));
        }
        if !s.leaving.is_empty() {
            out.push_str(&format!("  leaving: {}\n", s.leaving.join(", ")));
        }
    }
    for w in &d.workflows {
        out.push_str(&format!(
            "workflow {} ({}): {} journey{} would start{}\n",
            w.workflow,
            w.trigger,
            w.journeys,
            plural(w.journeys),
            match w.emails {
                Some(n) => format!(", {n} email{} queued in the next 24 hours", plural(n)),
                None => ", emails not counted (the templates or mail settings do not load)".into(),
            }
        ));
    }
    let p = &d.problems;
    out.push_str(&format!(
        "check: {} new, {} fixed, {} remaining problems\n",
        p.new.len(),
        p.fixed.len(),
        p.remaining.len()
    ));
    for (label, list) in [
        ("new", &p.new),
        ("fixed", &p.fixed),
        ("remaining", &p.remaining),
    ] {
        for line in list {
            out.push_str(&format!("  {label}: {line}\n"));
        }
    }
    out
}

/// Escapes the characters a Markdown table cell cannot hold.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(d: &Diff) -> String {
    let mut out = format!(
        "### segflow diff `{}` → `{}`\n\nEvaluated at {} over {} customers.\n\n",
        d.base,
        d.head,
        iso(d.now),
        d.customers
    );
    if let Some(note) = &d.not_compared {
        out.push_str(&format!("**Note:** {note}.\n\n"));
    }
    if d.segments.is_empty() && d.not_compared.is_none() {
        out.push_str("No segment changes its members or its condition.\n\n");
    } else if !d.segments.is_empty() {
        out.push_str("| segment | change | members before | after | entered | left |\n");
        out.push_str("|---|---|---:|---:|---:|---:|\n");
        for s in &d.segments {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                cell(&s.segment),
                status(s.status),
                size(s.before),
                size(s.after),
                s.entered,
                s.exited
            ));
        }
        out.push('\n');
        for s in &d.segments {
            if let (Some(a), Some(b)) = (&s.condition_before, &s.condition_after) {
                if a != b {
                    out.push_str(&format!(
                        "`{}`: `{}` → `{}`\n\n",
                        s.segment,
                        cell(a),
                        cell(b)
                    ));
                }
            }
            for (way, ids) in [("entering", &s.entering), ("leaving", &s.leaving)] {
                if !ids.is_empty() {
                    let ids: Vec<String> = ids.iter().map(|i| format!("`{}`", cell(i))).collect();
                    out.push_str(&format!("`{}` {way}: {}\n\n", s.segment, ids.join(", ")));
                }
            }
        }
    }
    if !d.workflows.is_empty() {
        out.push_str(
            "| workflow | trigger | journeys that would start | emails in the next 24 hours |\n|---|---|---:|---:|\n",
        );
        for w in &d.workflows {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                cell(&w.workflow),
                cell(&w.trigger),
                w.journeys,
                w.emails
                    .map_or_else(|| "not counted".to_string(), |n| n.to_string())
            ));
        }
        out.push('\n');
    }
    let p = &d.problems;
    out.push_str(&format!(
        "`segflow check`: {} new, {} fixed, {} remaining problems.\n",
        p.new.len(),
        p.fixed.len(),
        p.remaining.len()
    ));
    for line in &p.new {
        out.push_str(&format!("- new: {}\n", cell(line)));
    }
    for line in &p.fixed {
        out.push_str(&format!("- fixed: {}\n", cell(line)));
    }
    out
}
