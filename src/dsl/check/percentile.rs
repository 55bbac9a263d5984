//! `percentile(x)`: where a customer's value ranks among all customers ("top 10 % by spend" is
//! `percentile(total_spent) > 90`).
//!
//! Unlike every other construct it depends on other customers, so it is allowed only where the
//! whole population is evaluated: a segment's condition, outside any collection filter, with an
//! argument that is not itself a percentile. Workflow conditions evaluate one customer at a time
//! and refuse it; `workflow::file` also refuses a segment that uses it when inlined there.

use super::{Checker, Scope};
use crate::dsl::ast::{Arg, Node};
use crate::dsl::diagnostic::{Code, Diagnostic};
use crate::dsl::ir::{Expr, ExprKind};
use crate::dsl::types::Type;

const EXAMPLE: &str = "for example `percentile(total_spent) > 90` for the top 10 % by spend";

impl Checker<'_> {
    pub(super) fn percentile(&mut self, node: &Node, args: &[Arg], scope: Scope) -> Option<Expr> {
        if self.ctx.workflow {
            return self.error(
                Diagnostic::new(
                    Code::BadAggregate,
                    "`percentile` ranks customers against each other, which a workflow condition, evaluated for one customer at a time, cannot do",
                    node.span,
                    "percentile in a workflow",
                )
                .with_help("define a segment with it and trigger the workflow on `segment_entered` of that segment"),
            );
        }
        if scope != Scope::Customer || !self.enclosing.is_empty() {
            return self.error(
                Diagnostic::new(
                    Code::BadAggregate,
                    "`percentile` ranks customers, so it cannot be used inside a collection's filter",
                    node.span,
                    "percentile inside a filter",
                )
                .with_help(format!("use it outside the filter, {EXAMPLE}")),
            );
        }
        let [Arg::Expr(arg)] = args else {
            return self.error(
                Diagnostic::new(
                    Code::Arity,
                    "`percentile` takes exactly one value to rank customers by",
                    node.span,
                    "wrong number of arguments",
                )
                .with_help(EXAMPLE),
            );
        };
        let value = self.expr(arg, scope)?;
        let mut twice = false;
        value.walk(&mut |e| twice |= matches!(e.kind, ExprKind::Percentile(_)));
        if twice {
            return self.error(
                Diagnostic::new(
                    Code::BadAggregate,
                    "`percentile` cannot rank a value that is itself a percentile",
                    arg.span,
                    "percentile of a percentile",
                )
                .with_help(EXAMPLE),
            );
        }
        if !matches!(
            value.ty,
            Type::Number | Type::Time | Type::Dynamic | Type::Null
        ) {
            return self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "`percentile` ranks numbers and times, but this is a {}",
                        value.ty
                    ),
                    arg.span,
                    format!("this is a {}", value.ty),
                )
                .with_help(EXAMPLE),
            );
        }
        Some(Expr::new(
            ExprKind::Percentile(Box::new(value)),
            Type::Number,
        ))
    }
}
