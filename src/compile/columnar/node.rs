//! The evaluator's expression tree and its compilation from the IR.
//!
//! Compilation resolves what can be resolved without a snapshot: literals become runtime values,
//! element fields are checked against the aggregate they sit in, and attribute and property
//! names become slots that each evaluation binds to the snapshot's interned keys once.

use crate::compile::CompileError;
use crate::dsl::ir::{
    AggFunc, ArithOp, Collection, CompareOp, CustomerField, ElementField, EventField, Expr,
    ExprKind, Func, ItemField, Literal, OrderField,
};
use crate::dsl::types::Type;

/// A literal value owned by the program.
#[derive(Clone, Debug)]
pub enum Lit {
    Null,
    Bool(bool),
    Num(f64),
    Str(Box<str>),
    Time(i64),
    Dur(i64),
}

/// A field of the current element, with `Prop` naming a key slot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Field {
    Order(OrderField),
    Item(ItemField),
    EventType,
    EventTime,
    Prop(usize),
}

/// How `sum`/`avg` read their argument.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumArg {
    /// Money: add cents as integers and scale once at the end.
    Cents(Field),
    /// Integer quantities.
    Int(Field),
    /// A dynamic property: only its JSON numbers, added as `f64` in element order.
    Dynamic(Field),
}

/// A column of interned strings, compared by id with bound literals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SymCol {
    Customer(CustomerField),
    Order(OrderField),
    ItemCategory,
    EventType,
}

impl SymCol {
    fn of(e: &Expr, scope: Option<Collection>) -> Option<SymCol> {
        use CustomerField as C;
        match &e.kind {
            ExprKind::Customer(
                f @ (C::FirstName
                | C::LastName
                | C::Gender
                | C::Country
                | C::Region
                | C::City
                | C::Zip
                | C::Timezone),
            ) => Some(SymCol::Customer(*f)),
            ExprKind::Element(ElementField::Order(
                f @ (OrderField::Status | OrderField::Channel),
            )) if scope == Some(Collection::Orders) => Some(SymCol::Order(*f)),
            ExprKind::Element(ElementField::Item(ItemField::Category))
                if scope == Some(Collection::Items) =>
            {
                Some(SymCol::ItemCategory)
            }
            ExprKind::Element(ElementField::Event(EventField::Type))
                if scope == Some(Collection::Events) =>
            {
                Some(SymCol::EventType)
            }
            _ => None,
        }
    }
}

fn string_lit(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Literal(Literal::String(s)) => Some(s),
        _ => None,
    }
}

#[derive(Debug)]
pub struct Agg {
    pub collection: Collection,
    pub filter: Option<Node>,
    pub within: Option<i64>,
    pub func: AggFunc,
    pub arg: Option<Field>,
    pub num_arg: Option<NumArg>,
}

#[derive(Debug)]
pub enum Node {
    Lit(Lit),
    Now,
    /// The journey's entry time (`entered`).
    Entered,
    /// A property of the triggering event, by name.
    Trigger(String),
    Customer(CustomerField),
    Attr(usize),
    Elem(Field),
    /// A field of the enclosing aggregate's element (`outer.FIELD`).
    Outer(Field),
    /// `percentile(arg)`: `slot` indexes the population measured for `arg` before evaluating.
    Percentile {
        slot: usize,
        arg: Box<Node>,
    },
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Arith(ArithOp, Box<Node>, Box<Node>),
    Compare(CompareOp, Box<Node>, Box<Node>),
    InList {
        expr: Box<Node>,
        list: Vec<Lit>,
        negated: bool,
    },
    Contains(Box<Node>, Box<Node>),
    Between(Box<Node>, Box<Node>, Box<Node>),
    IsNull(Box<Node>, bool),
    Call(Func, Vec<Node>),
    /// A dynamic value where a value of `ty` is expected (an argument of a typed `coalesce`):
    /// a JSON value of another type counts as null.
    Fit(Box<Node>, Type),
    Aggregate(Box<Agg>),
    /// `col == "lit"` (or `!=` when negated) on an interned column: compares ids, not bytes.
    /// `lit` is a slot bound to the snapshot's id of the literal.
    SymEq {
        col: SymCol,
        lit: usize,
        negated: bool,
    },
    /// `col in [...]` / `not in` of string literals on an interned column.
    SymIn {
        col: SymCol,
        lits: Vec<usize>,
        negated: bool,
    },
}

/// Compiles one expression tree, collecting the dynamic key names it reads.
#[derive(Default)]
pub struct Compiler {
    /// Attribute and property names and string literals compared with interned columns: each
    /// is bound to the snapshot's interned id before an evaluation.
    pub keys: Vec<String>,
    /// The collection of the innermost aggregate being compiled.
    scope: Option<Collection>,
    /// The collection of the aggregate around it, whose element `outer.FIELD` reads.
    outer: Option<Collection>,
    /// The argument of each `percentile`, whose population is measured before an evaluation.
    pub ranks: Vec<Node>,
}

fn unsupported(what: impl Into<String>) -> CompileError {
    CompileError::Unsupported(what.into())
}

fn lit(l: &Literal) -> Lit {
    match l {
        Literal::Null => Lit::Null,
        Literal::Bool(b) => Lit::Bool(*b),
        Literal::Number(n) => Lit::Num(*n),
        Literal::String(s) => Lit::Str(s.as_str().into()),
        Literal::Time(t) => Lit::Time(*t),
        Literal::Duration(d) => Lit::Dur(*d),
    }
}

fn collection_of(field: &ElementField) -> Collection {
    match field {
        ElementField::Order(_) => Collection::Orders,
        ElementField::Item(_) => Collection::Items,
        ElementField::Event(_) => Collection::Events,
    }
}

impl Compiler {
    fn key(&mut self, name: &str) -> usize {
        if let Some(i) = self.keys.iter().position(|k| k == name) {
            return i;
        }
        self.keys.push(name.to_string());
        self.keys.len() - 1
    }

    fn field(&mut self, field: &ElementField, within: Collection) -> Result<Field, CompileError> {
        if collection_of(field) != within {
            return Err(unsupported(format!(
                "the element field {field:?} is used outside an aggregate over its collection"
            )));
        }
        Ok(match field {
            ElementField::Order(f) => Field::Order(*f),
            ElementField::Item(f) => Field::Item(*f),
            ElementField::Event(EventField::Type) => Field::EventType,
            ElementField::Event(EventField::OccurredAt) => Field::EventTime,
            ElementField::Event(EventField::Prop(name)) => Field::Prop(self.key(name)),
        })
    }

    /// The interned column and literal of `a == b` when one side is each.
    fn sym_eq<'e>(&self, a: &'e Expr, b: &'e Expr) -> Option<(SymCol, &'e str)> {
        match (SymCol::of(a, self.scope), string_lit(b)) {
            (Some(col), Some(text)) => Some((col, text)),
            _ => Some((SymCol::of(b, self.scope)?, string_lit(a)?)),
        }
    }

    fn boxed(&mut self, e: &Expr) -> Result<Box<Node>, CompileError> {
        self.node(e).map(Box::new)
    }

    pub fn node(&mut self, e: &Expr) -> Result<Node, CompileError> {
        Ok(match &e.kind {
            ExprKind::Literal(l) => Node::Lit(lit(l)),
            ExprKind::Now => Node::Now,
            ExprKind::Entered => Node::Entered,
            ExprKind::TriggerProp(name) => Node::Trigger(name.clone()),
            ExprKind::Customer(f) => Node::Customer(*f),
            ExprKind::Attr(name) => Node::Attr(self.key(name)),
            ExprKind::Element(field) => {
                let scope = self.scope.ok_or_else(|| {
                    unsupported(format!(
                        "the element field {field:?} is used outside an aggregate"
                    ))
                })?;
                Node::Elem(self.field(field, scope)?)
            }
            ExprKind::Outer(field) => {
                let outer = self.outer.ok_or_else(|| {
                    unsupported(format!(
                        "the outer field {field:?} is used outside a nested aggregate"
                    ))
                })?;
                Node::Outer(self.field(field, outer)?)
            }
            ExprKind::Percentile(arg) => {
                if self.scope.is_some() {
                    return Err(unsupported("a percentile inside a collection's filter"));
                }
                let population = self.node(arg)?;
                self.ranks.push(population);
                Node::Percentile {
                    slot: self.ranks.len() - 1,
                    arg: self.boxed(arg)?,
                }
            }
            ExprKind::Not(a) => Node::Not(self.boxed(a)?),
            ExprKind::Neg(a) => Node::Neg(self.boxed(a)?),
            ExprKind::And(a, b) => Node::And(self.boxed(a)?, self.boxed(b)?),
            ExprKind::Or(a, b) => Node::Or(self.boxed(a)?, self.boxed(b)?),
            ExprKind::Arith(op, a, b) => Node::Arith(*op, self.boxed(a)?, self.boxed(b)?),
            ExprKind::Compare(op @ (CompareOp::Eq | CompareOp::Ne), a, b)
                if self.sym_eq(a, b).is_some() =>
            {
                let (col, text) = self.sym_eq(a, b).unwrap_or((SymCol::EventType, ""));
                Node::SymEq {
                    col,
                    lit: self.key(text),
                    negated: *op == CompareOp::Ne,
                }
            }
            ExprKind::Compare(op, a, b) => Node::Compare(*op, self.boxed(a)?, self.boxed(b)?),
            ExprKind::InList {
                expr,
                list,
                negated,
            } if SymCol::of(expr, self.scope).is_some()
                && list.iter().all(|l| matches!(l, Literal::String(_))) =>
            {
                let col = SymCol::of(expr, self.scope).unwrap_or(SymCol::EventType);
                let lits = list
                    .iter()
                    .filter_map(|l| match l {
                        Literal::String(s) => Some(self.key(s)),
                        _ => None,
                    })
                    .collect();
                Node::SymIn {
                    col,
                    lits,
                    negated: *negated,
                }
            }
            ExprKind::InList {
                expr,
                list,
                negated,
            } => Node::InList {
                expr: self.boxed(expr)?,
                list: list.iter().map(lit).collect(),
                negated: *negated,
            },
            ExprKind::Contains { haystack, needle } => {
                Node::Contains(self.boxed(haystack)?, self.boxed(needle)?)
            }
            ExprKind::Between { expr, low, high } => {
                Node::Between(self.boxed(expr)?, self.boxed(low)?, self.boxed(high)?)
            }
            ExprKind::IsNull { expr, negated } => Node::IsNull(self.boxed(expr)?, *negated),
            ExprKind::Call(func, args) => {
                let ok = match func {
                    Func::Coalesce => !args.is_empty(),
                    _ => args.len() == 1,
                };
                if !ok {
                    return Err(unsupported(format!(
                        "{func:?} called with {} arguments",
                        args.len()
                    )));
                }
                let mut nodes = Vec::with_capacity(args.len());
                for a in args {
                    let node = self.node(a)?;
                    // `coalesce` has the type of its first typed argument; a dynamic argument
                    // stands in for that type only when its JSON value has it.
                    let typed = !matches!(e.ty, Type::Dynamic | Type::Null);
                    nodes.push(
                        if *func == Func::Coalesce && typed && a.ty == Type::Dynamic {
                            Node::Fit(Box::new(node), e.ty)
                        } else {
                            node
                        },
                    );
                }
                Node::Call(*func, nodes)
            }
            ExprKind::InSegment(name) => return Err(CompileError::SegmentNotInlined(name.clone())),
            ExprKind::Aggregate(agg) => {
                let saved = (self.scope, self.outer);
                self.outer = self.scope;
                self.scope = Some(agg.collection);
                let filter = agg.filter.as_deref().map(|f| self.node(f)).transpose();
                let arg = agg
                    .arg
                    .as_ref()
                    .map(|f| self.field(f, agg.collection))
                    .transpose();
                (self.scope, self.outer) = saved;
                let (filter, arg) = (filter?, arg?);
                let num_arg = self.num_arg(agg.func, agg.arg.as_ref(), arg)?;
                if arg.is_none() && !matches!(agg.func, AggFunc::Count | AggFunc::Exists) {
                    return Err(unsupported(format!("{:?} needs a field", agg.func)));
                }
                Node::Aggregate(Box::new(Agg {
                    collection: agg.collection,
                    filter,
                    within: agg.within,
                    func: agg.func,
                    arg,
                    num_arg,
                }))
            }
        })
    }

    fn num_arg(
        &self,
        func: AggFunc,
        ir: Option<&ElementField>,
        field: Option<Field>,
    ) -> Result<Option<NumArg>, CompileError> {
        if !matches!(func, AggFunc::Sum | AggFunc::Avg) {
            return Ok(None);
        }
        let (Some(ir), Some(field)) = (ir, field) else {
            return Err(unsupported(format!("{func:?} needs a field")));
        };
        Ok(Some(match ir.ty() {
            Type::Number if ir.is_money() => NumArg::Cents(field),
            Type::Number => NumArg::Int(field),
            Type::Dynamic => NumArg::Dynamic(field),
            other => {
                return Err(unsupported(format!(
                    "{func:?} over {ir:?}, a {other}, which is not a number"
                )))
            }
        }))
    }
}
