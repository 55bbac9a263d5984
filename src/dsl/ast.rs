//! The syntax tree of a DSL expression, as written: names unresolved, types unknown.
//!
//! Every node carries the span of its text in the original file so that the checker can point at
//! exactly what is wrong.

use super::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

/// A name with its own span, such as one part of `attr.values` or a method name.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// An argument of a call or method: an expression, a `within DURATION` window, or a
/// `since TIME` lower bound.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Expr(Node),
    Within { value: Node, span: Span },
    Since { value: Node, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Contains => "contains",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Number(f64),
    String(String),
    Bool(bool),
    Null,
    /// Milliseconds.
    Duration(i64),
    /// A date literal, as unix milliseconds at midnight UTC.
    Date(i64),
    /// A timestamp literal, as unix milliseconds.
    Timestamp(i64),
    List(Vec<Node>),
    /// A possibly dotted name: `country`, `attr.values`, `prop.value`, `now`.
    Path(Vec<Ident>),
    /// `name(args)`: a function, `in_segment`, or a filtered collection.
    Call {
        name: Ident,
        args: Vec<Arg>,
    },
    /// `target.name(args)`: an aggregate over a collection.
    Method {
        target: Box<Node>,
        name: Ident,
        args: Vec<Arg>,
    },
    Not(Box<Node>),
    Neg(Box<Node>),
    Binary(BinaryOp, Box<Node>, Box<Node>),
    Between {
        expr: Box<Node>,
        low: Box<Node>,
        high: Box<Node>,
    },
    IsNull {
        expr: Box<Node>,
        negated: bool,
    },
}

impl Node {
    pub fn new(kind: NodeKind, span: Span) -> Node {
        Node { kind, span }
    }
}
