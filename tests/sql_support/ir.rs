//! Constructors of checked IR, typed as the checker would type them.

use segflow::dsl::ir::*;
use segflow::dsl::types::Type;

fn e(kind: ExprKind, ty: Type) -> Expr {
    Expr::new(kind, ty)
}
fn b(x: Expr) -> Box<Expr> {
    Box::new(x)
}
pub fn num(n: f64) -> Expr {
    e(ExprKind::Literal(Literal::Number(n)), Type::Number)
}
pub fn s(v: &str) -> Expr {
    e(ExprKind::Literal(Literal::String(v.into())), Type::String)
}
pub fn boolean(v: bool) -> Expr {
    e(ExprKind::Literal(Literal::Bool(v)), Type::Bool)
}
pub fn null() -> Expr {
    e(ExprKind::Literal(Literal::Null), Type::Null)
}
pub fn time(ms: i64) -> Expr {
    e(ExprKind::Literal(Literal::Time(ms)), Type::Time)
}
pub fn dur(ms: i64) -> Expr {
    e(ExprKind::Literal(Literal::Duration(ms)), Type::Duration)
}
pub fn now() -> Expr {
    e(ExprKind::Now, Type::Time)
}
pub fn cust(f: CustomerField) -> Expr {
    e(ExprKind::Customer(f), f.ty())
}
pub fn attr(name: &str) -> Expr {
    e(ExprKind::Attr(name.into()), Type::Dynamic)
}
pub fn el(f: ElementField) -> Expr {
    let ty = f.ty();
    e(ExprKind::Element(f), ty)
}
pub fn order(f: OrderField) -> Expr {
    el(ElementField::Order(f))
}
pub fn item(f: ItemField) -> Expr {
    el(ElementField::Item(f))
}
pub fn event(f: EventField) -> Expr {
    el(ElementField::Event(f))
}
pub fn prop(name: &str) -> Expr {
    event(EventField::Prop(name.into()))
}
pub fn not(x: Expr) -> Expr {
    e(ExprKind::Not(b(x)), Type::Bool)
}
pub fn neg(x: Expr) -> Expr {
    let ty = x.ty;
    e(ExprKind::Neg(b(x)), ty)
}
pub fn and(x: Expr, y: Expr) -> Expr {
    e(ExprKind::And(b(x), b(y)), Type::Bool)
}
pub fn or(x: Expr, y: Expr) -> Expr {
    e(ExprKind::Or(b(x), b(y)), Type::Bool)
}
pub fn arith(op: ArithOp, x: Expr, y: Expr, ty: Type) -> Expr {
    e(ExprKind::Arith(op, b(x), b(y)), ty)
}
pub fn cmp(op: CompareOp, x: Expr, y: Expr) -> Expr {
    e(ExprKind::Compare(op, b(x), b(y)), Type::Bool)
}
pub fn eq(x: Expr, y: Expr) -> Expr {
    cmp(CompareOp::Eq, x, y)
}
pub fn in_list(x: Expr, list: Vec<Literal>, negated: bool) -> Expr {
    e(
        ExprKind::InList {
            expr: b(x),
            list,
            negated,
        },
        Type::Bool,
    )
}
pub fn contains(haystack: Expr, needle: Expr) -> Expr {
    e(
        ExprKind::Contains {
            haystack: b(haystack),
            needle: b(needle),
        },
        Type::Bool,
    )
}
pub fn between(x: Expr, low: Expr, high: Expr) -> Expr {
    e(
        ExprKind::Between {
            expr: b(x),
            low: b(low),
            high: b(high),
        },
        Type::Bool,
    )
}
pub fn is_null(x: Expr, negated: bool) -> Expr {
    e(
        ExprKind::IsNull {
            expr: b(x),
            negated,
        },
        Type::Bool,
    )
}
pub fn call(f: Func, args: Vec<Expr>, ty: Type) -> Expr {
    e(ExprKind::Call(f, args), ty)
}
pub fn lstr(v: &str) -> Literal {
    Literal::String(v.into())
}

/// An aggregate with the result type the checker would give it.
pub fn agg(
    collection: Collection,
    filter: Option<Expr>,
    within: Option<i64>,
    func: AggFunc,
    arg: Option<ElementField>,
) -> Expr {
    let ty = match (func, &arg) {
        (AggFunc::Exists, _) => Type::Bool,
        (AggFunc::Count | AggFunc::Sum | AggFunc::Avg | AggFunc::Distinct, _) => Type::Number,
        (_, Some(a)) => a.ty(),
        (_, None) => Type::Null,
    };
    e(
        ExprKind::Aggregate(Aggregate {
            collection,
            filter: filter.map(Box::new),
            within,
            func,
            arg,
        }),
        ty,
    )
}
pub fn orders(filter: Option<Expr>, func: AggFunc, arg: Option<OrderField>) -> Expr {
    agg(
        Collection::Orders,
        filter,
        None,
        func,
        arg.map(ElementField::Order),
    )
}
pub fn items(filter: Option<Expr>, func: AggFunc, arg: Option<ItemField>) -> Expr {
    agg(
        Collection::Items,
        filter,
        None,
        func,
        arg.map(ElementField::Item),
    )
}
pub fn events(filter: Option<Expr>, func: AggFunc, arg: Option<EventField>) -> Expr {
    agg(
        Collection::Events,
        filter,
        None,
        func,
        arg.map(ElementField::Event),
    )
}
