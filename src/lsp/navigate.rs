//! Hover, go to definition and "did you mean" fixes: the names under the cursor resolved
//! against the checked repository (segments, templates) and the language's own tables.

use std::path::{Path, PathBuf};

use lsp_types::{
    CodeAction, CodeActionKind, Hover, HoverContents, MarkupContent, MarkupKind, Range, TextEdit,
    WorkspaceEdit,
};
use rusqlite::Connection;

use super::docs;
use super::position::range;
use super::workspace::Checked;
use crate::dsl::diagnostic::FileDiagnostic;

/// What the cursor is on.
#[derive(Debug, PartialEq, Eq)]
pub enum Target {
    /// The name inside `in_segment("…")`.
    Segment(String),
    /// The template named by `send:`.
    Template(String),
    /// A name of the language (`total_spent`, `rfm.group`, `count`).
    Name(String),
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// The target at byte `at` of `text`.
pub fn target(text: &str, at: usize) -> Option<Target> {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[line_start..line_end];
    let col = at - line_start;
    let start = line[..col]
        .char_indices()
        .rev()
        .find(|(_, c)| !is_name_char(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = line[col..]
        .find(|c: char| !is_name_char(c))
        .map_or(line.len(), |i| col + i);
    let word = line[start..end].trim_matches('.');
    if word.is_empty() {
        return None;
    }
    let before = &line[..start];
    if before.ends_with("in_segment(\"") || before.ends_with("in_segment('") {
        return Some(Target::Segment(word.to_string()));
    }
    if before.trim_end().ends_with("send:") {
        return Some(Target::Template(word.to_string()));
    }
    Some(Target::Name(word.to_string()))
}

fn markdown(value: String) -> Hover {
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: None,
    }
}

/// The hover of a target: a segment's description and current size, a template's files, a
/// name's type, meaning and example.
pub fn hover(
    target: &Target,
    checked: &Checked,
    templates: &Path,
    store: Option<&Connection>,
) -> Option<Hover> {
    match target {
        Target::Segment(name) => {
            let size = store.and_then(|c| crate::store::membership::size(c, name).ok());
            let Some(segment) = checked.segments.as_ref().and_then(|set| set.get(name)) else {
                // The rules do not check right now: say what the store knows.
                let size = size.map(|n| format!("\n\n{n} customers now (as of the last refresh)"));
                return Some(markdown(format!(
                    "**segment {name}**{}",
                    size.unwrap_or_default()
                )));
            };
            let mut text = format!("**segment {name}**");
            if !segment.description.is_empty() {
                text.push_str(&format!("\n\n{}", segment.description));
            }
            text.push_str(&format!(
                "\n\n```segflow\n{}\n```",
                segment.condition_text.trim()
            ));
            if let Some(size) = size {
                let unit = if size == 1 { "customer" } else { "customers" };
                text.push_str(&format!("\n\n{size} {unit} now (as of the last refresh)"));
            }
            Some(markdown(text))
        }
        Target::Template(name) => {
            let dir = templates.join(name);
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .ok()?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            Some(markdown(format!(
                "**template {name}**\n\n{}: {}",
                dir.display(),
                files.join(", ")
            )))
        }
        Target::Name(name) => {
            // `orders.count` is the aggregate `count` after a collection; `rfm.group` a name.
            let last = name.rsplit('.').next().unwrap_or(name);
            let all = docs::all();
            let doc = all
                .iter()
                .find(|d| d.name == name)
                .or_else(|| all.iter().find(|d| d.name == last))?;
            Some(markdown(docs::hover(doc)))
        }
    }
}

/// The file a target is defined in: a segment's rule file (by its `segment:` when the rules
/// check, else `rules/NAME.yaml`), a template's first file.
pub fn definition(
    target: &Target,
    checked: &Checked,
    rules: &Path,
    templates: &Path,
) -> Option<PathBuf> {
    match target {
        Target::Segment(name) => match checked.segments.as_ref().and_then(|s| s.get(name)) {
            Some(segment) => Some(PathBuf::from(&segment.file.name)),
            None => ["yaml", "yml"]
                .iter()
                .map(|ext| rules.join(format!("{name}.{ext}")))
                .find(|p| p.is_file()),
        },
        Target::Template(name) => {
            let dir = templates.join(name);
            ["subject.txt", "body.html", "body.txt"]
                .iter()
                .map(|f| dir.join(f))
                .find(|p| p.is_file())
        }
        Target::Name(_) => None,
    }
}

/// The name a "did you mean `x`?" help proposes.
fn suggestion(help: &str) -> Option<&str> {
    let rest = help.strip_prefix("did you mean `")?;
    rest.strip_suffix("`?")
}

fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// Quick fixes for the problems of one file that overlap `wanted`: each "did you mean"
/// replaces the underlined text with the suggestion.
// `WorkspaceEdit::changes` is lsp-types' map keyed by `Uri`, whose parsed parts are cached in
// cells; the key is never changed while in the map.
#[allow(clippy::mutable_key_type)]
pub fn fixes(
    diagnostics: &[&FileDiagnostic],
    wanted: &Range,
    uri: &lsp_types::Uri,
) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in diagnostics {
        let (Some(span), Some(help)) = (d.diagnostic.span, d.diagnostic.help.as_deref()) else {
            continue;
        };
        let Some(name) = suggestion(help) else {
            continue;
        };
        let at = range(&d.file.text, span.start, span.end);
        if !overlaps(&at, wanted) {
            continue;
        }
        let edit = TextEdit::new(at, name.to_string());
        let changes = [(uri.clone(), vec![edit])].into_iter().collect();
        out.push(CodeAction {
            title: format!("Replace with `{name}`"),
            kind: Some(CodeActionKind::QUICKFIX),
            edit: Some(WorkspaceEdit {
                changes: Some(changes),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(true),
            ..CodeAction::default()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_names_a_segment_a_template_or_a_name() {
        let text =
            "where: in_segment(\"vip\") and rfm.group == \"x\"\n  - { id: a, send: welcome_1 }\n";
        let at = |s: &str| text.find(s).unwrap() + 1;
        assert_eq!(target(text, at("vip")), Some(Target::Segment("vip".into())));
        assert_eq!(
            target(text, at("group")),
            Some(Target::Name("rfm.group".into()))
        );
        assert_eq!(
            target(text, at("welcome")),
            Some(Target::Template("welcome_1".into()))
        );
        assert_eq!(
            suggestion("did you mean `total_spent`?"),
            Some("total_spent")
        );
        // After a multibyte character, and on an aggregate after a collection.
        let text = "where: éx > 1 and orders.count() > 0 # 😀\n";
        assert_eq!(
            target(text, text.find('x').unwrap()),
            Some(Target::Name("x".into()))
        );
        assert_eq!(
            target(text, text.find("ount").unwrap()),
            Some(Target::Name("orders.count".into()))
        );
        assert_eq!(target(text, text.len() - 1), None);
    }
}
