//! The limits on merchant input that keep parsing and everything after it (checking, inlining,
//! both evaluators, dropping the tree) free of unbounded recursion.
//!
//! Two limits apply. Before pest runs, the raw text is scanned for bracket nesting, because pest
//! descends once per bracket; the scan mirrors the grammar's strings and comments so that a
//! quote inside a comment or an escaped quote cannot hide brackets from it. While the tree is
//! built, its depth is measured, because chains of `or`, `+`, `not` or `-` need no brackets to
//! produce a tree that is thousands of levels deep.

use crate::dsl::ast::{Arg, Node, NodeKind};
use crate::dsl::diagnostic::{Code, Diagnostic};
use crate::dsl::span::{OffsetMap, Span};

/// The longest expression accepted, in bytes.
pub const MAX_LEN: usize = 16 * 1024;
/// The deepest nesting of parentheses and brackets accepted.
pub const MAX_DEPTH: usize = 48;
/// The deepest syntax tree accepted: a chain of 100 `or`s is fine, thousands are not.
pub const MAX_TREE_DEPTH: usize = 128;

/// Rejects text that is too long or nests brackets too deeply for pest to descend into.
pub(super) fn check_text(src: &str, map: &OffsetMap) -> Result<(), Diagnostic> {
    if src.len() > MAX_LEN {
        return Err(Diagnostic::new(
            Code::TooComplex,
            format!(
                "the condition is {} bytes long; segflow accepts up to {MAX_LEN}",
                src.len()
            ),
            map.span(0, 1),
            "this condition is too long",
        )
        .with_help("split it into several segments and combine them with in_segment(\"...\")"));
    }
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'') => i = string_end(bytes, i + 1, quote),
            b'#' => i = line_end(bytes, i),
            b'(' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Diagnostic::new(
                        Code::TooComplex,
                        format!("the condition nests deeper than {MAX_DEPTH} levels"),
                        map.span(i, i + 1),
                        "too deeply nested",
                    )
                    .with_help(
                        "remove redundant parentheses or split the condition into segments",
                    ));
                }
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The index of the byte that ends a string whose contents start at `i`: its closing quote, or
/// the line break or end of text where the grammar gives up on it. A backslash escapes any byte,
/// as in the grammar's `"\\" ~ ANY`.
fn string_end(bytes: &[u8], mut i: usize, quote: u8) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' => return i,
            b if b == quote => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index of the line break that ends a comment starting at `i`, or the end of the text.
fn line_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| i + n)
}

/// The depth of `node`'s tree, measured no further than one level past the limit, so that the
/// measurement itself never recurses deeper than the limit.
pub(super) fn depth(node: &Node) -> usize {
    depth_within(node, MAX_TREE_DEPTH + 1)
}

fn depth_within(node: &Node, cap: usize) -> usize {
    if cap == 0 {
        return 0;
    }
    let below = |n: &Node| depth_within(n, cap - 1);
    let deepest = match &node.kind {
        NodeKind::List(items) => items.iter().map(below).max(),
        NodeKind::Call { args, .. } => args.iter().map(|a| below(arg_node(a))).max(),
        NodeKind::Method { target, args, .. } => args
            .iter()
            .map(|a| below(arg_node(a)))
            .chain([below(target)])
            .max(),
        NodeKind::Not(inner) | NodeKind::Neg(inner) => Some(below(inner)),
        NodeKind::IsNull { expr, .. } => Some(below(expr)),
        NodeKind::Binary(_, lhs, rhs) => Some(below(lhs).max(below(rhs))),
        NodeKind::Between { expr, low, high } => Some(below(expr).max(below(low)).max(below(high))),
        NodeKind::Number(_)
        | NodeKind::String(_)
        | NodeKind::Bool(_)
        | NodeKind::Null
        | NodeKind::Duration(_)
        | NodeKind::Date(_)
        | NodeKind::Timestamp(_)
        | NodeKind::Path(_) => None,
    };
    1 + deepest.unwrap_or(0)
}

/// The deepest of some call arguments, 0 for none.
pub(super) fn args_depth(args: &[Arg]) -> usize {
    args.iter().map(|a| depth(arg_node(a))).max().unwrap_or(0)
}

fn arg_node(arg: &Arg) -> &Node {
    match arg {
        Arg::Expr(node) | Arg::Within { value: node, .. } | Arg::Since { value: node, .. } => node,
    }
}

/// The tree grew one level past the limit at `span`.
pub(super) fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::TooComplex,
        format!("the condition nests more than {MAX_TREE_DEPTH} operators inside each other"),
        span,
        "too deeply nested",
    )
    .with_help(
        "write `x in [\"a\", \"b\"]` instead of a long chain of `or`, drop repeated `not` or `-`, \
         or split the condition into segments combined with in_segment(\"...\")",
    )
}
