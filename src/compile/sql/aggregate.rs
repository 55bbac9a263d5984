//! Aggregates over a customer's orders, order items and events as correlated subqueries.
//!
//! Each aggregate becomes `(SELECT f(..) FROM <collection> WHERE customer = c.id AND <filter>
//! AND <time> >= now - D)`. Money fields are aggregated in cents and divided by `100.0` once at
//! the end, exactly as the IR prescribes, so the result has the same bits as the columnar
//! evaluator's.

use rusqlite::types::Value;

use super::ast::{BinOp, Join, OrderKey, Select, Source, SqlExpr};
use super::dynamic;
use super::lower::{Lowered, Lowerer, Param};
use crate::compile::CompileError;
use crate::dsl::ir::{
    AggFunc, Aggregate, Collection, ElementField, EventField, ItemField, OrderField,
};
use crate::dsl::types::Type;

/// Where a collection's elements come from and how they are ordered in time.
struct CollectionSql {
    from: Source,
    joins: Vec<Join>,
    /// The column holding the owning customer's internal id.
    customer: SqlExpr,
    time: SqlExpr,
    id: SqlExpr,
}

/// The alias of a collection's table at a nesting depth: an aggregate inside another's filter
/// (depth 2) needs names of its own, since it may read the same tables.
fn alias(base: &'static str, depth: u8) -> &'static str {
    match (base, depth) {
        ("o", 2) => "o2",
        ("i", 2) => "i2",
        ("p", 2) => "p2",
        ("e", 2) => "e2",
        _ => base,
    }
}

fn collection_sql(collection: Collection, depth: u8) -> CollectionSql {
    let a = |base| alias(base, depth);
    let table = |name, base| Source::Table {
        name,
        alias: a(base),
    };
    match collection {
        Collection::Orders => CollectionSql {
            from: table("orders", "o"),
            joins: Vec::new(),
            customer: SqlExpr::Column(a("o"), "customer"),
            time: SqlExpr::Column(a("o"), "placed_at"),
            id: SqlExpr::Column(a("o"), "id"),
        },
        Collection::Items => CollectionSql {
            from: table("order_items", "i"),
            joins: vec![
                Join {
                    source: table("orders", "o"),
                    on: SqlExpr::bin(
                        BinOp::Eq,
                        SqlExpr::Column(a("o"), "id"),
                        SqlExpr::Column(a("i"), "order_id"),
                    ),
                },
                Join {
                    source: table("products", "p"),
                    on: SqlExpr::bin(
                        BinOp::Eq,
                        SqlExpr::Column(a("p"), "id"),
                        SqlExpr::Column(a("i"), "product"),
                    ),
                },
            ],
            customer: SqlExpr::Column(a("o"), "customer"),
            time: SqlExpr::Column(a("o"), "placed_at"),
            id: SqlExpr::Column(a("i"), "id"),
        },
        Collection::Events => CollectionSql {
            from: table("events", "e"),
            joins: Vec::new(),
            customer: SqlExpr::Column(a("e"), "customer"),
            time: SqlExpr::Column(a("e"), "occurred_at"),
            id: SqlExpr::Column(a("e"), "id"),
        },
    }
}

fn collection_of(field: &ElementField) -> Collection {
    match field {
        ElementField::Order(_) => Collection::Orders,
        ElementField::Item(_) => Collection::Items,
        ElementField::Event(_) => Collection::Events,
    }
}

/// A field of the element at `depth` as stored: money stays in cents.
fn raw_field(l: &mut Lowerer, field: &ElementField, depth: u8) -> Result<SqlExpr, CompileError> {
    let col = |base, column| SqlExpr::Column(alias(base, depth), column);
    Ok(match field {
        ElementField::Order(f) => match f {
            OrderField::Id => col("o", "external_id"),
            OrderField::PlacedAt => col("o", "placed_at"),
            OrderField::Total => col("o", "total"),
            OrderField::Discount => col("o", "discount"),
            OrderField::Status => col("o", "status"),
            OrderField::Channel => col("o", "channel"),
            OrderField::Refunded => col("o", "refunded"),
            OrderField::NetTotal => {
                SqlExpr::bin(BinOp::Sub, col("o", "total"), col("o", "refunded"))
            }
            OrderField::Counted => col("o", "counted"),
        },
        ElementField::Item(f) => match f {
            ItemField::ProductId => col("p", "external_id"),
            ItemField::Title => col("p", "title"),
            ItemField::Category => col("p", "category"),
            ItemField::Quantity => col("i", "quantity"),
            ItemField::Price => col("i", "price"),
            ItemField::Tags => col("p", "tags"),
            ItemField::PlacedAt => col("o", "placed_at"),
        },
        ElementField::Event(f) => match f {
            EventField::Type => col("e", "type"),
            EventField::OccurredAt => col("e", "occurred_at"),
            EventField::Prop(name) => dynamic::field(l, col("e", "properties"), name)?,
        },
    })
}

/// Money in major units: `cents / 100.0`.
fn to_major(cents: SqlExpr) -> SqlExpr {
    SqlExpr::bin(BinOp::Div, cents, SqlExpr::Real(100.0))
}

/// A field of the current element as a value; only valid inside an aggregate over its
/// collection.
pub fn element(l: &mut Lowerer, field: &ElementField) -> Result<Lowered, CompileError> {
    let collection = collection_of(field);
    if l.scope != Some(collection) {
        return Err(CompileError::Unsupported(format!(
            "the element field {field:?} outside an aggregate over {collection:?}"
        )));
    }
    let raw = raw_field(l, field, l.depth)?;
    let sql = if field.is_money() { to_major(raw) } else { raw };
    Ok(Lowered::new(sql, field.ty()))
}

/// `outer.FIELD`: a field of the enclosing aggregate's element, one level up.
pub fn outer(l: &mut Lowerer, field: &ElementField) -> Result<Lowered, CompileError> {
    let collection = collection_of(field);
    if l.outer != Some(collection) || l.depth < 2 {
        return Err(CompileError::Unsupported(format!(
            "the outer field {field:?} outside an aggregate nested in one over {collection:?}"
        )));
    }
    let raw = raw_field(l, field, l.depth - 1)?;
    let sql = if field.is_money() { to_major(raw) } else { raw };
    Ok(Lowered::new(sql, field.ty()))
}

/// Lowers an aggregate into a correlated subquery.
pub fn lower(l: &mut Lowerer, agg: &Aggregate) -> Result<Lowered, CompileError> {
    if l.depth >= 2 {
        return Err(CompileError::Unsupported(
            "an aggregate nested more than one level deep".into(),
        ));
    }
    let saved = (l.scope, l.outer, l.depth);
    l.outer = l.scope;
    l.scope = Some(agg.collection);
    l.depth += 1;
    let result = lower_in_scope(l, agg);
    (l.scope, l.outer, l.depth) = saved;
    result
}

fn lower_in_scope(l: &mut Lowerer, agg: &Aggregate) -> Result<Lowered, CompileError> {
    let coll = collection_sql(agg.collection, l.depth);
    let mut filters = vec![SqlExpr::bin(
        BinOp::Eq,
        coll.customer.clone(),
        SqlExpr::Column("c", "id"),
    )];
    if let Some(filter) = &agg.filter {
        filters.push(l.cond(filter)?);
    }
    // Evaluation at `now` sees only what had happened by then (the IR's point-in-time rule).
    let now = l.now();
    filters.push(SqlExpr::bin(BinOp::Le, coll.time.clone(), now));
    if let Some(window) = agg.within {
        let now = l.now();
        let window = l.param(Param::Value(Value::Integer(window)));
        let start = SqlExpr::bin(BinOp::Sub, now, window);
        filters.push(SqlExpr::bin(BinOp::Ge, coll.time.clone(), start));
    }
    let select = |columns: Vec<SqlExpr>| Select {
        columns,
        from: coll.from.clone(),
        joins: coll.joins.clone(),
        filters: filters.clone(),
        order_by: Vec::new(),
        limit: None,
        offset: None,
    };
    let scalar = |s: Select| SqlExpr::Subquery(Box::new(s));

    match agg.func {
        AggFunc::Count => {
            let count = scalar(select(vec![SqlExpr::CountStar]));
            return Ok(Lowered::new(count, Type::Number));
        }
        AggFunc::Exists => {
            let exists = SqlExpr::Exists(Box::new(select(vec![SqlExpr::Int(1)])));
            return Ok(Lowered::new(exists, Type::Bool));
        }
        _ => {}
    }
    let Some(arg) = &agg.arg else {
        return Err(CompileError::Unsupported(format!(
            "the aggregate {:?} without a field",
            agg.func
        )));
    };
    let money = arg.is_money();
    let ty = arg.ty();
    let raw = raw_field(l, arg, l.depth)?;
    // Sums, averages, minima and maxima consider only the numeric values of a dynamic field.
    // A typed field passes through unchanged.
    let numeric = dynamic::coerce(Lowered::new(raw.clone(), ty), Type::Number);
    let scale = |sql: SqlExpr| if money { to_major(sql) } else { sql };
    let agg_ty = if ty == Type::Dynamic {
        Type::Number
    } else {
        ty
    };
    let column = match agg.func {
        // Count and exists returned above; first, last and the positions need an ordered
        // subquery below.
        AggFunc::Count
        | AggFunc::Exists
        | AggFunc::First
        | AggFunc::Last
        | AggFunc::Nth(_)
        | AggFunc::NthLast(_) => None,
        AggFunc::Sum => Some(SqlExpr::func(
            "COALESCE",
            vec![SqlExpr::func("SUM", vec![numeric]), SqlExpr::Int(0)],
        )),
        AggFunc::Avg => {
            let sum = SqlExpr::cast(SqlExpr::func("SUM", vec![numeric.clone()]), "REAL");
            Some(SqlExpr::bin(
                BinOp::Div,
                sum,
                SqlExpr::func("COUNT", vec![numeric]),
            ))
        }
        AggFunc::Min => Some(SqlExpr::func("MIN", vec![numeric])),
        AggFunc::Max => Some(SqlExpr::func("MAX", vec![numeric])),
        AggFunc::Distinct => {
            let key = if ty == Type::Dynamic {
                dynamic::distinct_key(raw.clone(), coll.id.clone())
            } else {
                raw.clone()
            };
            let count = SqlExpr::Func {
                name: "COUNT",
                distinct: true,
                args: vec![key],
            };
            return Ok(Lowered::new(scalar(select(vec![count])), Type::Number));
        }
    };
    if let Some(column) = column {
        return Ok(Lowered::new(scalar(select(vec![scale(column)])), agg_ty));
    }
    // `first` and `last` take the field of the earliest or latest element in (time, id) order,
    // even when that field is null; `nth` and `nth_last` skip to the n-th.
    let descending = matches!(agg.func, AggFunc::Last | AggFunc::NthLast(_));
    let mut s = select(vec![scale(raw)]);
    s.order_by = vec![
        OrderKey {
            expr: coll.time.clone(),
            descending,
        },
        OrderKey {
            expr: coll.id.clone(),
            descending,
        },
    ];
    s.limit = Some(1);
    if let AggFunc::Nth(n) | AggFunc::NthLast(n) = agg.func {
        s.offset = Some(i64::from(n) - 1);
    }
    Ok(Lowered::new(scalar(s), ty))
}
