//! Prints the SQL syntax tree as indented SQLite text for `segflow explain`.
//!
//! Parameters are numbered here, in order of first appearance, so that the numbering always
//! matches the text: a parameter the compiler built but the tree no longer uses is never bound,
//! and one id used several times (such as `now`) is bound once.

use std::collections::HashMap;
use std::fmt::Write;

use super::ast::{BinOp, ParamId, Select, Source, SqlExpr};

/// Indentation added for each nested subquery.
const STEP: usize = 4;

/// Renders a statement; returns its text and the parameter ids in `?N` order.
pub fn render(select: &Select) -> (String, Vec<ParamId>) {
    let mut r = Renderer::default();
    r.select(select, 0);
    (r.out, r.order)
}

#[derive(Default)]
struct Renderer {
    out: String,
    numbers: HashMap<ParamId, usize>,
    order: Vec<ParamId>,
}

impl Renderer {
    fn select(&mut self, s: &Select, indent: usize) {
        let pad = " ".repeat(indent);
        self.out.push_str("SELECT ");
        for (i, c) in s.columns.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr(c, indent);
        }
        let _ = write!(self.out, "\n{pad}FROM ");
        self.source(&s.from, indent);
        for join in &s.joins {
            let _ = write!(self.out, "\n{pad}JOIN ");
            self.source(&join.source, indent);
            self.out.push_str(" ON ");
            self.expr(&join.on, indent);
        }
        let mut filters = Vec::new();
        for f in &s.filters {
            flatten_and(f, &mut filters);
        }
        for (i, f) in filters.iter().enumerate() {
            if i == 0 {
                let _ = write!(self.out, "\n{pad}WHERE ");
            } else {
                let _ = write!(self.out, "\n{pad}  AND ");
            }
            self.operand(f, indent + 2, Some(BinOp::And));
        }
        if !s.order_by.is_empty() {
            let _ = write!(self.out, "\n{pad}ORDER BY ");
            for (i, key) in s.order_by.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.expr(&key.expr, indent);
                if key.descending {
                    self.out.push_str(" DESC");
                }
            }
        }
        if let Some(limit) = s.limit {
            let _ = write!(self.out, "\n{pad}LIMIT {limit}");
        }
    }

    fn source(&mut self, source: &Source, indent: usize) {
        match source {
            Source::Table { name, alias } => {
                let _ = write!(self.out, "{name} AS {alias}");
            }
            Source::Function { name, args, alias } => {
                let _ = write!(self.out, "{name}(");
                self.list(args, indent);
                let _ = write!(self.out, ") AS {alias}");
            }
        }
    }

    fn list(&mut self, items: &[SqlExpr], indent: usize) {
        for (i, e) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr(e, indent);
        }
    }

    /// Renders `e` where it stands as an operand of `parent`, adding parentheses unless `e` is
    /// atomic or continues the same `AND`/`OR` chain.
    fn operand(&mut self, e: &SqlExpr, indent: usize, parent: Option<BinOp>) {
        let same_chain = matches!(
            (e, parent),
            (SqlExpr::Binary(BinOp::And, ..), Some(BinOp::And))
                | (SqlExpr::Binary(BinOp::Or, ..), Some(BinOp::Or))
        );
        if is_atomic(e) || same_chain {
            self.expr(e, indent);
        } else {
            self.out.push('(');
            self.expr(e, indent);
            self.out.push(')');
        }
    }

    fn expr(&mut self, e: &SqlExpr, indent: usize) {
        match e {
            SqlExpr::Column(alias, column) => {
                let _ = write!(self.out, "{alias}.{column}");
            }
            SqlExpr::Param(id) => {
                let next = self.numbers.len() + 1;
                let n = *self.numbers.entry(*id).or_insert(next);
                if n == next {
                    self.order.push(*id);
                }
                let _ = write!(self.out, "?{n}");
            }
            SqlExpr::Int(i) => {
                let _ = write!(self.out, "{i}");
            }
            SqlExpr::Real(f) => {
                let _ = write!(self.out, "{f:?}");
            }
            SqlExpr::Const(s) => {
                let _ = write!(self.out, "'{}'", s.replace('\'', "''"));
            }
            SqlExpr::Null => self.out.push_str("NULL"),
            SqlExpr::Not(inner) => {
                self.out.push_str("NOT ");
                self.operand(inner, indent, None);
            }
            SqlExpr::Neg(inner) => {
                self.out.push('-');
                self.operand(inner, indent, None);
            }
            SqlExpr::Binary(op, left, right) => {
                self.operand(left, indent, Some(*op));
                let _ = write!(self.out, " {} ", op.symbol());
                self.operand(right, indent, Some(*op));
            }
            SqlExpr::Func {
                name,
                distinct,
                args,
            } => {
                let _ = write!(self.out, "{name}(");
                if *distinct {
                    self.out.push_str("DISTINCT ");
                }
                self.list(args, indent);
                self.out.push(')');
            }
            SqlExpr::CountStar => self.out.push_str("COUNT(*)"),
            SqlExpr::Case {
                operand,
                whens,
                otherwise,
            } => {
                self.out.push_str("CASE");
                if let Some(op) = operand {
                    self.out.push(' ');
                    self.operand(op, indent, None);
                }
                for (when, then) in whens {
                    self.out.push_str(" WHEN ");
                    self.operand(when, indent, None);
                    self.out.push_str(" THEN ");
                    self.operand(then, indent, None);
                }
                if let Some(other) = otherwise {
                    self.out.push_str(" ELSE ");
                    self.operand(other, indent, None);
                }
                self.out.push_str(" END");
            }
            SqlExpr::In {
                expr,
                list,
                negated,
            } => {
                self.operand(expr, indent, None);
                self.out
                    .push_str(if *negated { " NOT IN (" } else { " IN (" });
                self.list(list, indent);
                self.out.push(')');
            }
            SqlExpr::IsNull { expr, negated } => {
                self.operand(expr, indent, None);
                self.out
                    .push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            SqlExpr::Between { expr, low, high } => {
                self.operand(expr, indent, None);
                self.out.push_str(" BETWEEN ");
                self.operand(low, indent, None);
                self.out.push_str(" AND ");
                self.operand(high, indent, None);
            }
            SqlExpr::Cast(inner, ty) => {
                self.out.push_str("CAST(");
                self.expr(inner, indent);
                let _ = write!(self.out, " AS {ty})");
            }
            SqlExpr::Subquery(select) => self.subquery("(", select, indent),
            SqlExpr::Exists(select) => self.subquery("EXISTS (", select, indent),
        }
    }

    fn subquery(&mut self, open: &str, select: &Select, indent: usize) {
        let inner = indent + STEP;
        let _ = write!(self.out, "{open}\n{}", " ".repeat(inner));
        self.select(select, inner);
        let _ = write!(self.out, "\n{})", " ".repeat(indent));
    }
}

/// Splits a chain of `AND`s into its conditions so `WHERE` can put one per line.
fn flatten_and<'a>(e: &'a SqlExpr, out: &mut Vec<&'a SqlExpr>) {
    if let SqlExpr::Binary(BinOp::And, left, right) = e {
        flatten_and(left, out);
        flatten_and(right, out);
    } else {
        out.push(e);
    }
}

/// Whether `e` can stand as an operand without parentheses. Negative numbers are not, so that
/// `-` followed by `-1` never renders as the comment `--1`.
fn is_atomic(e: &SqlExpr) -> bool {
    match e {
        SqlExpr::Int(i) => return *i >= 0,
        SqlExpr::Real(f) => return f.is_sign_positive(),
        _ => {}
    }
    matches!(
        e,
        SqlExpr::Column(..)
            | SqlExpr::Param(_)
            | SqlExpr::Const(_)
            | SqlExpr::Null
            | SqlExpr::Func { .. }
            | SqlExpr::CountStar
            | SqlExpr::Case { .. }
            | SqlExpr::Cast(..)
            | SqlExpr::Subquery(_)
            | SqlExpr::Exists(_)
    )
}
