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
            // Each line continues an `AND` chain, so only an `OR` needs parentheses.
            self.wrapped(f, indent + 2, precedence(f) < AND);
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
            if let Some(offset) = s.offset.filter(|o| *o > 0) {
                let _ = write!(self.out, " OFFSET {offset}");
            }
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
            Source::Subquery { select, alias } => {
                self.subquery("(", select, indent);
                let _ = write!(self.out, " AS {alias}");
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

    /// Renders `e`, in parentheses when `parens` says so.
    fn wrapped(&mut self, e: &SqlExpr, indent: usize, parens: bool) {
        if parens {
            self.out.push('(');
            self.expr(e, indent);
            self.out.push(')');
        } else {
            self.expr(e, indent);
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
                self.wrapped(inner, indent, precedence(inner) < ATOM);
            }
            SqlExpr::Neg(inner) => {
                self.out.push('-');
                self.wrapped(inner, indent, precedence(inner) < ATOM);
            }
            SqlExpr::Binary(op, left, right) => {
                let p = op_precedence(*op);
                let (l, r) = (precedence(left), precedence(right));
                // Comparisons never chain without parentheses; on the right, an operator of
                // the same precedence keeps its parentheses, since `a - (b - c)` differs and
                // float addition is not associative.
                let same_chain = matches!(**right, SqlExpr::Binary(o, ..) if o == *op)
                    && matches!(op, BinOp::And | BinOp::Or);
                self.wrapped(left, indent, l < p || (l == p && is_comparison(p)));
                let _ = write!(self.out, " {} ", op.symbol());
                self.wrapped(right, indent, r <= p && !same_chain);
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
                // The keywords delimit every part, so none needs parentheses.
                if let Some(op) = operand {
                    self.out.push(' ');
                    self.expr(op, indent);
                }
                for (when, then) in whens {
                    self.out.push_str(" WHEN ");
                    self.expr(when, indent);
                    self.out.push_str(" THEN ");
                    self.expr(then, indent);
                }
                if let Some(other) = otherwise {
                    self.out.push_str(" ELSE ");
                    self.expr(other, indent);
                }
                self.out.push_str(" END");
            }
            SqlExpr::In {
                expr,
                list,
                negated,
            } => {
                self.wrapped(expr, indent, precedence(expr) <= RELATIONAL);
                self.out
                    .push_str(if *negated { " NOT IN (" } else { " IN (" });
                self.list(list, indent);
                self.out.push(')');
            }
            SqlExpr::IsNull { expr, negated } => {
                self.wrapped(expr, indent, precedence(expr) <= RELATIONAL);
                self.out
                    .push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            SqlExpr::Between { expr, low, high } => {
                for (i, part) in [expr, low, high].into_iter().enumerate() {
                    self.out.push_str(["", " BETWEEN ", " AND "][i]);
                    self.wrapped(part, indent, precedence(part) <= RELATIONAL);
                }
            }
            SqlExpr::Cast(inner, ty) => {
                self.out.push_str("CAST(");
                self.expr(inner, indent);
                let _ = write!(self.out, " AS {ty})");
            }
            SqlExpr::Subquery(select) => self.subquery("(", select, indent),
            SqlExpr::CumeDist(key) => {
                self.out.push_str("cume_dist() OVER (ORDER BY ");
                self.expr(key, indent);
                self.out.push(')');
            }
            SqlExpr::Named(inner, name) => {
                self.expr(inner, indent);
                let _ = write!(self.out, " AS {name}");
            }
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

const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const EQUALITY: u8 = 4;
const RELATIONAL: u8 = 5;
const ADDITIVE: u8 = 6;
const MULTIPLICATIVE: u8 = 7;
const JSON: u8 = 8;
const UNARY: u8 = 9;
const ATOM: u8 = 10;

/// SQLite's binding strength of an operator, loosest first.
fn op_precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Or => OR,
        BinOp::And => AND,
        BinOp::Eq | BinOp::Ne => EQUALITY,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => RELATIONAL,
        BinOp::Add | BinOp::Sub => ADDITIVE,
        BinOp::Mul | BinOp::Div | BinOp::Mod => MULTIPLICATIVE,
        BinOp::JsonArrow | BinOp::JsonArrow2 => JSON,
    }
}

fn is_comparison(precedence: u8) -> bool {
    precedence == EQUALITY || precedence == RELATIONAL
}

/// How tightly `e` binds as an operand. Negative numbers count as unary minus, so that `-`
/// followed by `-1` is parenthesised and never renders as the comment `--1`.
fn precedence(e: &SqlExpr) -> u8 {
    match e {
        SqlExpr::Binary(op, ..) => op_precedence(*op),
        SqlExpr::Not(_) => NOT,
        SqlExpr::In { .. } | SqlExpr::IsNull { .. } | SqlExpr::Between { .. } => EQUALITY,
        SqlExpr::Neg(_) => UNARY,
        SqlExpr::Int(i) if *i < 0 => UNARY,
        SqlExpr::Real(f) if f.is_sign_negative() => UNARY,
        _ => ATOM,
    }
}
