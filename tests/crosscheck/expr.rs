//! Random well-typed IR, decoded from a choice stream.
//!
//! The generator produces only what `dsl::check` can produce: it follows the checker's type
//! rules (`check/operators.rs`, `check/call.rs`, `check/aggregate.rs`) for every operator,
//! function and aggregate, places element fields only inside an aggregate's filter over their
//! collection, nests aggregates one level deep (with `outer.FIELD` inside the nested filter),
//! ranks customers with `percentile` outside filters, and gives every node the type the checker
//! would give it.
//! Depth is bounded; at depth zero only leaves are produced.

use segflow::dsl::ir::*;
use segflow::dsl::types::Type;

use super::choices::Choices;
use super::vocab::{self, DAY, HOUR};

pub struct ExprGen<'a, 'c> {
    pub c: &'a mut Choices<'c>,
    /// The collection whose filter is being generated, if any.
    pub scope: Option<Collection>,
    /// The collection around `scope` when generating a nested aggregate's filter.
    pub outer: Option<Collection>,
    /// Whether a `percentile`'s argument is being generated (percentiles do not nest).
    pub ranking: bool,
}

impl<'a, 'c> ExprGen<'a, 'c> {
    pub fn new(c: &'a mut Choices<'c>) -> ExprGen<'a, 'c> {
        ExprGen {
            c,
            scope: None,
            outer: None,
            ranking: false,
        }
    }
}

pub fn b(e: Expr) -> Box<Expr> {
    Box::new(e)
}

pub fn lit(l: Literal) -> Expr {
    let ty = match &l {
        Literal::Null => Type::Null,
        Literal::Bool(_) => Type::Bool,
        Literal::Number(_) => Type::Number,
        Literal::String(_) => Type::String,
        Literal::Time(_) => Type::Time,
        Literal::Duration(_) => Type::Duration,
    };
    Expr::new(ExprKind::Literal(l), ty)
}

fn boolean_of(kind: ExprKind) -> Expr {
    Expr::new(kind, Type::Bool)
}

const ORDER_OPS: [CompareOp; 6] = [
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Lt,
    CompareOp::Le,
    CompareOp::Gt,
    CompareOp::Ge,
];

impl ExprGen<'_, '_> {
    /// A segment condition: the root always has type `Bool`.
    pub fn root(&mut self) -> Expr {
        let depth = 2 + self.c.below(4);
        self.boolean(depth)
    }

    /// An operand of `and`, `or`, `not` or a filter: a boolean or a dynamic value used as a flag.
    pub fn cond(&mut self, d: u32) -> Expr {
        if self.c.chance(15) {
            self.dynamic(d)
        } else {
            self.boolean(d)
        }
    }

    pub fn value(&mut self, ty: Type, d: u32) -> Expr {
        // Inside a filter, conditions are mostly about the element.
        if self.scope.is_some() && self.c.chance(40) {
            if let Some(e) = self.element_of(ty) {
                return e;
            }
        }
        match ty {
            Type::Bool => self.boolean(d),
            Type::Number => self.number(d),
            Type::String => self.string(d),
            Type::Time => self.time(d),
            Type::Duration => self.duration(d),
            Type::StringList => self.list(d),
            Type::Dynamic => self.dynamic(d),
            Type::NumberList | Type::Null => self.null(d),
        }
    }

    /// A value of `ty`, or sometimes a dynamic value or `null` where the checker lets them fit.
    fn fit(&mut self, ty: Type, d: u32, dynamic: bool, null: bool) -> Expr {
        match self.c.below(10) {
            8 if dynamic => self.dynamic(d),
            9 if null => self.null(d),
            _ => self.value(ty, d),
        }
    }

    pub fn boolean(&mut self, d: u32) -> Expr {
        let sub = d.saturating_sub(1);
        let alternatives = if d == 0 { 4 } else { 15 };
        match self.c.below(alternatives) {
            0 => lit(Literal::Bool(self.c.chance(50))),
            1 => Expr::new(
                ExprKind::Customer(CustomerField::AcceptsMarketing),
                Type::Bool,
            ),
            2 => self.compare(sub),
            3 => self.is_null(sub),
            4 => boolean_of(ExprKind::Not(b(self.cond(sub)))),
            5 => boolean_of(ExprKind::And(b(self.cond(sub)), b(self.cond(sub)))),
            6 => boolean_of(ExprKind::Or(b(self.cond(sub)), b(self.cond(sub)))),
            7 => self.in_list(sub),
            8 => self.contains(sub),
            9 => self.between(sub),
            10 => self.coalesce(Type::Bool, sub),
            11 if self.outer.is_none() => self.aggregate(Type::Bool, sub),
            12 | 13 if self.outer.is_none() => {
                // The usual shape of a rule: an aggregate compared with a literal.
                let ty = self
                    .c
                    .pick(&[Type::Number, Type::Number, Type::String, Type::Time]);
                let agg = self.aggregate(ty, sub);
                let other = match agg.ty {
                    Type::Number => lit(self.number_literal()),
                    Type::Time => lit(Literal::Time(self.time_literal())),
                    _ => self.value(agg.ty, 0),
                };
                let op = self.c.pick(&ORDER_OPS);
                boolean_of(ExprKind::Compare(op, b(agg), b(other)))
            }
            _ => self.compare(sub),
        }
    }

    fn compare(&mut self, d: u32) -> Expr {
        let any_op = self.c.pick(&ORDER_OPS);
        let eq_op = self.c.pick(&ORDER_OPS[..2]);
        let swap = self.c.chance(50);
        let (op, a, c) = match self.c.below(9) {
            0 => (any_op, self.number(d), self.number(d)),
            1 => (any_op, self.string(d), self.string(d)),
            2 => (any_op, self.time(d), self.time(d)),
            3 => (any_op, self.duration(d), self.duration(d)),
            4 => (eq_op, self.boolean(d), self.boolean(d)),
            5 => (any_op, self.dynamic(d), self.number(d)),
            6 => (any_op, self.dynamic(d), self.string(d)),
            7 => (eq_op, self.dynamic(d), self.boolean(d)),
            _ => (any_op, self.dynamic(d), self.dynamic(d)),
        };
        let (a, c) = if swap { (c, a) } else { (a, c) };
        boolean_of(ExprKind::Compare(op, b(a), b(c)))
    }

    fn is_null(&mut self, d: u32) -> Expr {
        let ty = self.c.pick(&[
            Type::Number,
            Type::String,
            Type::Time,
            Type::Dynamic,
            Type::Bool,
            Type::Duration,
            Type::StringList,
            Type::Null,
        ]);
        let expr = self.value(ty, d);
        let negated = self.c.chance(50);
        boolean_of(ExprKind::IsNull {
            expr: b(expr),
            negated,
        })
    }

    /// `x in [..]`: strings for a string, numbers for a number, either (even mixed) for a
    /// dynamic value, as the checker allows.
    fn in_list(&mut self, d: u32) -> Expr {
        let ty = self.c.pick(&[Type::String, Type::Number, Type::Dynamic]);
        let expr = self.value(ty, d);
        let list = (0..self.c.below(5))
            .map(|_| match ty {
                Type::String => Literal::String(vocab::word(self.c)),
                Type::Number => self.number_literal(),
                _ if self.c.chance(50) => Literal::String(vocab::word(self.c)),
                _ => self.number_literal(),
            })
            .collect();
        let negated = self.c.chance(50);
        boolean_of(ExprKind::InList {
            expr: b(expr),
            list,
            negated,
        })
    }

    fn contains(&mut self, d: u32) -> Expr {
        let (haystack, needle) = match self.c.below(3) {
            0 => (self.list(d), self.fit(Type::String, d, true, false)),
            1 => (self.string(d), self.fit(Type::String, d, true, false)),
            _ => {
                let needle_ty = self.c.pick(&[Type::String, Type::Number, Type::Dynamic]);
                (self.dynamic(d), self.value(needle_ty, d))
            }
        };
        boolean_of(ExprKind::Contains {
            haystack: b(haystack),
            needle: b(needle),
        })
    }

    /// `x between lo and hi`: one ordered type, where numbers and strings may be dynamic.
    fn between(&mut self, d: u32) -> Expr {
        let ty = self
            .c
            .pick(&[Type::Number, Type::String, Type::Time, Type::Duration]);
        let dynamic = matches!(ty, Type::Number | Type::String);
        let part = |g: &mut Self| g.fit(ty, d, dynamic, false);
        let (e, low, high) = (part(self), part(self), part(self));
        boolean_of(ExprKind::Between {
            expr: b(e),
            low: b(low),
            high: b(high),
        })
    }

    /// `percentile(x)` of a number, a time or a dynamic value, as `check/percentile.rs` allows.
    fn percentile(&mut self, d: u32) -> Expr {
        let ty = self
            .c
            .pick(&[Type::Number, Type::Number, Type::Time, Type::Dynamic]);
        self.ranking = true;
        let arg = self.value(ty, d);
        self.ranking = false;
        Expr::new(ExprKind::Percentile(b(arg)), Type::Number)
    }

    pub fn number(&mut self, d: u32) -> Expr {
        let sub = d.saturating_sub(1);
        let alternatives = if d == 0 { 3 } else { 13 };
        match self.c.below(alternatives) {
            0 => lit(self.number_literal()),
            1 => Expr::new(ExprKind::Customer(CustomerField::Age), Type::Number),
            2 => match self.element_of(Type::Number) {
                Some(e) => e,
                None => lit(self.number_literal()),
            },
            3 => {
                let inner = self.fit(Type::Number, sub, true, false);
                Expr::new(ExprKind::Neg(b(inner)), Type::Number)
            }
            4 | 5 => {
                let op = self
                    .c
                    .pick(&[ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div]);
                let x = self.fit(Type::Number, sub, true, true);
                let y = self.fit(Type::Number, sub, true, true);
                Expr::new(ExprKind::Arith(op, b(x), b(y)), Type::Number)
            }
            6 => {
                let func = self
                    .c
                    .pick(&[Func::DaysSince, Func::Month, Func::Day, Func::Weekday]);
                let arg = self.fit(Type::Time, sub, false, true);
                Expr::new(ExprKind::Call(func, vec![arg]), Type::Number)
            }
            7 => {
                let ty = self
                    .c
                    .pick(&[Type::String, Type::StringList, Type::Dynamic, Type::Null]);
                let arg = self.value(ty, sub);
                Expr::new(ExprKind::Call(Func::Len, vec![arg]), Type::Number)
            }
            8 => self.coalesce(Type::Number, sub),
            9 if self.scope.is_none() && !self.ranking => self.percentile(sub),
            _ if self.outer.is_none() => self.aggregate(Type::Number, sub),
            _ => lit(self.number_literal()),
        }
    }

    pub fn number_literal(&mut self) -> Literal {
        let n = if self.c.chance(30) {
            self.c.range(-3, 20) as f64
        } else if self.c.chance(50) {
            vocab::cents(self.c) as f64 / 100.0
        } else {
            self.c
                .pick(&[0.0, 1.0, 2.0, 0.5, 1.5, 0.3, 0.1, -0.5, 30.0, 12.34, 49.99])
        };
        Literal::Number(n)
    }

    pub fn string(&mut self, d: u32) -> Expr {
        let sub = d.saturating_sub(1);
        let alternatives = if d == 0 { 3 } else { 6 };
        match self.c.below(alternatives) {
            0 => lit(Literal::String(vocab::word(self.c))),
            1 => {
                use CustomerField::*;
                let f = self.c.pick(&[
                    Id, Email, FirstName, LastName, Gender, Country, Region, City, Zip, Timezone,
                ]);
                Expr::new(ExprKind::Customer(f), Type::String)
            }
            2 => match self.element_of(Type::String) {
                Some(e) => e,
                None => lit(Literal::String(vocab::word(self.c))),
            },
            3 => {
                let func = self.c.pick(&[Func::Lower, Func::Upper]);
                let arg = self.fit(Type::String, sub, true, true);
                Expr::new(ExprKind::Call(func, vec![arg]), Type::String)
            }
            4 => self.coalesce(Type::String, sub),
            _ if self.outer.is_none() => self.aggregate(Type::String, sub),
            _ => lit(Literal::String(vocab::word(self.c))),
        }
    }

    pub fn time(&mut self, d: u32) -> Expr {
        let sub = d.saturating_sub(1);
        let alternatives = if d == 0 { 4 } else { 8 };
        match self.c.below(alternatives) {
            0 => lit(Literal::Time(self.time_literal())),
            1 => Expr::new(ExprKind::Now, Type::Time),
            2 => {
                let f = self
                    .c
                    .pick(&[CustomerField::CreatedAt, CustomerField::Birthday]);
                Expr::new(ExprKind::Customer(f), Type::Time)
            }
            3 => match self.element_of(Type::Time) {
                Some(e) => e,
                None => Expr::new(ExprKind::Now, Type::Time),
            },
            4 | 5 => {
                let (t, dur) = (self.time(sub), self.duration(sub));
                let kind = match self.c.below(3) {
                    0 => ExprKind::Arith(ArithOp::Sub, b(t), b(dur)),
                    1 => ExprKind::Arith(ArithOp::Add, b(t), b(dur)),
                    _ => ExprKind::Arith(ArithOp::Add, b(dur), b(t)),
                };
                Expr::new(kind, Type::Time)
            }
            6 => self.coalesce(Type::Time, sub),
            _ if self.outer.is_none() => self.aggregate(Type::Time, sub),
            _ => Expr::new(ExprKind::Now, Type::Time),
        }
    }

    fn time_literal(&mut self) -> i64 {
        match self.c.below(3) {
            0 => vocab::time_near(self.c),
            1 => vocab::birthday(self.c),
            _ => self.c.pick(&[
                vocab::date(1970, 1, 1),
                vocab::date(1969, 12, 31),
                vocab::date(2026, 1, 1),
                vocab::date(2000, 2, 29),
            ]),
        }
    }

    pub fn duration(&mut self, d: u32) -> Expr {
        let sub = d.saturating_sub(1);
        let alternatives = if d == 0 { 1 } else { 5 };
        match self.c.below(alternatives) {
            0 => lit(Literal::Duration(self.duration_literal())),
            1 => {
                let (x, y) = (self.time(sub), self.time(sub));
                Expr::new(ExprKind::Arith(ArithOp::Sub, b(x), b(y)), Type::Duration)
            }
            2 => {
                let op = self.c.pick(&[ArithOp::Add, ArithOp::Sub]);
                let (x, y) = (self.duration(sub), self.duration(sub));
                Expr::new(ExprKind::Arith(op, b(x), b(y)), Type::Duration)
            }
            3 => Expr::new(ExprKind::Neg(b(self.duration(sub))), Type::Duration),
            _ => self.coalesce(Type::Duration, sub),
        }
    }

    pub fn duration_literal(&mut self) -> i64 {
        self.c.pick(&[
            0,
            1,
            HOUR,
            DAY,
            7 * DAY,
            30 * DAY,
            90 * DAY,
            365 * DAY,
            12 * HOUR,
            36_525 * DAY / 100,
        ])
    }

    pub fn list(&mut self, d: u32) -> Expr {
        let sub = d.saturating_sub(1);
        match self.c.below(if d == 0 { 2 } else { 3 }) {
            0 => Expr::new(ExprKind::Customer(CustomerField::Tags), Type::StringList),
            1 => match self.element_of(Type::StringList) {
                Some(e) => e,
                None => Expr::new(ExprKind::Customer(CustomerField::Tags), Type::StringList),
            },
            _ => self.coalesce(Type::StringList, sub),
        }
    }

    pub fn dynamic(&mut self, d: u32) -> Expr {
        let sub = d.saturating_sub(1);
        match self.c.below(if d == 0 { 2 } else { 4 }) {
            0 => Expr::new(ExprKind::Attr(self.key()), Type::Dynamic),
            1 => match self.element_of(Type::Dynamic) {
                Some(e) => e,
                None => Expr::new(ExprKind::Attr(self.key()), Type::Dynamic),
            },
            2 => self.coalesce(Type::Dynamic, sub),
            _ if self.outer.is_none() => self.aggregate(Type::Dynamic, sub),
            _ => Expr::new(ExprKind::Attr(self.key()), Type::Dynamic),
        }
    }

    /// An attribute or property name; `missing` is held by no row.
    pub fn key(&mut self) -> String {
        if self.c.chance(10) {
            "missing".into()
        } else {
            self.c.pick(vocab::KEYS).to_string()
        }
    }

    fn null(&mut self, d: u32) -> Expr {
        if d > 0 && self.c.chance(20) {
            return self.coalesce(Type::Null, d - 1);
        }
        lit(Literal::Null)
    }

    /// `coalesce(..)` whose checked type is `ty`: arguments of `ty`, dynamic values and nulls,
    /// with the type computed by the checker's rule (the first typed argument decides).
    fn coalesce(&mut self, ty: Type, d: u32) -> Expr {
        let n = 1 + self.c.below(3) as usize;
        let typed_at = self.c.below(n as u32) as usize;
        let args: Vec<Expr> = (0..n)
            .map(|i| match ty {
                Type::Null => lit(Literal::Null),
                _ if i == typed_at => self.value(ty, d),
                Type::Dynamic => self.fit(Type::Dynamic, d, false, true),
                _ => self.fit(ty, d, true, true),
            })
            .collect();
        let mut result = Type::Null;
        for a in &args {
            if matches!(result, Type::Null | Type::Dynamic) && a.ty != Type::Null {
                result = a.ty;
            }
        }
        Expr::new(ExprKind::Call(Func::Coalesce, args), result)
    }
}
