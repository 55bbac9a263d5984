//! Calls by name: built-in functions and `in_segment("...")`.
//!
//! Collections called with a filter (`orders(...)`) are calls too in the grammar, but they only
//! mean something as the target of an aggregate method, so they are handled in `aggregate`.

use super::names::{did_you_mean, lookup, COLLECTIONS, FUNCTIONS};
use super::{Checker, Scope};
use crate::dsl::ast::{Arg, Ident, Node, NodeKind};
use crate::dsl::diagnostic::{Code, Diagnostic};
use crate::dsl::ir::{Expr, ExprKind, Func};
use crate::dsl::types::Type;

impl Checker<'_> {
    pub(super) fn call(
        &mut self,
        node: &Node,
        name: &Ident,
        args: &[Arg],
        scope: Scope,
    ) -> Option<Expr> {
        if name.name == "in_segment" {
            // In a rule, a segment inlined into a filter could nest aggregates deeper than
            // the evaluators allow; a workflow's trigger `where` is an events filter in which
            // `in_segment` has always been allowed, and workflows evaluate columnar only.
            if !self.enclosing.is_empty() && !self.ctx.workflow {
                return self.error(
                    Diagnostic::new(
                        Code::BadAggregate,
                        "`in_segment` cannot be used inside a collection's filter",
                        node.span,
                        "in_segment inside a filter",
                    )
                    .with_help("a segment does not depend on the element: write it beside the collection, for example `in_segment(\"vip\") and orders(total > 100).exists()`"),
                );
            }
            return self.in_segment(node, args);
        }
        if name.name == "percentile" {
            return self.percentile(node, args, scope);
        }
        if lookup(COLLECTIONS, &name.name).is_some() {
            return self.error(super::aggregate::bare_collection(&name.name, node.span));
        }
        let Some(func) = lookup(FUNCTIONS, &name.name) else {
            let mut candidates: Vec<&str> = FUNCTIONS.iter().map(|(n, _)| *n).collect();
            candidates.extend(["in_segment", "percentile"]);
            let diag = Diagnostic::new(
                Code::UnknownName,
                format!("unknown function `{}`", name.name),
                name.span,
                "not a function",
            );
            return self.error(match did_you_mean(&name.name, candidates) {
                Some(s) => diag.with_help(format!("did you mean `{s}`?")),
                None => diag.with_help(
                    "the functions are days_since, month, day, weekday, lower, upper, len, coalesce, percentile and in_segment",
                ),
            });
        };
        let mut checked = Vec::new();
        let mut failed = false;
        for arg in args {
            match arg {
                Arg::Expr(a) => match self.expr(a, scope) {
                    Some(e) => checked.push((e, a.span)),
                    None => failed = true,
                },
                Arg::Within { span, .. } | Arg::Since { span, .. } => {
                    failed = true;
                    let word = if matches!(arg, Arg::Within { .. }) {
                        "within"
                    } else {
                        "since"
                    };
                    self.report(
                        Diagnostic::new(
                            Code::Syntax,
                            format!("`{word}` only filters a collection"),
                            *span,
                            "not a collection",
                        )
                        .with_help("write it inside orders(...), items(...) or events(...)"),
                    );
                }
            }
        }
        if failed {
            return None;
        }
        let (arity_ok, arity_text) = match func {
            Func::Coalesce => (!checked.is_empty(), "at least one argument"),
            _ => (checked.len() == 1, "exactly one argument"),
        };
        if !arity_ok {
            return self.error(Diagnostic::new(
                Code::Arity,
                format!(
                    "`{}` takes {arity_text}, but {} were given",
                    name.name,
                    checked.len()
                ),
                node.span,
                "wrong number of arguments",
            ));
        }
        let ty = self.function_type(func, &name.name, &checked)?;
        Some(Expr::new(
            ExprKind::Call(func, checked.into_iter().map(|(e, _)| e).collect()),
            ty,
        ))
    }

    fn function_type(
        &mut self,
        func: Func,
        name: &str,
        args: &[(Expr, crate::dsl::span::Span)],
    ) -> Option<Type> {
        use Type::*;
        let (want, result): (&[Type], Type) = match func {
            Func::DaysSince | Func::Month | Func::Day | Func::Weekday => (&[Time], Number),
            Func::Lower | Func::Upper => (&[String, Dynamic], String),
            Func::Len => (&[String, StringList, Dynamic], Number),
            Func::Coalesce => return self.coalesce_type(args),
        };
        let (arg, span) = &args[0];
        if want.contains(&arg.ty) || arg.ty == Null {
            return Some(result);
        }
        let names: Vec<&str> = want.iter().map(|t| t.name()).collect();
        self.error(Diagnostic::new(
            Code::TypeMismatch,
            format!(
                "`{name}` needs a {}, but this is a {}",
                names.join(" or "),
                arg.ty
            ),
            *span,
            format!("this is a {}", arg.ty),
        ))
    }

    /// All arguments of `coalesce` must share one type (nulls and attributes fit any).
    fn coalesce_type(&mut self, args: &[(Expr, crate::dsl::span::Span)]) -> Option<Type> {
        let mut ty = Type::Null;
        for (arg, span) in args {
            if ty == Type::Null || ty == Type::Dynamic {
                if arg.ty != Type::Null {
                    ty = arg.ty;
                }
            } else if !arg.ty.fits(ty) {
                return self.error(Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "the arguments of `coalesce` must have one type: a {ty} and a {}",
                        arg.ty
                    ),
                    *span,
                    format!("this is a {}", arg.ty),
                ));
            }
        }
        Some(ty)
    }

    fn in_segment(&mut self, node: &Node, args: &[Arg]) -> Option<Expr> {
        let name = match args {
            [Arg::Expr(Node {
                kind: NodeKind::String(s),
                span,
            })] => (s.clone(), *span),
            _ => {
                return self.error(
                    Diagnostic::new(
                        Code::Arity,
                        "`in_segment` takes one segment name in quotes",
                        node.span,
                        "expected in_segment(\"name\")",
                    )
                    .with_help("for example `in_segment(\"vip\")`"),
                )
            }
        };
        let (segment, span) = name;
        if !self.ctx.segments.contains(&segment) {
            let diag = Diagnostic::new(
                Code::UnknownSegment,
                format!("unknown segment `{segment}`"),
                span,
                "no rule file defines this segment",
            );
            let suggestion = did_you_mean(&segment, self.ctx.segments.iter().map(String::as_str));
            return self.error(match suggestion {
                Some(s) => diag.with_help(format!("did you mean `{s}`?")),
                None => diag.with_help(format!("add rules/{segment}.yaml or correct the name")),
            });
        }
        self.segment_refs.push((segment.clone(), span));
        Some(Expr::new(ExprKind::InSegment(segment), Type::Bool))
    }
}
