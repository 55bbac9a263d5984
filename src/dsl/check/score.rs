//! Resolution of the dotted model score names (`rfm.NAME`, `predicted.NAME`) against the
//! `SCORE_FIELDS` table, with a suggestion for a misspelt name.

use super::names::{did_you_mean, lookup, SCORE_FIELDS};
use crate::dsl::diagnostic::{Code, Diagnostic};
use crate::dsl::ir::{CustomerField, Expr, ExprKind};
use crate::dsl::span::Span;

/// The score `prefix.name` as a customer field, or an unknown-name diagnostic.
pub fn path(prefix: &str, name: &str, span: Span) -> Result<Expr, Diagnostic> {
    let full = format!("{prefix}.{name}");
    if let Some(f) = lookup(SCORE_FIELDS, &full) {
        let field = CustomerField::Score(f);
        return Ok(Expr::new(ExprKind::Customer(field), field.ty()));
    }
    let siblings: Vec<&str> = SCORE_FIELDS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with(prefix) && n.as_bytes().get(prefix.len()) == Some(&b'.'))
        .collect();
    let diag = Diagnostic::new(
        Code::UnknownName,
        format!("unknown field `{full}`"),
        span,
        format!("not a `{prefix}` score"),
    );
    let short: Vec<&str> = siblings.iter().map(|n| &n[prefix.len() + 1..]).collect();
    Err(match did_you_mean(name, short.iter().copied()) {
        Some(s) => diag.with_help(format!("did you mean `{prefix}.{s}`?")),
        None => diag.with_help(format!("the `{prefix}` scores are {}", siblings.join(", "))),
    })
}
