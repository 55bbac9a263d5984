//! `percentile(x)` in SQL: SQLite's `cume_dist()` over the customers that exist at `now` and
//! have a rankable `x`, read back for the customer at hand.
//!
//! The ranking is a derived table that does not depend on the outer customer, so SQLite
//! materialises it once per statement; the outer customer finds their row by id. `100.0 *
//! cume_dist()` is the columnar evaluator's `100.0 * (k / n)` operation for operation.

use super::ast::{BinOp, Select, Source, SqlExpr};
use super::dynamic;
use super::lower::{Lowered, Lowerer};
use crate::compile::CompileError;
use crate::dsl::ir::Expr;
use crate::dsl::types::Type;

pub fn lower(l: &mut Lowerer, arg: &Expr) -> Result<Lowered, CompileError> {
    if l.depth > 0 {
        return Err(CompileError::Unsupported(
            "a percentile inside a collection's filter".into(),
        ));
    }
    let value = l.value(arg)?;
    // Numbers and times are ranked as they are; a dynamic value only by its JSON numbers.
    let key = match value.ty {
        Type::Number | Type::Time => value.sql,
        Type::Dynamic => dynamic::coerce(value, Type::Number),
        Type::Null => SqlExpr::Null,
        other => {
            return Err(CompileError::Unsupported(format!(
                "a percentile of a {other}"
            )))
        }
    };
    let created = SqlExpr::Column("c", "created_at");
    let existed = SqlExpr::bin(
        BinOp::Or,
        SqlExpr::is_null(created.clone(), false),
        SqlExpr::bin(BinOp::Le, created, l.now()),
    );
    let mut ranking = Select::new(
        vec![
            SqlExpr::Named(Box::new(SqlExpr::Column("c", "id")), "id"),
            SqlExpr::Named(
                Box::new(SqlExpr::bin(
                    BinOp::Mul,
                    SqlExpr::Real(100.0),
                    SqlExpr::CumeDist(Box::new(key.clone())),
                )),
                "pct",
            ),
        ],
        Source::Table {
            name: "customers",
            alias: "c",
        },
    );
    ranking.filters = vec![existed, SqlExpr::is_null(key, true)];
    let mut read = Select::new(
        vec![SqlExpr::Column("r", "pct")],
        Source::Subquery {
            select: Box::new(ranking),
            alias: "r",
        },
    );
    read.filters = vec![SqlExpr::bin(
        BinOp::Eq,
        SqlExpr::Column("r", "id"),
        SqlExpr::Column("c", "id"),
    )];
    Ok(Lowered::new(
        SqlExpr::Subquery(Box::new(read)),
        Type::Number,
    ))
}
