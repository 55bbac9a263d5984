//! Dynamic values (`attr.NAME`, `prop.NAME`) in SQL.
//!
//! A dynamic value is represented as the JSON text of the value (SQLite's `->`), or SQL null
//! when the key is missing or holds JSON `null`. Keeping the JSON text, rather than SQLite's
//! converted value, keeps the JSON type: `json_type` tells a number from a string or a boolean,
//! which the IR needs because a comparison with a number is true only for a JSON number, and so
//! on. `->> '$'` then gives the SQL value to compare.

use super::ast::{BinOp, Select, Source, SqlExpr};
use super::lower::{instr, Lowered, Lowerer, Param};
use crate::compile::CompileError;
use crate::dsl::types::Type;
use rusqlite::types::Value;

/// The dynamic value under key `name` of the JSON object in `doc`.
pub fn field(l: &mut Lowerer, doc: SqlExpr, name: &str) -> Result<SqlExpr, CompileError> {
    // SQLite's JSON path syntax has no escape for a quote inside a quoted key.
    if name.contains('"') {
        return Err(CompileError::Unsupported(format!(
            "the attribute name {name:?} contains a double quote"
        )));
    }
    let path = l.param(Param::Value(Value::Text(format!("$.\"{name}\""))));
    Ok(SqlExpr::func(
        "NULLIF",
        vec![
            SqlExpr::bin(BinOp::JsonArrow, doc, path),
            SqlExpr::Const("null"),
        ],
    ))
}

pub fn json_type(d: SqlExpr) -> SqlExpr {
    SqlExpr::func("json_type", vec![d])
}

/// The SQL value of a dynamic value: text, a number, or `1`/`0` for `true`/`false`.
pub fn sql_value(d: SqlExpr) -> SqlExpr {
    SqlExpr::bin(BinOp::JsonArrow2, d, SqlExpr::Const("$"))
}

/// A condition on a JSON type name (from `json_type` or `json_each.type`) that holds when the
/// value can stand for a value of `ty`.
pub fn guard(type_name: SqlExpr, ty: Type) -> SqlExpr {
    let names: &[&'static str] = match ty {
        // JSON has no times or durations: a dynamic value never stands for one (a typed
        // `coalesce(attr.x, now)` skips it), as in the columnar evaluator.
        Type::Number => &["integer", "real"],
        Type::String => &["text"],
        Type::Bool => &["true", "false"],
        Type::StringList => &["array"],
        _ => &[],
    };
    match names {
        [] => SqlExpr::Int(0),
        [one] => SqlExpr::bin(BinOp::Eq, type_name, SqlExpr::Const(one)),
        many => SqlExpr::In {
            expr: Box::new(type_name),
            list: many.iter().map(|n| SqlExpr::Const(n)).collect(),
            negated: false,
        },
    }
}

/// Converts a value to the representation of `ty`: a dynamic value of another JSON type
/// becomes null, and a typed value becomes JSON text when `ty` is dynamic.
pub fn coerce(v: Lowered, ty: Type) -> SqlExpr {
    match (v.ty, ty) {
        (Type::Dynamic, Type::Dynamic) => v.sql,
        (Type::Dynamic, Type::StringList) => {
            SqlExpr::when(guard(json_type(v.sql.clone()), ty), v.sql)
        }
        (Type::Dynamic, _) => SqlExpr::when(guard(json_type(v.sql.clone()), ty), sql_value(v.sql)),
        (from, Type::Dynamic) => to_json(v.sql, from),
        _ => v.sql,
    }
}

/// The JSON text of a typed value, null staying null.
fn to_json(sql: SqlExpr, ty: Type) -> SqlExpr {
    match ty {
        Type::Null => SqlExpr::Null,
        Type::StringList | Type::Dynamic => sql,
        Type::Bool => SqlExpr::Case {
            operand: None,
            whens: vec![
                (SqlExpr::is_null(sql.clone(), false), SqlExpr::Null),
                (sql, SqlExpr::Const("true")),
            ],
            otherwise: Some(Box::new(SqlExpr::Const("false"))),
        },
        _ => SqlExpr::func(
            "NULLIF",
            vec![
                SqlExpr::func("json_quote", vec![sql]),
                SqlExpr::Const("null"),
            ],
        ),
    }
}

/// A dynamic value used as a condition: true only for JSON `true`.
pub fn is_true(d: SqlExpr) -> SqlExpr {
    SqlExpr::or_false(SqlExpr::bin(
        BinOp::Eq,
        json_type(d),
        SqlExpr::Const("true"),
    ))
}

/// `d op other` where `other` has the static type `ty`; `dyn_left` tells the operand order.
pub fn compare_one(op: BinOp, d: SqlExpr, other: SqlExpr, ty: Type, dyn_left: bool) -> SqlExpr {
    let (value, other) = if ty == Type::StringList {
        // Lists compare as normalised JSON text.
        (d.clone(), SqlExpr::func("json", vec![other]))
    } else {
        (sql_value(d.clone()), other)
    };
    let cmp = if dyn_left {
        SqlExpr::bin(op, value, other)
    } else {
        SqlExpr::bin(op, other, value)
    };
    SqlExpr::or_false(SqlExpr::bin(BinOp::And, guard(json_type(d), ty), cmp))
}

/// `a op b` for two dynamic values: true only when both are numbers, both strings or both
/// booleans, and their values compare.
pub fn compare_both(op: BinOp, a: SqlExpr, b: SqlExpr) -> SqlExpr {
    SqlExpr::or_false(match_values(
        op,
        json_type(a.clone()),
        sql_value(a),
        json_type(b.clone()),
        sql_value(b),
    ))
}

/// The comparison of two JSON scalars given by type name and SQL value.
fn match_values(op: BinOp, ta: SqlExpr, va: SqlExpr, tb: SqlExpr, vb: SqlExpr) -> SqlExpr {
    let ca = class(ta);
    let scalar = SqlExpr::In {
        expr: Box::new(ca.clone()),
        list: vec![
            SqlExpr::Const("number"),
            SqlExpr::Const("text"),
            SqlExpr::Const("bool"),
        ],
        negated: false,
    };
    SqlExpr::all(vec![
        SqlExpr::bin(BinOp::Eq, ca, class(tb)),
        scalar,
        SqlExpr::bin(op, va, vb),
    ])
}

/// Folds JSON type names into the IR's kinds: integers and reals are numbers, `true` and
/// `false` are booleans.
fn class(type_name: SqlExpr) -> SqlExpr {
    let to = |from: &'static str, to: &'static str| (SqlExpr::Const(from), SqlExpr::Const(to));
    SqlExpr::Case {
        operand: Some(Box::new(type_name.clone())),
        whens: vec![
            to("integer", "number"),
            to("real", "number"),
            to("true", "bool"),
            to("false", "bool"),
        ],
        otherwise: Some(Box::new(type_name)),
    }
}

/// `d in [..]` / `d not in [..]` for a dynamic `d` and literals of type `item_ty`: false unless
/// `d` has the literals' JSON type.
pub fn in_list(d: SqlExpr, item_ty: Type, list: Vec<SqlExpr>, negated: bool) -> SqlExpr {
    let test = SqlExpr::In {
        expr: Box::new(sql_value(d.clone())),
        list,
        negated,
    };
    SqlExpr::or_false(SqlExpr::bin(BinOp::And, guard(json_type(d), item_ty), test))
}

/// `EXISTS (SELECT 1 FROM json_each(array) AS j WHERE pred(j.type, j.value))`.
pub fn array_has(array: SqlExpr, pred: impl FnOnce(SqlExpr, SqlExpr) -> SqlExpr) -> SqlExpr {
    let mut select = Select::new(
        vec![SqlExpr::Int(1)],
        Source::Function {
            name: "json_each",
            args: vec![array],
            alias: "j",
        },
    );
    select.filters.push(pred(
        SqlExpr::Column("j", "type"),
        SqlExpr::Column("j", "value"),
    ));
    SqlExpr::Exists(Box::new(select))
}

/// `h contains n` for a dynamic haystack: a JSON array holds an element equal to the needle, or
/// a JSON string holds the needle as a substring.
pub fn contains(h: SqlExpr, n: Lowered) -> SqlExpr {
    let needle_ty = n.ty;
    let in_array = {
        let n = n.clone();
        array_has(h.clone(), move |t, v| match n.ty {
            Type::Dynamic => {
                match_values(BinOp::Eq, t, v, json_type(n.sql.clone()), sql_value(n.sql))
            }
            Type::Null => SqlExpr::Int(0),
            ty => SqlExpr::bin(BinOp::And, guard(t, ty), SqlExpr::bin(BinOp::Eq, v, n.sql)),
        })
    };
    let in_text = match needle_ty {
        Type::String | Type::Dynamic => instr(sql_value(h.clone()), coerce(n, Type::String)),
        _ => SqlExpr::Int(0),
    };
    SqlExpr::or_false(SqlExpr::Case {
        operand: Some(Box::new(json_type(h))),
        whens: vec![
            (SqlExpr::Const("array"), in_array),
            (SqlExpr::Const("text"), in_text),
        ],
        otherwise: Some(Box::new(SqlExpr::Int(0))),
    })
}

/// The key that `distinct` counts for a dynamic value `d` of the element with id `id`: numbers
/// by value (JSON `2` and `2.0` are one number, though not one JSON text), strings by bytes and
/// booleans as themselves, each kind tagged apart; an array or an object equals nothing, so it
/// is keyed by its element and counts once per element.
pub fn distinct_key(d: SqlExpr, id: SqlExpr) -> SqlExpr {
    let tagged =
        |format: &'static str, v: SqlExpr| SqlExpr::func("printf", vec![SqlExpr::Const(format), v]);
    SqlExpr::Case {
        operand: Some(Box::new(json_type(d.clone()))),
        whens: vec![
            (SqlExpr::Const("integer"), sql_value(d.clone())),
            (SqlExpr::Const("real"), sql_value(d.clone())),
            (SqlExpr::Const("text"), tagged("s%s", sql_value(d))),
            (SqlExpr::Const("true"), SqlExpr::Const("b1")),
            (SqlExpr::Const("false"), SqlExpr::Const("b0")),
            (SqlExpr::Const("array"), tagged("#%d", id.clone())),
            (SqlExpr::Const("object"), tagged("#%d", id)),
        ],
        otherwise: None,
    }
}
