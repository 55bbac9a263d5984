//! One rule file, `rules/NAME.yaml`: its YAML shape, and the parsed condition with spans that
//! point into the YAML file.
//!
//! The `where:` value is a YAML scalar whose decoded text does not sit at a fixed offset in the
//! file (quotes, escapes and block indentation move it), so the loader builds an `OffsetMap` by
//! walking the raw file text alongside the decoded string. Diagnostics then show the line and
//! column the merchant sees in the editor.

use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::dsl::ast::{Arg, Node, NodeKind};
use crate::dsl::diagnostic::{Code, Diagnostic, SourceFile};
use crate::dsl::parser;
use crate::dsl::span::{OffsetMap, Span};

/// The keys a rule file may have; anything else is an error, so typos do not pass silently.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    segment: Spanned<String>,
    description: Option<String>,
    #[serde(rename = "where")]
    condition: Spanned<String>,
    #[serde(default)]
    tags: Vec<String>,
}

/// A rule file that is valid YAML of the right shape and whose condition parses.
#[derive(Debug, Clone)]
pub struct RuleFile {
    pub name: String,
    pub name_span: Span,
    pub description: String,
    pub tags: Vec<String>,
    pub condition: Node,
    /// The condition as written, for display.
    pub condition_text: String,
    pub file: Arc<SourceFile>,
}

impl RuleFile {
    /// Parses a rule file. `stem` is the file name without `.yaml`, which must equal the segment
    /// name so that a merchant always finds a segment's definition by its name.
    pub fn parse(file: Arc<SourceFile>, stem: &str) -> Result<RuleFile, Vec<Diagnostic>> {
        let raw: RawRule =
            serde_saphyr::from_str(&file.text).map_err(|e| vec![yaml_error(&file.text, &e)])?;
        let mut diagnostics = Vec::new();
        let name_span = snap(&file.text, scalar_span(&file.text, &raw.segment));
        let name = raw.segment.value.clone();
        if !valid_name(&name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::BadFile,
                    format!("invalid segment name `{name}`"),
                    name_span,
                    "invalid name",
                )
                .with_help(
                    "segment names use lowercase letters, digits and _ (for example high_value)",
                ),
            );
        } else if name != stem {
            diagnostics.push(
                Diagnostic::new(
                    Code::NameMismatch,
                    format!("segment `{name}` is defined in a file named `{stem}`"),
                    name_span,
                    "does not match the file name",
                )
                .with_help(format!(
                    "rename the file to {name}.yaml or the segment to `{stem}`"
                )),
            );
        }
        let map = offset_map(&file.text, &raw.condition);
        let condition = match parser::parse(&raw.condition.value, &map) {
            Ok(mut node) => {
                snap_node(&file.text, &mut node);
                Some(node)
            }
            Err(mut d) => {
                d.span = d.span.map(|span| snap(&file.text, span));
                diagnostics.push(d);
                None
            }
        };
        match condition {
            Some(condition) if diagnostics.is_empty() => Ok(RuleFile {
                name,
                name_span,
                description: raw.description.unwrap_or_default(),
                tags: raw.tags,
                condition,
                condition_text: raw.condition.value,
                file,
            }),
            _ => Err(diagnostics),
        }
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A YAML error (syntax, unknown key, missing key, wrong type) as a diagnostic at its position.
fn yaml_error(text: &str, e: &serde_saphyr::Error) -> Diagnostic {
    let message = e.without_snippet().to_string();
    let first = message.lines().next().unwrap_or("invalid YAML").trim();
    // miette shows the position itself; drop serde-saphyr's own " at line N, column M".
    let message = match first.rfind(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    };
    let help = if message.contains("unknown field") {
        "a rule file has the keys segment, description, where and tags"
    } else if message.contains("missing field") {
        "a rule file needs at least `segment:` and `where:`"
    } else {
        "check the YAML syntax: `key: value` pairs, and quotes around a condition that starts with a quote or contains `: `"
    };
    let span = e
        .location()
        .and_then(|loc| {
            loc.span()
                .byte_offset()
                .map(|o| o as usize)
                .or_else(|| offset_of(text, loc.line() as usize, loc.column() as usize))
        })
        .map(|off| {
            let start = floor_boundary(text, off);
            let end = text[start..]
                .find('\n')
                .map_or(text.len(), |i| start + i)
                .max(start + 1)
                .min(text.len());
            Span::new(start, end.max(start))
        });
    Diagnostic {
        code: Code::BadFile,
        message,
        span,
        label: "here".into(),
        help: Some(help.into()),
    }
}

/// The byte offset of a 1-based line and character column.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = &text[line_start..];
    let col = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + col)
}

/// The span of a scalar value in the file.
fn scalar_span(text: &str, value: &Spanned<String>) -> Span {
    let map = offset_map(text, value);
    map.span(0, value.value.len())
}

/// Maps each byte of the decoded scalar to its byte in the raw file text.
///
/// The walk matches the decoded characters in order against the raw text that starts at the
/// scalar, skipping what YAML removes: quotes, escape backslashes, block indicators, line breaks
/// and indentation. Whitespace in the decoded text matches any whitespace (folded lines turn a
/// line break into a space).
fn offset_map(text: &str, value: &Spanned<String>) -> OffsetMap {
    let start = value
        .referenced
        .span()
        .byte_offset()
        .map_or(0, |o| floor_boundary(text, o as usize));
    let raw: Vec<(usize, char)> = text[start..]
        .char_indices()
        .map(|(i, c)| (start + i, c))
        .collect();
    let mut positions = Vec::with_capacity(value.value.len() + 1);
    let mut r = 0;
    let mut last = start;
    for c in value.value.chars() {
        let mut k = r;
        while k < raw.len() && !same(raw[k].1, c) {
            k += 1;
        }
        let at = if k < raw.len() {
            r = k + 1;
            raw[k].0
        } else {
            last
        };
        last = at;
        positions.extend(std::iter::repeat_n(at, c.len_utf8()));
    }
    let end = raw.get(r).map_or(text.len(), |(i, _)| *i);
    positions.push(end.max(last));
    OffsetMap::from_positions(positions)
}

fn same(raw: char, decoded: char) -> bool {
    raw == decoded || (decoded.is_whitespace() && raw.is_whitespace())
}

/// Moves a span inside `text` and onto character boundaries.
///
/// The offset map pairs decoded characters with raw ones one at a time; where they differ in
/// length (a decoded space for a raw no-break space) or a character is not found at all, an end
/// can land inside a multi-byte character. miette slices the file with every span it renders, so
/// each span is widened to whole characters here, once, for the name and the whole tree.
fn snap(text: &str, span: Span) -> Span {
    let end = ceil_boundary(text, span.end);
    Span::new(floor_boundary(text, span.start.min(end)), end)
}

/// Snaps the span of every node, name and window of a parsed condition; the tree's depth is
/// bounded by the parser, so the recursion is too.
fn snap_node(text: &str, node: &mut Node) {
    node.span = snap(text, node.span);
    let snap_args = |args: &mut Vec<Arg>| {
        for arg in args {
            match arg {
                Arg::Expr(value) => snap_node(text, value),
                Arg::Within { value, span } => {
                    *span = snap(text, *span);
                    snap_node(text, value);
                }
            }
        }
    };
    match &mut node.kind {
        NodeKind::List(items) => items.iter_mut().for_each(|n| snap_node(text, n)),
        NodeKind::Path(parts) => parts.iter_mut().for_each(|p| p.span = snap(text, p.span)),
        NodeKind::Call { name, args } => {
            name.span = snap(text, name.span);
            snap_args(args);
        }
        NodeKind::Method { target, name, args } => {
            snap_node(text, target);
            name.span = snap(text, name.span);
            snap_args(args);
        }
        NodeKind::Not(inner) | NodeKind::Neg(inner) => snap_node(text, inner),
        NodeKind::IsNull { expr, .. } => snap_node(text, expr),
        NodeKind::Binary(_, lhs, rhs) => {
            snap_node(text, lhs);
            snap_node(text, rhs);
        }
        NodeKind::Between { expr, low, high } => {
            snap_node(text, expr);
            snap_node(text, low);
            snap_node(text, high);
        }
        NodeKind::Number(_)
        | NodeKind::String(_)
        | NodeKind::Bool(_)
        | NodeKind::Null
        | NodeKind::Duration(_)
        | NodeKind::Date(_)
        | NodeKind::Timestamp(_) => {}
    }
}

/// The nearest character boundary at or before `at`, within the text.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The nearest character boundary at or after `at`, within the text.
fn ceil_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}
