//! The checker: AST in, typed IR out, with every mistake reported as a diagnostic.
//!
//! It resolves names against the tables in `names`, gives every expression a type, lowers
//! derived fields to aggregates and collects all diagnostics instead of stopping at the first, so
//! one `segflow check` shows a merchant everything that is wrong. A node with an error checks to
//! `None`; its parents keep checking their other children but add no follow-on errors.

mod aggregate;
mod call;
pub mod names;
mod operators;
mod percentile;
mod score;

use crate::dsl::ast::{BinaryOp, Node, NodeKind};
use crate::dsl::diagnostic::{Code, Diagnostic};
use crate::dsl::ir::{
    AggFunc, Aggregate, Collection, ElementField, EventField, Expr, ExprKind, Literal,
};
use crate::dsl::span::Span;
use crate::dsl::types::Type;

use names::{did_you_mean, lookup, CUSTOMER_FIELDS, DERIVED_FIELDS};

/// What the checker needs to know about the world around one expression.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The names of all segments, for `in_segment("...")`.
    pub segments: Vec<String>,
    /// Whether the condition belongs to a workflow, where `entered` and `trigger.prop.NAME`
    /// are known; in a rule file they are errors.
    pub workflow: bool,
}

impl Context {
    /// The context of a segment condition in a rule file.
    pub fn rules(segments: Vec<String>) -> Context {
        Context {
            segments,
            workflow: false,
        }
    }

    /// The context of a workflow condition (goal, exit_when, if, wait_until, trigger filter).
    pub fn workflow(segments: Vec<String>) -> Context {
        Context {
            segments,
            workflow: true,
        }
    }
}

/// The result of checking one condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub expr: Expr,
    /// Every `in_segment` reference with its span, for cycle detection across segments.
    pub segment_refs: Vec<(String, Span)>,
}

/// Checks a condition: it must be true or false for each customer.
pub fn check(node: &Node, ctx: &Context) -> Result<Checked, Vec<Diagnostic>> {
    let mut checker = Checker {
        ctx,
        diagnostics: Vec::new(),
        segment_refs: Vec::new(),
        enclosing: Vec::new(),
    };
    let expr = checker.expr(node, Scope::Customer);
    if let Some(e) = &expr {
        if !matches!(e.ty, Type::Bool | Type::Dynamic) {
            checker.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!(
                        "a segment condition must be true or false, but this is a {}",
                        e.ty
                    ),
                    node.span,
                    format!("this is a {}", e.ty),
                )
                .with_help("compare it with something, for example `orders.count() >= 3`"),
            );
        }
    }
    match expr {
        Some(expr) if checker.diagnostics.is_empty() => Ok(Checked {
            expr,
            segment_refs: checker.segment_refs,
        }),
        _ => Err(checker.diagnostics),
    }
}

/// Where a name is being resolved: at the customer level, or inside a collection's filter where
/// the element's fields are visible too (and shadow customer fields of the same name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    Customer,
    Element(Collection),
    /// Inside the filter of an aggregate over `inner` that sits in the filter of `outer`:
    /// `inner`'s fields are visible, `outer`'s through `outer.FIELD`.
    Nested {
        inner: Collection,
        outer: Collection,
    },
    /// The `since` bound of a nested aggregate: customer fields and `outer.FIELD`.
    OuterOnly(Collection),
}

impl Scope {
    /// The collection whose element's fields are visible by their own names.
    fn element(self) -> Option<Collection> {
        match self {
            Scope::Element(c) | Scope::Nested { inner: c, .. } => Some(c),
            Scope::Customer | Scope::OuterOnly(_) => None,
        }
    }

    /// The collection `outer.FIELD` refers to.
    fn outer(self) -> Option<Collection> {
        match self {
            Scope::Nested { outer, .. } | Scope::OuterOnly(outer) => Some(outer),
            Scope::Customer | Scope::Element(_) => None,
        }
    }
}

struct Checker<'c> {
    ctx: &'c Context,
    diagnostics: Vec<Diagnostic>,
    segment_refs: Vec<(String, Span)>,
    /// The collections of the aggregates whose arguments (filter or `since` bound) are being
    /// checked, outermost first: their number is the nesting depth an aggregate here would have.
    enclosing: Vec<Collection>,
}

impl Checker<'_> {
    /// Records a diagnostic and yields `None`, the result of a node that did not check.
    fn error<T>(&mut self, d: Diagnostic) -> Option<T> {
        self.report(d);
        None
    }

    fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn expr(&mut self, node: &Node, scope: Scope) -> Option<Expr> {
        match &node.kind {
            NodeKind::Number(n) => Some(lit(Literal::Number(*n), Type::Number)),
            NodeKind::String(s) => Some(lit(Literal::String(s.clone()), Type::String)),
            NodeKind::Bool(b) => Some(lit(Literal::Bool(*b), Type::Bool)),
            NodeKind::Null => Some(lit(Literal::Null, Type::Null)),
            NodeKind::Duration(ms) => Some(lit(Literal::Duration(*ms), Type::Duration)),
            NodeKind::Date(ms) | NodeKind::Timestamp(ms) => {
                Some(lit(Literal::Time(*ms), Type::Time))
            }
            NodeKind::List(_) => self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    "a list can only follow `in` or `not in`",
                    node.span,
                    "list used as a value",
                )
                .with_help("write `country in [\"US\", \"CA\"]`"),
            ),
            NodeKind::Path(parts) => self.path(node, parts, scope),
            NodeKind::Call { name, args } => self.call(node, name, args, scope),
            NodeKind::Method { target, name, args } => self.method(node, target, name, args, scope),
            NodeKind::Not(inner) => {
                let e = self.condition(inner, scope, "not")?;
                Some(Expr::new(ExprKind::Not(Box::new(e)), Type::Bool))
            }
            NodeKind::Neg(inner) => self.negate(node, inner, scope),
            NodeKind::Binary(op, lhs, rhs) => self.binary(node, *op, lhs, rhs, scope),
            NodeKind::Between { expr, low, high } => self.between(node, expr, low, high, scope),
            NodeKind::IsNull { expr, negated } => {
                let e = self.expr(expr, scope)?;
                Some(Expr::new(
                    ExprKind::IsNull {
                        expr: Box::new(e),
                        negated: *negated,
                    },
                    Type::Bool,
                ))
            }
        }
    }

    /// An operand of `and`, `or` or `not`: a boolean, or an attribute used as a flag.
    fn condition(&mut self, node: &Node, scope: Scope, op: &str) -> Option<Expr> {
        let e = self.expr(node, scope)?;
        if matches!(e.ty, Type::Bool | Type::Dynamic) {
            return Some(e);
        }
        self.error(
            Diagnostic::new(
                Code::TypeMismatch,
                format!(
                    "`{op}` needs a true/false condition, but this is a {}",
                    e.ty
                ),
                node.span,
                format!("this is a {}", e.ty),
            )
            .with_help("compare the value with something, for example `total_spent > 100`"),
        )
    }

    fn binary(
        &mut self,
        node: &Node,
        op: BinaryOp,
        lhs: &Node,
        rhs: &Node,
        scope: Scope,
    ) -> Option<Expr> {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let (a, b) = (
                    self.condition(lhs, scope, op.symbol()),
                    self.condition(rhs, scope, op.symbol()),
                );
                let (a, b) = (Box::new(a?), Box::new(b?));
                let kind = if op == BinaryOp::And {
                    ExprKind::And(a, b)
                } else {
                    ExprKind::Or(a, b)
                };
                Some(Expr::new(kind, Type::Bool))
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                self.arith(node, op, lhs, rhs, scope)
            }
            BinaryOp::In | BinaryOp::NotIn => {
                self.membership(node, op == BinaryOp::NotIn, lhs, rhs, scope)
            }
            BinaryOp::Contains => {
                let (h, n) = (self.expr(lhs, scope), self.expr(rhs, scope));
                self.contains(node, h?, n?, lhs.span, rhs.span)
            }
            _ => self.compare(node, op, lhs, rhs, scope),
        }
    }

    fn path(
        &mut self,
        node: &Node,
        parts: &[crate::dsl::ast::Ident],
        scope: Scope,
    ) -> Option<Expr> {
        let first = &parts[0];
        if first.name == "trigger" || (first.name == "entered" && parts.len() == 1) {
            return self.workflow_input(node, parts);
        }
        if first.name == "outer" {
            return self.outer_field(node, parts, scope);
        }
        if parts.len() == 2 && (first.name == "attr" || first.name == "prop") {
            let name = parts[1].name.clone();
            if first.name == "attr" {
                return Some(Expr::new(ExprKind::Attr(name), Type::Dynamic));
            }
            if scope.element() == Some(Collection::Events) {
                let f = ElementField::Event(EventField::Prop(name));
                return Some(Expr::new(ExprKind::Element(f), Type::Dynamic));
            }
            return self.error(
                Diagnostic::new(
                    Code::UnknownName,
                    format!("`prop.{name}` is only known inside events(...)"),
                    node.span,
                    "event property outside events",
                )
                .with_help(format!(
                    "filter events by it, for example `events(prop.{name} == \"x\").exists()`"
                )),
            );
        }
        if parts.len() == 2 && names::SCORE_PREFIXES.contains(&first.name.as_str()) {
            return score::path(&first.name, &parts[1].name, node.span)
                .map_err(|d| self.report(d))
                .ok();
        }
        if parts.len() > 1 {
            let full: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
            return self.error(
                Diagnostic::new(Code::UnknownName, format!("unknown field `{}`", full.join(".")), node.span, "unknown field")
                    .with_help("dotted names are `attr.NAME` (custom attributes) and `prop.NAME` (event properties)"),
            );
        }
        let name = first.name.as_str();
        if name == "now" {
            return Some(Expr::new(ExprKind::Now, Type::Time));
        }
        if let Some(coll) = scope.element() {
            if let Some(f) = lookup(names::element_fields(coll), name) {
                let ty = f.ty();
                return Some(Expr::new(ExprKind::Element(f), ty));
            }
        }
        if let Some(f) = lookup(CUSTOMER_FIELDS, name) {
            return Some(Expr::new(ExprKind::Customer(f), f.ty()));
        }
        if let Some((_, func, field)) = DERIVED_FIELDS.iter().find(|(n, _, _)| *n == name) {
            if self.enclosing.len() >= 2 {
                return self.nested(node);
            }
            return Some(derived(*func, *field));
        }
        if lookup(names::COLLECTIONS, name).is_some() {
            return self.error(aggregate::bare_collection(name, node.span));
        }
        if name == "attr" || name == "prop" || names::SCORE_PREFIXES.contains(&name) {
            return self.error(
                Diagnostic::new(
                    Code::UnknownName,
                    format!("`{name}` needs a name after it"),
                    node.span,
                    "incomplete name",
                )
                .with_help(format!("write `{name}.NAME`, for example `{name}.values`")),
            );
        }
        let mut candidates: Vec<&str> = CUSTOMER_FIELDS.iter().map(|(n, _)| *n).collect();
        candidates.extend(DERIVED_FIELDS.iter().map(|(n, _, _)| *n));
        candidates.push("now");
        if let Some(coll) = scope.element() {
            candidates.extend(names::element_fields(coll).iter().map(|(n, _)| *n));
        }
        let where_ = match scope.element() {
            None => "customer field".to_string(),
            Some(c) => format!("field of {} or the customer", names::collection_name(c)),
        };
        let diag = Diagnostic::new(
            Code::UnknownName,
            format!("unknown field `{name}`"),
            node.span,
            format!("not a {where_}"),
        );
        self.error(match did_you_mean(name, candidates) {
            Some(s) => diag.with_help(format!("did you mean `{s}`?")),
            None => diag.with_help(
                "custom attributes are written `attr.NAME`; the README lists every field",
            ),
        })
    }

    /// `entered` and `trigger.prop.NAME`: inputs of a journey, known only in workflow conditions.
    fn workflow_input(&mut self, node: &Node, parts: &[crate::dsl::ast::Ident]) -> Option<Expr> {
        let expr = match parts {
            [one] if one.name == "entered" => Expr::new(ExprKind::Entered, Type::Time),
            [_, prop, name] if prop.name == "prop" => {
                Expr::new(ExprKind::TriggerProp(name.name.clone()), Type::Dynamic)
            }
            _ => {
                return self.error(
                    Diagnostic::new(
                        Code::UnknownName,
                        "unknown trigger field",
                        node.span,
                        "not a trigger field",
                    )
                    .with_help("the triggering event's properties are written `trigger.prop.NAME`"),
                )
            }
        };
        if self.ctx.workflow {
            return Some(expr);
        }
        let what = if parts.len() == 1 {
            "`entered`"
        } else {
            "`trigger.prop.*`"
        };
        self.error(
            Diagnostic::new(
                Code::UnknownName,
                format!("{what} is only known in workflow conditions"),
                node.span,
                "not known in a segment",
            )
            .with_help(
                "a segment has no journey; use it in a workflow's goal, exit_when, if or wait_until",
            ),
        )
    }

    /// Aggregates (and derived fields, which are aggregates) nest one level deep: not inside the
    /// filter of an aggregate that is already inside another's filter.
    fn nested(&mut self, node: &Node) -> Option<Expr> {
        let name =
            |c: Option<&Collection>| c.map_or("a collection", |c| names::collection_name(*c));
        let (outer, inner) = (name(self.enclosing.first()), name(self.enclosing.last()));
        self.error(
            Diagnostic::new(
                Code::BadAggregate,
                format!(
                    "aggregates nest one level deep, and this one is inside {inner}(...), which is already inside {outer}(...)"
                ),
                node.span,
                "aggregate nested twice",
            )
            .with_help("move this condition to the outer filter, or combine the conditions with `and` outside the filters"),
        )
    }

    /// `outer.FIELD`: the enclosing collection's element, inside a nested aggregate's filter.
    fn outer_field(
        &mut self,
        node: &Node,
        parts: &[crate::dsl::ast::Ident],
        scope: Scope,
    ) -> Option<Expr> {
        let Some(outer) = scope.outer() else {
            return self.error(
                Diagnostic::new(
                    Code::UnknownName,
                    "`outer` is only known inside a collection's filter that is inside another collection's filter",
                    node.span,
                    "no enclosing collection here",
                )
                .with_help("for example `events(type == \"product_viewed\", not items(product_id == outer.prop.product_id).exists()).exists()`"),
            );
        };
        if parts.len() == 1 {
            return self.error(
                Diagnostic::new(
                    Code::UnknownName,
                    "`outer` needs a field after it",
                    node.span,
                    "incomplete name",
                )
                .with_help(format!(
                    "write `outer.FIELD`, a field of {}, for example `outer.{}`",
                    names::collection_name(outer),
                    names::element_fields(outer)[0].0
                )),
            );
        }
        let field = match parts {
            [_, one] => lookup(names::element_fields(outer), &one.name),
            [_, ns, prop] if ns.name == "prop" && outer == Collection::Events => {
                Some(ElementField::Event(EventField::Prop(prop.name.clone())))
            }
            _ => None,
        };
        let Some(field) = field else {
            let coll = names::collection_name(outer);
            let written: Vec<&str> = parts[1..].iter().map(|p| p.name.as_str()).collect();
            let written = written.join(".");
            let diag = Diagnostic::new(
                Code::UnknownName,
                format!("`outer.{written}` is not a field of {coll}"),
                node.span,
                format!("not a field of {coll}"),
            );
            let fields = names::element_fields(outer).iter().map(|(n, _)| *n);
            return self.error(match did_you_mean(&written, fields) {
                Some(s) => diag.with_help(format!("did you mean `outer.{s}`?")),
                None => {
                    let mut all: Vec<&str> = names::element_fields(outer)
                        .iter()
                        .map(|(n, _)| *n)
                        .collect();
                    if outer == Collection::Events {
                        all.push("prop.NAME");
                    }
                    diag.with_help(format!("the fields of {coll} are {}", all.join(", ")))
                }
            });
        };
        let ty = field.ty();
        Some(Expr::new(ExprKind::Outer(field), ty))
    }
}

fn lit(l: Literal, ty: Type) -> Expr {
    Expr::new(ExprKind::Literal(l), ty)
}

/// A derived customer field as the aggregate over the counted orders it stands for.
fn derived(func: AggFunc, field: Option<crate::dsl::ir::OrderField>) -> Expr {
    let counted = Expr::new(
        ExprKind::Element(ElementField::Order(crate::dsl::ir::OrderField::Counted)),
        Type::Bool,
    );
    let arg = field.map(ElementField::Order);
    let ty = match (&arg, func) {
        (_, AggFunc::Count) => Type::Number,
        (Some(f), _) => f.ty(),
        (None, _) => Type::Number,
    };
    Expr::new(
        ExprKind::Aggregate(Aggregate {
            collection: Collection::Orders,
            filter: Some(Box::new(counted)),
            within: None,
            func,
            arg,
        }),
        ty,
    )
}
