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

fn collection_sql(collection: Collection) -> CollectionSql {
    let table = |name, alias| Source::Table { name, alias };
    match collection {
        Collection::Orders => CollectionSql {
            from: table("orders", "o"),
            joins: Vec::new(),
            customer: SqlExpr::Column("o", "customer"),
            time: SqlExpr::Column("o", "placed_at"),
            id: SqlExpr::Column("o", "id"),
        },
        Collection::Items => CollectionSql {
            from: table("order_items", "i"),
            joins: vec![
                Join {
                    source: table("orders", "o"),
                    on: SqlExpr::bin(
                        BinOp::Eq,
                        SqlExpr::Column("o", "id"),
                        SqlExpr::Column("i", "order_id"),
                    ),
                },
                Join {
                    source: table("products", "p"),
                    on: SqlExpr::bin(
                        BinOp::Eq,
                        SqlExpr::Column("p", "id"),
                        SqlExpr::Column("i", "product"),
                    ),
                },
            ],
            customer: SqlExpr::Column("o", "customer"),
            time: SqlExpr::Column("o", "placed_at"),
            id: SqlExpr::Column("i", "id"),
        },
        Collection::Events => CollectionSql {
            from: table("events", "e"),
            joins: Vec::new(),
            customer: SqlExpr::Column("e", "customer"),
            time: SqlExpr::Column("e", "occurred_at"),
            id: SqlExpr::Column("e", "id"),
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

/// A field of the current element as stored: money stays in cents.
fn raw_field(l: &mut Lowerer, field: &ElementField) -> Result<SqlExpr, CompileError> {
    let col = SqlExpr::Column;
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
    let raw = raw_field(l, field)?;
    let sql = if field.is_money() { to_major(raw) } else { raw };
    Ok(Lowered::new(sql, field.ty()))
}

/// Lowers an aggregate into a correlated subquery.
pub fn lower(l: &mut Lowerer, agg: &Aggregate) -> Result<Lowered, CompileError> {
    let outer = l.scope.replace(agg.collection);
    let result = lower_in_scope(l, agg);
    l.scope = outer;
    result
}

fn lower_in_scope(l: &mut Lowerer, agg: &Aggregate) -> Result<Lowered, CompileError> {
    let coll = collection_sql(agg.collection);
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
    let raw = raw_field(l, arg)?;
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
        // Count and exists returned above; first and last need an ordered subquery below.
        AggFunc::Count | AggFunc::Exists | AggFunc::First | AggFunc::Last => None,
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
    // even when that field is null.
    let descending = agg.func == AggFunc::Last;
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
    Ok(Lowered::new(scalar(s), ty))
}
