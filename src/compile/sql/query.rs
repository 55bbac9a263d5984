//! `SqlQuery`: a compiled segment condition, its parameters, and running it on a connection.

use rusqlite::types::Value;
use rusqlite::Connection;

use super::ast::{BinOp, OrderKey, Select, Source, SqlExpr};
use super::lower::{Lowerer, Param};
use super::render::render;
use crate::compile::{CompileError, EvalInput};
use crate::dsl::ir;

/// A compiled segment query:
/// `SELECT c.id FROM customers AS c WHERE <predicate> ORDER BY c.id`.
///
/// The evaluation time is a parameter, so one compiled query serves every `now`.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlQuery {
    sql: String,
    params: Vec<Param>,
}

impl SqlQuery {
    /// Compiles a checked condition. Fails on `in_segment` (the segment set inlines it first)
    /// and on IR the checker never produces.
    pub fn compile(expr: &ir::Expr) -> Result<SqlQuery, CompileError> {
        let mut lowerer = Lowerer::default();
        let predicate = lowerer.cond(expr)?;
        let mut select = Select::new(
            vec![SqlExpr::Column("c", "id")],
            Source::Table {
                name: "customers",
                alias: "c",
            },
        );
        // A customer created after `now` is no member (the IR's point-in-time rule).
        let created = SqlExpr::Column("c", "created_at");
        let existed = SqlExpr::bin(
            BinOp::Or,
            SqlExpr::is_null(created.clone(), false),
            SqlExpr::bin(BinOp::Le, created, lowerer.now()),
        );
        select.filters.push(existed);
        select.filters.push(predicate);
        select.order_by.push(OrderKey {
            expr: SqlExpr::Column("c", "id"),
            descending: false,
        });
        let (sql, order) = render(&select);
        let params = order
            .into_iter()
            .map(|id| lowerer.params[id.0].clone())
            .collect();
        Ok(SqlQuery { sql, params })
    }

    /// The statement, indented for reading; parameters appear as `?1`, `?2`, ...
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// The values of `?1`, `?2`, ... in order, with `now` in unix milliseconds.
    pub fn params(&self, now: i64) -> Vec<Value> {
        self.params_with(&EvalInput::at(now))
    }

    /// The values of `?1`, `?2`, ... for a full evaluation input (workflow conditions).
    pub fn params_with(&self, input: &EvalInput) -> Vec<Value> {
        self.params
            .iter()
            .map(|p| match p {
                Param::Now => Value::Integer(input.now),
                Param::Value(v) => v.clone(),
                Param::Entered => input.entered.map_or(Value::Null, Value::Integer),
                Param::Trigger => input
                    .trigger
                    .as_ref()
                    .map_or(Value::Null, |t| Value::Text(t.to_string())),
            })
            .collect()
    }

    /// The statement followed by one comment line per parameter, for humans.
    pub fn explain(&self, now: i64) -> String {
        let mut out = self.sql.clone();
        for (i, (param, value)) in self.params.iter().zip(self.params(now)).enumerate() {
            out.push_str(&format!("\n-- ?{} = {}", i + 1, show(&value)));
            if *param == Param::Now {
                out.push_str(&format!(" (now, {})", show_time(now)));
            }
        }
        out
    }

    /// The internal ids of the customers matching at `now`, ascending.
    pub fn members(&self, conn: &Connection, now: i64) -> rusqlite::Result<Vec<i64>> {
        self.members_with(conn, &EvalInput::at(now))
    }

    /// The internal ids of the customers matching the input, ascending.
    pub fn members_with(&self, conn: &Connection, input: &EvalInput) -> rusqlite::Result<Vec<i64>> {
        let mut stmt = conn.prepare_cached(&self.sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(self.params_with(input)), |r| {
            r.get(0)
        })?;
        rows.collect()
    }
}

/// A value as an SQL literal would spell it.
fn show(value: &Value) -> String {
    match value {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => format!("{f:?}"),
        Value::Text(s) => format!("'{}'", s.replace('\'', "''")),
        Value::Blob(b) => format!(
            "x'{}'",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
    }
}

fn show_time(millis: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(millis) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => "out of range".into(),
    }
}
