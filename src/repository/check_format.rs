//! The machine formats of `segflow check`: JSON for scripts, GitHub workflow commands so that
//! problems appear on a pull request's lines, and SARIF 2.1.0 for code-scanning tools. The text
//! format, with source snippets, is the CLI's own rendering of the same report.

use std::path::Path;

use serde_json::{json, Value};

use super::check::{CheckReport, Problem, FAILURE_CODE, TEMPLATE_CODE};
use crate::dsl::diagnostic::Code;

/// A path as CI tools want it: relative to `base` (the directory the check ran in) when it lies
/// below it, with forward slashes.
fn relative(file: &str, base: &Path) -> String {
    let path = Path::new(file);
    let shown = path.strip_prefix(base).unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}

/// The report as one JSON object: `ok`, the counts, the problems and an unlocated failure.
pub fn json(report: &CheckReport, base: &Path) -> Value {
    let problems: Vec<Problem> = report
        .problems()
        .into_iter()
        .map(|p| Problem {
            file: relative(&p.file, base),
            ..p
        })
        .collect();
    json!({
        "ok": report.is_ok(),
        "segments": report.segments,
        "workflows": report.workflows,
        "problems": problems,
        "failure": report.failure,
    })
}

/// Escapes the message of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property of a workflow command.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error` workflow command per problem, each on its own line.
pub fn github(report: &CheckReport, base: &Path) -> String {
    let mut out = String::new();
    if let Some(failure) = &report.failure {
        out.push_str(&format!(
            "::error title=segflow check::{}\n",
            escape_data(failure)
        ));
    }
    for p in report.problems() {
        let mut props = vec![format!(
            "file={}",
            escape_property(&relative(&p.file, base))
        )];
        if let Some(line) = p.line {
            props.push(format!("line={line}"));
        }
        if let Some(col) = p.column {
            props.push(format!("col={col}"));
        }
        if let (Some(line), Some(end)) = (p.line, p.end_line) {
            if end >= line {
                props.push(format!("endLine={end}"));
            }
        }
        if let (Some(col), Some(end), true) = (p.column, p.end_column, p.line == p.end_line) {
            // GitHub's end column is the last character's; the span ends after it.
            props.push(format!("endColumn={}", end.saturating_sub(1).max(col)));
        }
        props.push(format!("title={}", escape_property(&title_of(&p.code))));
        let mut message = p.message.clone();
        if let Some(help) = &p.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::error {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    out
}

fn title_of(code: &str) -> String {
    let title = Code::ALL
        .iter()
        .find(|c| c.as_str() == code)
        .map_or("a template problem", |c| c.title());
    format!("{code} {title}")
}

/// The report as a SARIF 2.1.0 log with one run; every problem is an error result.
pub fn sarif(report: &CheckReport, base: &Path) -> Value {
    let mut rules: Vec<Value> = Code::ALL
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": { "text": c.title() },
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    rules.push(json!({
        "id": TEMPLATE_CODE,
        "shortDescription": { "text": "a template problem" },
        "defaultConfiguration": { "level": "error" },
    }));
    rules.push(json!({
        "id": FAILURE_CODE,
        "shortDescription": { "text": "the repository could not be loaded" },
        "defaultConfiguration": { "level": "error" },
    }));
    let mut results: Vec<Value> = report
        .problems()
        .iter()
        .map(|p| {
            let mut region = serde_json::Map::new();
            let fields = [
                ("startLine", p.line),
                ("startColumn", p.column),
                ("endLine", p.end_line),
                ("endColumn", p.end_column),
            ];
            for (key, value) in fields {
                if let Some(v) = value {
                    region.insert(key.into(), json!(v));
                }
            }
            let mut location = json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": relative(&p.file, base) },
                }
            });
            if !region.is_empty() {
                location["physicalLocation"]["region"] = Value::Object(region);
            }
            let text = match &p.help {
                Some(help) => format!("{} (help: {help})", p.message),
                None => p.message.clone(),
            };
            json!({
                "ruleId": p.code,
                "level": "error",
                "message": { "text": text },
                "locations": [location],
            })
        })
        .collect();
    if let Some(failure) = &report.failure {
        results.insert(
            0,
            // The failure has no line; it is pinned on the repository's configuration, which
            // names the directories that were loaded.
            json!({
                "ruleId": FAILURE_CODE,
                "level": "error",
                "message": { "text": failure },
                "locations": [{
                    "physicalLocation": { "artifactLocation": { "uri": "segflow.toml" } }
                }],
            }),
        );
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "segflow",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
