//! Type rules of the operators: arithmetic, comparisons, `in`, `contains`, `between`.
//!
//! Each rule says which operand types fit together and what the result is; a mismatch becomes a
//! diagnostic that names both types and suggests the usual fix (quotes around a date, `is null`
//! instead of `== null`, days instead of a duration).

use super::{Checker, Scope};
use crate::dsl::ast::{BinaryOp, Node, NodeKind};
use crate::dsl::diagnostic::{Code, Diagnostic};
use crate::dsl::ir::{ArithOp, CompareOp, Expr, ExprKind, Literal};
use crate::dsl::span::Span;
use crate::dsl::types::Type;

impl Checker<'_> {
    pub(super) fn arith(
        &mut self,
        node: &Node,
        op: BinaryOp,
        lhs: &Node,
        rhs: &Node,
        scope: Scope,
    ) -> Option<Expr> {
        let (a, b) = (self.expr(lhs, scope), self.expr(rhs, scope));
        let (a, b) = (a?, b?);
        let arith = match op {
            BinaryOp::Add => ArithOp::Add,
            BinaryOp::Sub => ArithOp::Sub,
            BinaryOp::Mul => ArithOp::Mul,
            _ => ArithOp::Div,
        };
        use Type::*;
        let ty = match (a.ty, arith, b.ty) {
            (Number | Dynamic | Null, _, Number | Dynamic | Null) => Some(Number),
            (Time, ArithOp::Add | ArithOp::Sub, Duration) => Some(Time),
            (Duration, ArithOp::Add, Time) => Some(Time),
            (Time, ArithOp::Sub, Time) => Some(Duration),
            (Duration, ArithOp::Add | ArithOp::Sub, Duration) => Some(Duration),
            _ => None,
        };
        match ty {
            Some(ty) => Some(Expr::new(
                ExprKind::Arith(arith, Box::new(a), Box::new(b)),
                ty,
            )),
            None => {
                let help = if a.ty == Time || b.ty == Time {
                    "add or subtract a duration from a timestamp, such as `now - 30d`"
                } else {
                    "arithmetic works on numbers, and on timestamps with durations"
                };
                self.error(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!(
                            "cannot apply `{}` to a {} and a {}",
                            op.symbol(),
                            a.ty,
                            b.ty
                        ),
                        node.span,
                        format!("{} {} {}", a.ty, op.symbol(), b.ty),
                    )
                    .with_help(help),
                )
            }
        }
    }

    pub(super) fn negate(&mut self, node: &Node, inner: &Node, scope: Scope) -> Option<Expr> {
        let e = self.expr(inner, scope)?;
        match e.ty {
            Type::Number | Type::Duration | Type::Dynamic => {
                let ty = if e.ty == Type::Dynamic {
                    Type::Number
                } else {
                    e.ty
                };
                Some(Expr::new(ExprKind::Neg(Box::new(e)), ty))
            }
            other => self.error(Diagnostic::new(
                Code::TypeMismatch,
                format!("cannot negate a {other}"),
                node.span,
                format!("this is a {other}"),
            )),
        }
    }

    pub(super) fn compare(
        &mut self,
        node: &Node,
        op: BinaryOp,
        lhs: &Node,
        rhs: &Node,
        scope: Scope,
    ) -> Option<Expr> {
        let (a, b) = (self.expr(lhs, scope), self.expr(rhs, scope));
        let (a, b) = (a?, b?);
        let cmp = match op {
            BinaryOp::Eq => CompareOp::Eq,
            BinaryOp::Ne => CompareOp::Ne,
            BinaryOp::Lt => CompareOp::Lt,
            BinaryOp::Le => CompareOp::Le,
            BinaryOp::Gt => CompareOp::Gt,
            _ => CompareOp::Ge,
        };
        if a.ty == Type::Null || b.ty == Type::Null {
            let not = if op == BinaryOp::Ne { "not " } else { "" };
            return self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    "a comparison with null is never true",
                    node.span,
                    "comparison with null",
                )
                .with_help(format!("test for a missing value with `is {not}null`")),
            );
        }
        let ordered = !matches!(cmp, CompareOp::Eq | CompareOp::Ne);
        if comparable(a.ty, b.ty, ordered) {
            return Some(Expr::new(
                ExprKind::Compare(cmp, Box::new(a), Box::new(b)),
                Type::Bool,
            ));
        }
        let diag = Diagnostic::new(
            Code::TypeMismatch,
            format!("cannot compare a {} with a {}", a.ty, b.ty),
            node.span,
            format!("{} {} {}", a.ty, op.symbol(), b.ty),
        );
        self.error(match mismatch_help(&a, &b, lhs, rhs) {
            Some(h) => diag.with_help(h),
            None => diag,
        })
    }

    pub(super) fn between(
        &mut self,
        node: &Node,
        expr: &Node,
        low: &Node,
        high: &Node,
        scope: Scope,
    ) -> Option<Expr> {
        let (e, l, h) = (
            self.expr(expr, scope),
            self.expr(low, scope),
            self.expr(high, scope),
        );
        let (e, l, h) = (e?, l?, h?);
        if comparable(e.ty, l.ty, true)
            && comparable(e.ty, h.ty, true)
            && comparable(l.ty, h.ty, true)
        {
            return Some(Expr::new(
                ExprKind::Between {
                    expr: Box::new(e),
                    low: Box::new(l),
                    high: Box::new(h),
                },
                Type::Bool,
            ));
        }
        self.error(
            Diagnostic::new(
                Code::TypeMismatch,
                format!("`between` needs bounds of the same type as the value: {} between {} and {}", e.ty, l.ty, h.ty),
                node.span,
                "mismatched bounds",
            )
            .with_help("for example `age between 25 and 34` or `created_at between 2026-01-01 and 2026-03-31`"),
        )
    }

    /// `x in [..]`, `x in tags`, `x not in ...`.
    pub(super) fn membership(
        &mut self,
        node: &Node,
        negated: bool,
        lhs: &Node,
        rhs: &Node,
        scope: Scope,
    ) -> Option<Expr> {
        if let NodeKind::List(items) = &rhs.kind {
            return self.in_list(node, negated, lhs, items, scope);
        }
        let (needle, haystack) = (self.expr(lhs, scope), self.expr(rhs, scope));
        let contains = self.contains(node, haystack?, needle?, rhs.span, lhs.span)?;
        if negated {
            return Some(Expr::new(ExprKind::Not(Box::new(contains)), Type::Bool));
        }
        Some(contains)
    }

    fn in_list(
        &mut self,
        node: &Node,
        negated: bool,
        lhs: &Node,
        items: &[Node],
        scope: Scope,
    ) -> Option<Expr> {
        let e = self.expr(lhs, scope);
        let mut list = Vec::new();
        let mut ok = true;
        for item in items {
            match constant(item) {
                Some(l @ (Literal::String(_) | Literal::Number(_))) => list.push((l, item.span)),
                _ => {
                    ok = false;
                    self.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            "list elements must be strings or numbers",
                            item.span,
                            "not a literal",
                        )
                        .with_help("write the values out, such as [\"US\", \"CA\"] or [1, 2, 3]"),
                    );
                }
            }
        }
        let e = e?;
        if !ok {
            return None;
        }
        for (l, span) in &list {
            let lty = if matches!(l, Literal::String(_)) {
                Type::String
            } else {
                Type::Number
            };
            if !comparable(e.ty, lty, false) {
                return self.error(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("cannot look for a {} in a list of {}s", e.ty, lty),
                        node.span.to(*span),
                        format!("this is a {lty}"),
                    )
                    .with_help(
                        "the list's values must have the same type as the value on the left",
                    ),
                );
            }
        }
        Some(Expr::new(
            ExprKind::InList {
                expr: Box::new(e),
                list: list.into_iter().map(|(l, _)| l).collect(),
                negated,
            },
            Type::Bool,
        ))
    }

    pub(super) fn contains(
        &mut self,
        node: &Node,
        haystack: Expr,
        needle: Expr,
        h_span: Span,
        n_span: Span,
    ) -> Option<Expr> {
        use Type::*;
        let fits = match haystack.ty {
            StringList => matches!(needle.ty, String | Dynamic),
            String => matches!(needle.ty, String | Dynamic),
            Dynamic => matches!(needle.ty, String | Number | Dynamic),
            _ => false,
        };
        if fits {
            return Some(Expr::new(
                ExprKind::Contains {
                    haystack: Box::new(haystack),
                    needle: Box::new(needle),
                },
                Bool,
            ));
        }
        let (span, label) = if matches!(haystack.ty, StringList | String | Dynamic) {
            (n_span, format!("this is a {}", needle.ty))
        } else {
            (
                h_span,
                format!("this is a {}, not a list or string", haystack.ty),
            )
        };
        let _ = node;
        self.error(
            Diagnostic::new(
                Code::TypeMismatch,
                format!("cannot look for a {} in a {}", needle.ty, haystack.ty),
                span,
                label,
            )
            .with_help("`in` and `contains` look for a string in a list such as `tags`, or in another string"),
        )
    }
}

/// Whether two types can be compared; `ordered` for `<`, `<=`, `>`, `>=` and `between`.
fn comparable(a: Type, b: Type, ordered: bool) -> bool {
    use Type::*;
    match (a, b) {
        (Dynamic, Dynamic) => true,
        (Dynamic, t) | (t, Dynamic) => matches!(t, Number | String) || (!ordered && t == Bool),
        (Bool, Bool) => !ordered,
        (x, y) => x == y && matches!(x, Number | String | Time | Duration),
    }
}

/// Suggestions for the usual mix-ups between timestamps, strings, numbers and durations.
fn mismatch_help(a: &Expr, b: &Expr, lhs: &Node, rhs: &Node) -> Option<String> {
    use Type::*;
    let quoted_date = |n: &Node| match &n.kind {
        NodeKind::String(s) => crate::dsl::literal::timestamp(s).map(|_| s.clone()),
        _ => None,
    };
    match (a.ty, b.ty) {
        (Time, String) | (String, Time) => {
            let d = quoted_date(rhs).or_else(|| quoted_date(lhs))?;
            Some(format!("write dates without quotes: {d}"))
        }
        (Number, Duration) | (Duration, Number) => Some(
            "days_since(...) and other functions return plain numbers: compare with 180, not 180d"
                .into(),
        ),
        (Time, Duration) | (Duration, Time) => {
            Some("compare a timestamp with another timestamp, such as `now - 30d`".into())
        }
        (String, Number) | (Number, String) => {
            Some("put quotes around text and none around numbers".into())
        }
        _ => None,
    }
}

/// The value of a literal node (including a negated number), for list elements.
pub(super) fn constant(node: &Node) -> Option<Literal> {
    match &node.kind {
        NodeKind::Number(n) => Some(Literal::Number(*n)),
        NodeKind::String(s) => Some(Literal::String(s.clone())),
        NodeKind::Neg(inner) => match inner.kind {
            NodeKind::Number(n) => Some(Literal::Number(-n)),
            _ => None,
        },
        _ => None,
    }
}
