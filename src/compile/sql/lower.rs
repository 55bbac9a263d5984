//! Lowers IR expressions into the SQL syntax tree, following the semantics of `dsl::ir` exactly.
//!
//! Two views of an expression exist. As a *value* it is an SQL expression in the representation
//! of its type (numbers, `0`/`1` booleans that may be null, text, unix milliseconds, JSON array
//! text for string lists, JSON text for dynamic values). As a *condition* it is an SQL expression
//! that is `0` or `1` and never null, which is how the IR's two-valued logic is kept: every
//! comparison is wrapped so that a null operand makes it `0`.

use rusqlite::types::Value;

use super::aggregate;
use super::ast::{BinOp, ParamId, Select, Source, SqlExpr};
use super::dynamic;
use super::functions;
use super::percentile;
use crate::compile::CompileError;
use crate::dsl::ir::{ArithOp, Collection, CompareOp, CustomerField, Expr, ExprKind, Literal};
use crate::dsl::types::Type;

/// A bound parameter: a literal from the IR, or the evaluation time supplied at run time.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    Now,
    Value(Value),
    /// The journey's entry time (`entered`), null outside a journey.
    Entered,
    /// The JSON text of the triggering event's properties, null without one.
    Trigger,
}

/// An SQL expression and the type whose representation it has. The type is the one the SQL
/// actually produces, which can be more precise than the IR's (a `min` over a dynamic property is
/// a number here), and operators dispatch on it.
#[derive(Clone, Debug)]
pub struct Lowered {
    pub sql: SqlExpr,
    pub ty: Type,
}

impl Lowered {
    pub fn new(sql: SqlExpr, ty: Type) -> Lowered {
        Lowered { sql, ty }
    }
}

/// The state of one compilation: the parameters created so far and the collection whose
/// element `ExprKind::Element` refers to.
#[derive(Default)]
pub struct Lowerer {
    pub params: Vec<Param>,
    now: Option<ParamId>,
    pub scope: Option<Collection>,
    /// The collection of the aggregate around the current one, which `outer.FIELD` reads.
    pub outer: Option<Collection>,
    /// How many aggregates enclose the expression being lowered (0 at the customer level).
    pub depth: u8,
}

impl Lowerer {
    pub fn param(&mut self, param: Param) -> SqlExpr {
        self.params.push(param);
        SqlExpr::Param(ParamId(self.params.len() - 1))
    }

    /// The evaluation time; one parameter however often it is used.
    pub fn now(&mut self) -> SqlExpr {
        if let Some(id) = self.now {
            return SqlExpr::Param(id);
        }
        let sql = self.param(Param::Now);
        if let SqlExpr::Param(id) = sql {
            self.now = Some(id);
        }
        sql
    }

    pub fn literal(&mut self, lit: &Literal) -> Lowered {
        let (value, ty) = match lit {
            Literal::Null => (Value::Null, Type::Null),
            Literal::Bool(b) => (Value::Integer(i64::from(*b)), Type::Bool),
            Literal::Number(n) => (Value::Real(*n), Type::Number),
            Literal::String(s) => (Value::Text(s.clone()), Type::String),
            Literal::Time(t) => (Value::Integer(*t), Type::Time),
            Literal::Duration(d) => (Value::Integer(*d), Type::Duration),
        };
        Lowered::new(self.param(Param::Value(value)), ty)
    }

    /// Lowers `e` as a value.
    pub fn value(&mut self, e: &Expr) -> Result<Lowered, CompileError> {
        Ok(match &e.kind {
            ExprKind::Literal(lit) => self.literal(lit),
            ExprKind::Now => Lowered::new(self.now(), Type::Time),
            ExprKind::Entered => Lowered::new(self.param(Param::Entered), Type::Time),
            ExprKind::TriggerProp(name) => {
                let doc = self.param(Param::Trigger);
                Lowered::new(dynamic::field(self, doc, name)?, Type::Dynamic)
            }
            ExprKind::Customer(field) => self.customer(*field),
            ExprKind::Attr(name) => {
                let doc = SqlExpr::Column("c", "attributes");
                Lowered::new(dynamic::field(self, doc, name)?, Type::Dynamic)
            }
            ExprKind::Element(field) => aggregate::element(self, field)?,
            ExprKind::Outer(field) => aggregate::outer(self, field)?,
            ExprKind::Percentile(arg) => percentile::lower(self, arg)?,
            ExprKind::Neg(inner) => {
                let v = self.value(inner)?;
                let ty = numeric_type(&v, "negate")?;
                Lowered::new(SqlExpr::Neg(Box::new(dynamic::coerce(v, ty))), ty)
            }
            ExprKind::Arith(op, a, b) => self.arith(*op, a, b, e.ty)?,
            ExprKind::Call(func, args) => functions::call(self, *func, args, e.ty)?,
            ExprKind::InSegment(name) => return Err(CompileError::SegmentNotInlined(name.clone())),
            ExprKind::Aggregate(agg) => aggregate::lower(self, agg)?,
            ExprKind::Not(_)
            | ExprKind::And(..)
            | ExprKind::Or(..)
            | ExprKind::Compare(..)
            | ExprKind::InList { .. }
            | ExprKind::Contains { .. }
            | ExprKind::Between { .. }
            | ExprKind::IsNull { .. } => Lowered::new(self.cond(e)?, Type::Bool),
        })
    }

    /// Lowers `e` as a condition: `0` or `1`, never null.
    pub fn cond(&mut self, e: &Expr) -> Result<SqlExpr, CompileError> {
        Ok(match &e.kind {
            ExprKind::Not(inner) => SqlExpr::not(self.cond(inner)?),
            ExprKind::And(a, b) => SqlExpr::bin(BinOp::And, self.cond(a)?, self.cond(b)?),
            ExprKind::Or(a, b) => SqlExpr::bin(BinOp::Or, self.cond(a)?, self.cond(b)?),
            ExprKind::Compare(op, a, b) => {
                let (a, b) = (self.value(a)?, self.value(b)?);
                compare(*op, a, b)
            }
            ExprKind::InList {
                expr,
                list,
                negated,
            } => self.in_list(expr, list, *negated)?,
            ExprKind::Contains { haystack, needle } => {
                let (h, n) = (self.value(haystack)?, self.value(needle)?);
                self.contains(h, n)?
            }
            ExprKind::Between { expr, low, high } => {
                let v = self.value(expr)?;
                let (low, high) = (self.value(low)?, self.value(high)?);
                between(v, low, high)
            }
            ExprKind::IsNull { expr, negated } => SqlExpr::is_null(self.value(expr)?.sql, *negated),
            _ => {
                let v = self.value(e)?;
                match v.ty {
                    Type::Bool if matches!(v.sql, SqlExpr::Exists(_)) => v.sql,
                    Type::Bool => SqlExpr::or_false(v.sql),
                    Type::Dynamic => dynamic::is_true(v.sql),
                    Type::Null => SqlExpr::Int(0),
                    other => {
                        return Err(CompileError::Unsupported(format!(
                            "a {other} used as a condition"
                        )))
                    }
                }
            }
        })
    }

    fn customer(&mut self, field: CustomerField) -> Lowered {
        use CustomerField::*;
        let column = match field {
            Id => "external_id",
            Email => "email",
            FirstName => "first_name",
            LastName => "last_name",
            CreatedAt => "created_at",
            Birthday => "birthday",
            Age => {
                let now = self.now();
                let age = functions::age(SqlExpr::Column("c", "birthday"), now);
                return Lowered::new(age, Type::Number);
            }
            Gender => "gender",
            Country => "country",
            Region => "region",
            City => "city",
            Zip => "zip",
            Timezone => "timezone",
            AcceptsMarketing => "accepts_marketing",
            Tags => "tags",
            Score(f) => return Lowered::new(score_column(f), f.ty()),
        };
        Lowered::new(SqlExpr::Column("c", column), field.ty())
    }

    fn arith(
        &mut self,
        op: ArithOp,
        a: &Expr,
        b: &Expr,
        ty: Type,
    ) -> Result<Lowered, CompileError> {
        let (a, b) = (self.value(a)?, self.value(b)?);
        let (ta, tb) = (
            numeric_type(&a, "do arithmetic on")?,
            numeric_type(&b, "do arithmetic on")?,
        );
        let (a, b) = (dynamic::coerce(a, ta), dynamic::coerce(b, tb));
        let sql = match op {
            ArithOp::Add => SqlExpr::bin(BinOp::Add, a, b),
            ArithOp::Sub => SqlExpr::bin(BinOp::Sub, a, b),
            ArithOp::Mul => SqlExpr::bin(BinOp::Mul, a, b),
            // Numbers are f64 in the IR, so integer operands must not divide as integers;
            // SQLite returns null for a division by zero, which is the IR's rule too.
            ArithOp::Div => SqlExpr::bin(BinOp::Div, SqlExpr::cast(a, "REAL"), b),
        };
        let ty = match ty {
            Type::Time | Type::Duration => ty,
            _ => Type::Number,
        };
        Ok(Lowered::new(sql, ty))
    }

    fn in_list(
        &mut self,
        expr: &Expr,
        list: &[Literal],
        negated: bool,
    ) -> Result<SqlExpr, CompileError> {
        let v = self.value(expr)?;
        // A null in the list never equals anything, so it is left out.
        let items: Vec<Lowered> = list
            .iter()
            .filter(|l| **l != Literal::Null)
            .map(|l| self.literal(l))
            .collect();
        let Some(item_ty) = items.first().map(|i| i.ty) else {
            return Ok(if negated {
                SqlExpr::is_null(v.sql, true)
            } else {
                SqlExpr::Int(0)
            });
        };
        if v.ty == Type::Dynamic {
            // The checker lets a dynamic value meet a list of strings and numbers together. A
            // value has one JSON type, so it can only equal (or, for `not in`, differ from) the
            // literals of that type: one type-guarded test per class of literals, joined by `or`.
            let mut groups: Vec<(Type, Vec<SqlExpr>)> = Vec::new();
            for item in items {
                match groups.iter_mut().find(|(t, _)| same_class(*t, item.ty)) {
                    Some((_, group)) => group.push(item.sql),
                    None => groups.push((item.ty, vec![item.sql])),
                }
            }
            let tests = groups
                .into_iter()
                .map(|(ty, list)| dynamic::in_list(v.sql.clone(), ty, list, negated));
            return Ok(tests
                .reduce(|a, b| SqlExpr::bin(BinOp::Or, a, b))
                .unwrap_or(SqlExpr::Int(0)));
        }
        if items.iter().any(|i| !same_class(i.ty, item_ty)) {
            return Err(CompileError::Unsupported(
                "an `in` list that mixes literal types".into(),
            ));
        }
        let list = items.into_iter().map(|i| i.sql).collect();
        Ok(SqlExpr::or_false(SqlExpr::In {
            expr: Box::new(v.sql),
            list,
            negated,
        }))
    }

    fn contains(&mut self, h: Lowered, n: Lowered) -> Result<SqlExpr, CompileError> {
        match h.ty {
            Type::Dynamic => Ok(dynamic::contains(h.sql, n)),
            Type::StringList => {
                let needle = dynamic::coerce(n, Type::String);
                Ok(dynamic::array_has(h.sql, |_, value| {
                    SqlExpr::bin(BinOp::Eq, value, needle)
                }))
            }
            Type::String => {
                let needle = dynamic::coerce(n, Type::String);
                Ok(instr(h.sql, needle))
            }
            Type::Null => Ok(SqlExpr::Int(0)),
            other => Err(CompileError::Unsupported(format!(
                "`contains` on a {other}"
            ))),
        }
    }
}

/// `instr(haystack, needle) > 0` as a condition: a substring test by characters.
pub fn instr(haystack: SqlExpr, needle: SqlExpr) -> SqlExpr {
    SqlExpr::or_false(SqlExpr::bin(
        BinOp::Gt,
        SqlExpr::func("instr", vec![haystack, needle]),
        SqlExpr::Int(0),
    ))
}

/// A comparison of two values as a condition; dynamic operands are compared only with values of
/// their own JSON type.
pub fn compare(op: CompareOp, a: Lowered, b: Lowered) -> SqlExpr {
    let op = compare_op(op);
    match (a.ty, b.ty) {
        (Type::Null, _) | (_, Type::Null) => SqlExpr::or_false(SqlExpr::bin(op, a.sql, b.sql)),
        (Type::Dynamic, Type::Dynamic) => dynamic::compare_both(op, a.sql, b.sql),
        (Type::Dynamic, ty) => dynamic::compare_one(op, a.sql, b.sql, ty, true),
        (ty, Type::Dynamic) => dynamic::compare_one(op, b.sql, a.sql, ty, false),
        _ => SqlExpr::or_false(SqlExpr::bin(op, a.sql, b.sql)),
    }
}

fn between(v: Lowered, low: Lowered, high: Lowered) -> SqlExpr {
    let dynamic = [&v, &low, &high].iter().any(|l| l.ty == Type::Dynamic);
    if dynamic {
        // `x between a and b` is `x >= a and x <= b` under two-valued logic; spelled out so
        // that each side gets the dynamic type guard.
        let ge = compare(CompareOp::Ge, v.clone(), low);
        let le = compare(CompareOp::Le, v, high);
        return SqlExpr::bin(BinOp::And, ge, le);
    }
    SqlExpr::or_false(SqlExpr::Between {
        expr: Box::new(v.sql),
        low: Box::new(low.sql),
        high: Box::new(high.sql),
    })
}

pub fn compare_op(op: CompareOp) -> BinOp {
    match op {
        CompareOp::Eq => BinOp::Eq,
        CompareOp::Ne => BinOp::Ne,
        CompareOp::Lt => BinOp::Lt,
        CompareOp::Le => BinOp::Le,
        CompareOp::Gt => BinOp::Gt,
        CompareOp::Ge => BinOp::Ge,
    }
}

/// Times and durations are numbers of milliseconds, so they share the JSON number type.
pub fn same_class(a: Type, b: Type) -> bool {
    let class = |t: Type| match t {
        Type::Time | Type::Duration => Type::Number,
        t => t,
    };
    class(a) == class(b)
}

/// The numeric type of an arithmetic operand; a dynamic value counts only when it is a number.
fn numeric_type(v: &Lowered, what: &str) -> Result<Type, CompileError> {
    match v.ty {
        Type::Number | Type::Time | Type::Duration | Type::Null => Ok(v.ty),
        Type::Dynamic => Ok(Type::Number),
        other => Err(CompileError::Unsupported(format!(
            "cannot {what} a {other}"
        ))),
    }
}

/// `(SELECT cs.COLUMN FROM customer_scores cs WHERE cs.customer = c.id)`: a stored model
/// score, null when the customer has no row.
fn score_column(field: crate::dsl::ir::ScoreField) -> SqlExpr {
    use crate::dsl::ir::ScoreField::*;
    let column = match field {
        RfmR => "rfm_r",
        RfmF => "rfm_f",
        RfmM => "rfm_m",
        RfmScore => "rfm_score",
        RfmGroup => "rfm_group",
        Lifecycle => "lifecycle",
        PAlive => "p_alive",
        Purchases90d => "purchases_90d",
        PredictedAov => "predicted_aov",
        PredictedClv => "predicted_clv",
        ChurnRisk => "churn_risk",
    };
    let mut select = Select::new(
        vec![SqlExpr::Column("cs", column)],
        Source::Table {
            name: "customer_scores",
            alias: "cs",
        },
    );
    select.filters.push(SqlExpr::bin(
        BinOp::Eq,
        SqlExpr::Column("cs", "customer"),
        SqlExpr::Column("c", "id"),
    ));
    SqlExpr::Subquery(Box::new(select))
}
