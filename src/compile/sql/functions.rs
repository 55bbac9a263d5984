//! Built-in scalar functions and the calendar arithmetic behind `age`.
//!
//! Calendar parts come from SQLite's `strftime` over `t / 1000.0` seconds with `'unixepoch'`,
//! which is UTC; dividing by `1000.0` rather than `1000` keeps times before 1970 on the right day
//! (integer division would round them towards zero, into the next second).

use super::ast::{BinOp, SqlExpr};
use super::dynamic;
use super::lower::{Lowered, Lowerer};
use crate::compile::CompileError;
use crate::dsl::ir::{Expr, Func};
use crate::dsl::types::Type;

const MS_PER_DAY: f64 = 86_400_000.0;

pub fn call(l: &mut Lowerer, func: Func, args: &[Expr], ty: Type) -> Result<Lowered, CompileError> {
    let mut values = Vec::with_capacity(args.len());
    for arg in args {
        values.push(l.value(arg)?);
    }
    if func == Func::Coalesce {
        return coalesce(values, ty);
    }
    let [v] = <[Lowered; 1]>::try_from(values).map_err(|v| {
        CompileError::Unsupported(format!("{func:?} takes one argument, not {}", v.len()))
    })?;
    Ok(match func {
        Func::DaysSince => {
            let t = dynamic::coerce(v, Type::Number);
            let elapsed = SqlExpr::bin(BinOp::Sub, l.now(), t);
            let days = SqlExpr::bin(BinOp::Div, elapsed, SqlExpr::Real(MS_PER_DAY));
            Lowered::new(days, Type::Number)
        }
        Func::Month => Lowered::new(part("%m", dynamic::coerce(v, Type::Number)), Type::Number),
        Func::Day => Lowered::new(part("%d", dynamic::coerce(v, Type::Number)), Type::Number),
        Func::Weekday => {
            // `%w` counts from Sunday = 0; the IR counts from Monday = 1 to Sunday = 7.
            let sunday_based = part("%w", dynamic::coerce(v, Type::Number));
            let shifted = SqlExpr::bin(BinOp::Add, sunday_based, SqlExpr::Int(6));
            let monday_based = SqlExpr::bin(BinOp::Mod, shifted, SqlExpr::Int(7));
            Lowered::new(
                SqlExpr::bin(BinOp::Add, monday_based, SqlExpr::Int(1)),
                Type::Number,
            )
        }
        // SQLite's `lower` and `upper` change ASCII letters only, as the IR requires.
        Func::Lower | Func::Upper => {
            let name = if func == Func::Lower {
                "lower"
            } else {
                "upper"
            };
            let s = dynamic::coerce(v, Type::String);
            Lowered::new(SqlExpr::func(name, vec![s]), Type::String)
        }
        Func::Len => Lowered::new(len(v)?, Type::Number),
        Func::Coalesce => coalesce(vec![v], ty)?,
    })
}

/// `len`: characters of a string (`length` counts characters of text), elements of a list.
fn len(v: Lowered) -> Result<SqlExpr, CompileError> {
    Ok(match v.ty {
        Type::String | Type::Null => SqlExpr::func("length", vec![v.sql]),
        Type::StringList => SqlExpr::func("json_array_length", vec![v.sql]),
        Type::Dynamic => SqlExpr::Case {
            operand: Some(Box::new(dynamic::json_type(v.sql.clone()))),
            whens: vec![
                (
                    SqlExpr::Const("array"),
                    SqlExpr::func("json_array_length", vec![v.sql.clone()]),
                ),
                (
                    SqlExpr::Const("text"),
                    SqlExpr::func("length", vec![dynamic::sql_value(v.sql)]),
                ),
            ],
            otherwise: None,
        },
        other => return Err(CompileError::Unsupported(format!("len of a {other}"))),
    })
}

/// `coalesce(a, b, ...)`. When the arguments mix dynamic and typed values, they are brought to
/// the IR's result type: JSON text when it is dynamic, otherwise the typed value (a dynamic value
/// of another JSON type counting as null).
fn coalesce(values: Vec<Lowered>, ty: Type) -> Result<Lowered, CompileError> {
    let Some(first) = values.first() else {
        return Err(CompileError::Unsupported(
            "coalesce without arguments".into(),
        ));
    };
    let typed: Vec<Type> = values
        .iter()
        .map(|v| v.ty)
        .filter(|t| *t != Type::Null)
        .collect();
    let target = match typed.first() {
        Some(t) if typed.iter().all(|u| u == t) => *t,
        _ if ty == Type::Null => first.ty,
        _ => ty,
    };
    let mut args: Vec<SqlExpr> = values
        .into_iter()
        .map(|v| dynamic::coerce(v, target))
        .collect();
    // SQLite's COALESCE needs two arguments at least.
    let sql = if args.len() == 1 {
        args.remove(0)
    } else {
        SqlExpr::func("COALESCE", args)
    };
    Ok(Lowered::new(sql, target))
}

/// A UTC calendar part of a time in milliseconds, as an integer.
fn part(format: &'static str, millis: SqlExpr) -> SqlExpr {
    SqlExpr::cast(strftime(format, millis), "INTEGER")
}

fn strftime(format: &'static str, millis: SqlExpr) -> SqlExpr {
    let seconds = SqlExpr::bin(BinOp::Div, millis, SqlExpr::Real(1000.0));
    SqlExpr::func(
        "strftime",
        vec![SqlExpr::Const(format), seconds, SqlExpr::Const("unixepoch")],
    )
}

/// Whole years from `birthday` to `now` on the UTC calendar: the difference of the years, less
/// one when the birthday's month and day have not come yet this year. Null without a birthday.
pub fn age(birthday: SqlExpr, now: SqlExpr) -> SqlExpr {
    let years = SqlExpr::bin(
        BinOp::Sub,
        part("%Y", now.clone()),
        part("%Y", birthday.clone()),
    );
    let before_birthday = SqlExpr::bin(
        BinOp::Lt,
        strftime("%m-%d", now),
        strftime("%m-%d", birthday),
    );
    SqlExpr::bin(BinOp::Sub, years, before_birthday)
}
