//! Aggregates over collections: `orders(total > 100, within 90d).count()`,
//! `events(type == "checkout_started").max(prop.value)`, `items.distinct(category)`.
//!
//! The target names the collection and may filter it (conditions over the element's fields,
//! joined by `and`) and window it (`within D`); the method picks the aggregate, whose argument
//! must be a field of the element with a type the aggregate can work on.

use super::names::{
    collection_name, did_you_mean, element_fields, lookup, AGGREGATES, COLLECTIONS,
};
use super::{Checker, Scope};
use crate::dsl::ast::{Arg, Ident, Node, NodeKind};
use crate::dsl::diagnostic::{Code, Diagnostic};
use crate::dsl::ir::{
    AggFunc, Aggregate, Collection, CompareOp, ElementField, EventField, Expr, ExprKind, ItemField,
    OrderField,
};
use crate::dsl::span::Span;
use crate::dsl::types::Type;

/// The largest position `nth` and `nth_last` take: far beyond any customer's history that a
/// sequence condition asks about, and small enough that a scan for it stays short.
const MAX_POSITION: f64 = 1000.0;

/// The diagnostic for a collection used as a plain value.
pub(super) fn bare_collection(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::BadAggregate,
        format!("`{name}` is a collection, not a value"),
        span,
        "collection used as a value",
    )
    .with_help(format!(
        "aggregate it, for example `{name}.count() >= 1` or `{name}(within 90d).exists()`"
    ))
}

impl Checker<'_> {
    pub(super) fn method(
        &mut self,
        node: &Node,
        target: &Node,
        name: &Ident,
        args: &[Arg],
        scope: Scope,
    ) -> Option<Expr> {
        if self.enclosing.len() >= 2 {
            return self.nested(node);
        }
        let (collection, filter, within) = self.target(target, scope)?;
        let Some(func) = lookup(AGGREGATES, &name.name) else {
            let diag = Diagnostic::new(
                Code::BadAggregate,
                format!(
                    "unknown method `{}` on {}",
                    name.name,
                    collection_name(collection)
                ),
                name.span,
                "not an aggregate",
            );
            return self.error(match did_you_mean(&name.name, AGGREGATES.iter().map(|(n, _)| *n)) {
                Some(s) => diag.with_help(format!("did you mean `{s}`?")),
                None => diag.with_help("the methods are count, exists, sum, avg, min, max, first, last, nth, nth_last and distinct"),
            });
        };
        let (arg, ty, func) = self.aggregate_arg(node, collection, func, name, args)?;
        Some(Expr::new(
            ExprKind::Aggregate(Aggregate {
                collection,
                filter: filter.map(Box::new),
                within,
                func,
                arg,
            }),
            ty,
        ))
    }

    /// Resolves `orders` or `orders(filter, within D)` to its parts. Inside another collection's
    /// filter (`scope` is `Element`) this aggregate is nested: its filter sees the enclosing
    /// element as `outer`.
    fn target(
        &mut self,
        target: &Node,
        scope: Scope,
    ) -> Option<(Collection, Option<Expr>, Option<i64>)> {
        let (name, args): (&str, &[Arg]) = match &target.kind {
            NodeKind::Path(parts) if parts.len() == 1 => (&parts[0].name, &[]),
            NodeKind::Call { name, args } => (&name.name, args),
            _ => {
                return self.error(
                    Diagnostic::new(
                        Code::BadAggregate,
                        "methods apply only to collections",
                        target.span,
                        "not a collection",
                    )
                    .with_help("use orders, items or events, for example `orders.count()`"),
                )
            }
        };
        let Some(collection) = lookup(COLLECTIONS, name) else {
            let diag = Diagnostic::new(
                Code::UnknownName,
                format!("unknown collection `{name}`"),
                target.span,
                "not a collection",
            );
            self.report(
                match did_you_mean(name, COLLECTIONS.iter().map(|(n, _)| *n)) {
                    Some(s) => diag.with_help(format!("did you mean `{s}`?")),
                    None => diag.with_help("the collections are orders, items and events"),
                },
            );
            return None;
        };
        let mut filter: Option<Expr> = None;
        let mut within = None;
        let mut since: Option<Expr> = None;
        let mut failed = false;
        self.enclosing.push(collection);
        for arg in args {
            match arg {
                Arg::Within { value, span } => match (&value.kind, within) {
                    (NodeKind::Duration(ms), None) => within = Some(*ms),
                    (NodeKind::Duration(_), Some(_)) => {
                        failed = true;
                        self.report(Diagnostic::new(
                            Code::BadAggregate,
                            "only one `within` per collection",
                            *span,
                            "second window",
                        ));
                    }
                    _ => {
                        failed = true;
                        self.report(
                            Diagnostic::new(
                                Code::TypeMismatch,
                                "`within` needs a duration",
                                value.span,
                                "not a duration",
                            )
                            .with_help("write a duration such as 30d, 12h or 2w"),
                        );
                    }
                },
                Arg::Since { value, span } => {
                    if since.is_some() {
                        failed = true;
                        self.report(Diagnostic::new(
                            Code::BadAggregate,
                            "only one `since` per collection",
                            *span,
                            "second lower bound",
                        ));
                        continue;
                    }
                    let bound_scope = match scope {
                        Scope::Element(outer) => Scope::OuterOnly(outer),
                        _ => Scope::Customer,
                    };
                    match self.expr(value, bound_scope) {
                        Some(t) if t.ty == Type::Time => since = Some(t),
                        Some(t) => {
                            failed = true;
                            self.report(
                                Diagnostic::new(
                                    Code::TypeMismatch,
                                    format!("`since` needs a time, but this is a {}", t.ty),
                                    value.span,
                                    "not a time",
                                )
                                .with_help(
                                    "write a time such as `entered`, `now - 7d` or 2026-01-31",
                                ),
                            );
                        }
                        None => failed = true,
                    }
                }
                Arg::Expr(e) => {
                    let filter_scope = match scope {
                        Scope::Element(outer) => Scope::Nested {
                            inner: collection,
                            outer,
                        },
                        _ => Scope::Element(collection),
                    };
                    match self.condition(e, filter_scope, collection_name(collection)) {
                        Some(cond) => {
                            filter = Some(match filter.take() {
                                None => cond,
                                Some(prev) => Expr::new(
                                    ExprKind::And(Box::new(prev), Box::new(cond)),
                                    Type::Bool,
                                ),
                            })
                        }
                        None => failed = true,
                    }
                }
            }
        }
        self.enclosing.pop();
        if failed {
            return None;
        }
        // `since T` is the filter `time >= T` on the element's own time field.
        if let Some(t) = since {
            let time = match collection {
                Collection::Orders => ElementField::Order(OrderField::PlacedAt),
                Collection::Items => ElementField::Item(ItemField::PlacedAt),
                Collection::Events => ElementField::Event(EventField::OccurredAt),
            };
            let bound = Expr::new(
                ExprKind::Compare(
                    CompareOp::Ge,
                    Box::new(Expr::new(ExprKind::Element(time), Type::Time)),
                    Box::new(t),
                ),
                Type::Bool,
            );
            filter = Some(match filter.take() {
                None => bound,
                Some(prev) => Expr::new(ExprKind::And(Box::new(prev), Box::new(bound)), Type::Bool),
            });
        }
        Some((collection, filter, within))
    }

    fn aggregate_arg(
        &mut self,
        node: &Node,
        collection: Collection,
        func: AggFunc,
        name: &Ident,
        args: &[Arg],
    ) -> Option<(Option<ElementField>, Type, AggFunc)> {
        let coll = collection_name(collection);
        if matches!(func, AggFunc::Count | AggFunc::Exists) {
            if !args.is_empty() {
                return self.error(
                    Diagnostic::new(
                        Code::BadAggregate,
                        format!("`{}` takes no argument", name.name),
                        node.span,
                        "unexpected argument",
                    )
                    .with_help(format!(
                        "to count only some {coll}, filter first: `{coll}(total > 100).{}()`",
                        name.name
                    )),
                );
            }
            let ty = if func == AggFunc::Count {
                Type::Number
            } else {
                Type::Bool
            };
            return Some((None, ty, func));
        }
        let example = match collection {
            Collection::Orders => "total",
            Collection::Items => "price",
            Collection::Events => "prop.value",
        };
        let (func, args) = match func {
            AggFunc::Nth(_) | AggFunc::NthLast(_) => {
                let (n, rest) = self.position(node, collection, name, args)?;
                let func = if matches!(func, AggFunc::Nth(_)) {
                    AggFunc::Nth(n)
                } else {
                    AggFunc::NthLast(n)
                };
                (func, rest)
            }
            _ => (func, args),
        };
        let field = match args {
            [Arg::Expr(a)] => self.element_field(a, collection),
            _ => None,
        };
        let Some((field, span)) = field else {
            let span = match args {
                [Arg::Expr(a)] => a.span,
                _ => node.span,
            };
            return self.error(
                Diagnostic::new(
                    Code::BadAggregate,
                    format!("`{}` needs one field of {coll} as its argument", name.name),
                    span,
                    format!("expected a field of {coll}"),
                )
                .with_help(format!("for example `{coll}.{}({example})`", name.name)),
            );
        };
        let fty = field.ty();
        use Type::*;
        let (ok, result, need) = match func {
            AggFunc::Sum | AggFunc::Avg => (matches!(fty, Number | Dynamic), Number, "a number"),
            AggFunc::Min | AggFunc::Max => (
                matches!(fty, Number | Time | String | Dynamic),
                if fty == Dynamic { Number } else { fty },
                "a number, string or timestamp",
            ),
            AggFunc::First | AggFunc::Last | AggFunc::Nth(_) | AggFunc::NthLast(_) => {
                (fty != StringList, fty, "a single value")
            }
            _ => (fty != StringList, Number, "a single value"),
        };
        if !ok {
            return self.error(
                Diagnostic::new(
                    Code::BadAggregate,
                    format!("`{}` needs {need}, but this field is a {fty}", name.name),
                    span,
                    format!("this is a {fty}"),
                )
                .with_help(format!("for example `{coll}.{}({example})`", name.name)),
            );
        }
        Some((Some(field), result, func))
    }

    /// The position of `nth(n, field)` and `nth_last(n, field)`: a whole number from 1 to
    /// `MAX_POSITION`, written as a literal; returns it and the remaining arguments.
    fn position<'a>(
        &mut self,
        node: &Node,
        collection: Collection,
        name: &Ident,
        args: &'a [Arg],
    ) -> Option<(u32, &'a [Arg])> {
        let coll = collection_name(collection);
        let time = match collection {
            Collection::Orders | Collection::Items => "placed_at",
            Collection::Events => "occurred_at",
        };
        let help = format!(
            "write the position first and then a field, for example `{coll}.{}(2, {time})`",
            name.name
        );
        let Some((Arg::Expr(first), rest)) = args.split_first() else {
            return self.error(
                Diagnostic::new(
                    Code::Arity,
                    format!("`{}` needs a position and a field of {coll}", name.name),
                    node.span,
                    "missing arguments",
                )
                .with_help(help),
            );
        };
        match first.kind {
            NodeKind::Number(n) if n.fract() == 0.0 && (1.0..=MAX_POSITION).contains(&n) => {
                Some((n as u32, rest))
            }
            _ => self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "the position of `{}` must be a whole number from 1 to {MAX_POSITION}",
                        name.name
                    ),
                    first.span,
                    "not a position",
                )
                .with_help(help),
            ),
        }
    }

    /// The argument of an aggregate must name a field of the element.
    fn element_field(
        &mut self,
        arg: &Node,
        collection: Collection,
    ) -> Option<(ElementField, Span)> {
        let NodeKind::Path(parts) = &arg.kind else {
            return None;
        };
        match parts.as_slice() {
            [one] => lookup(element_fields(collection), &one.name).map(|f| (f, arg.span)),
            [ns, prop] if ns.name == "prop" && collection == Collection::Events => Some((
                ElementField::Event(EventField::Prop(prop.name.clone())),
                arg.span,
            )),
            _ => None,
        }
    }
}
