//! Positions of YAML values in the file a merchant wrote, shared by rule and workflow files.
//!
//! A YAML scalar's decoded text does not sit at a fixed offset in the file (quotes, escapes and
//! block indentation move it), so `offset_map` walks the raw file text alongside the decoded
//! string. `yaml_error` turns a serde-saphyr error into a diagnostic at its position.

use serde_saphyr::Spanned;

use super::diagnostic::{Code, Diagnostic};
use super::span::{OffsetMap, Span};

/// What to suggest for the three kinds of YAML error a definition file can have.
pub struct YamlHelp<'a> {
    pub unknown_field: &'a str,
    pub missing_field: &'a str,
    pub syntax: &'a str,
}

/// A YAML error (syntax, unknown key, missing key, wrong type) as a diagnostic at its position.
pub fn yaml_error(text: &str, e: &serde_saphyr::Error, help: &YamlHelp) -> Diagnostic {
    let message = e.without_snippet().to_string();
    let first = message.lines().next().unwrap_or("invalid YAML").trim();
    // miette shows the position itself; drop serde-saphyr's own " at line N, column M".
    let message = match first.rfind(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    };
    let help = if message.contains("unknown field") {
        help.unknown_field
    } else if message.contains("missing field") {
        help.missing_field
    } else {
        help.syntax
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
pub fn scalar_span(text: &str, value: &Spanned<String>) -> Span {
    let map = offset_map(text, value);
    map.span(0, value.value.len())
}

/// Maps each byte of the decoded scalar to its byte in the raw file text.
///
/// The walk matches the decoded characters in order against the raw text that starts at the
/// scalar, skipping what YAML removes: quotes, escape backslashes, block indicators, line breaks
/// and indentation. Whitespace in the decoded text matches any whitespace (folded lines turn a
/// line break into a space).
pub fn offset_map(text: &str, value: &Spanned<String>) -> OffsetMap {
    let start = value
        .referenced
        .span()
        .byte_offset()
        .map_or(0, |o| floor_boundary(text, o as usize));
    let raw: Vec<(usize, char)> = text[start..]
        .char_indices()
        .map(|(i, c)| (start + i, c))
        .collect();
    let mut chars = Vec::with_capacity(value.value.len());
    let mut r = 0;
    let mut last = (start, start);
    for c in value.value.chars() {
        let mut k = r;
        while k < raw.len() && !same(raw[k].1, c) {
            k += 1;
        }
        // A character not found in the raw text (an escape such as `\n`) takes the position of
        // the one before it, which is always a whole character.
        let at = if k < raw.len() {
            r = k + 1;
            (raw[k].0, raw[k].0 + raw[k].1.len_utf8())
        } else {
            last
        };
        last = at;
        chars.extend(std::iter::repeat_n(at, c.len_utf8()));
    }
    let end = raw.get(r).map_or(text.len(), |(i, _)| *i);
    OffsetMap::from_chars(chars, end.max(last.1))
}

fn same(raw: char, decoded: char) -> bool {
    raw == decoded || (decoded.is_whitespace() && raw.is_whitespace())
}

/// The nearest character boundary at or before `at`, within the text.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
