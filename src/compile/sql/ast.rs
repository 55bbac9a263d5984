//! A small syntax tree for the subset of SQLite SQL that segment queries use.
//!
//! The compiler builds these nodes and `render` prints them, so that quoting, precedence and
//! indentation are decided in one place instead of by gluing strings. Values that come from a
//! rule file never appear here as text: they are `Param` nodes that refer to a bound parameter.
//! The only inline text is what segflow itself owns: table and column names, operators, function
//! names and a few constants (`100.0`, `'text'`, `'$'`) that the semantics need.

/// The identity of a bound parameter; the renderer numbers parameters `?1, ?2, ...` in order of
/// first appearance, so the same id used twice is bound once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParamId(pub usize);

/// A scalar SQL expression.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlExpr {
    /// `alias.column`.
    Column(&'static str, &'static str),
    Param(ParamId),
    Int(i64),
    Real(f64),
    /// A string constant owned by segflow (a JSON type name, a date format), never user input.
    Const(&'static str),
    Null,
    Not(Box<SqlExpr>),
    Neg(Box<SqlExpr>),
    Binary(BinOp, Box<SqlExpr>, Box<SqlExpr>),
    /// `NAME(args)`; `distinct` renders `NAME(DISTINCT args)`.
    Func {
        name: &'static str,
        distinct: bool,
        args: Vec<SqlExpr>,
    },
    /// `COUNT(*)`.
    CountStar,
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`.
    Case {
        operand: Option<Box<SqlExpr>>,
        whens: Vec<(SqlExpr, SqlExpr)>,
        otherwise: Option<Box<SqlExpr>>,
    },
    In {
        expr: Box<SqlExpr>,
        list: Vec<SqlExpr>,
        negated: bool,
    },
    IsNull {
        expr: Box<SqlExpr>,
        negated: bool,
    },
    Between {
        expr: Box<SqlExpr>,
        low: Box<SqlExpr>,
        high: Box<SqlExpr>,
    },
    Cast(Box<SqlExpr>, &'static str),
    /// A scalar subquery `(SELECT ...)`.
    Subquery(Box<Select>),
    /// `cume_dist() OVER (ORDER BY key)`: the share of rows whose key is at most this row's.
    CumeDist(Box<SqlExpr>),
    /// `expr AS name`, only as a column of a `SELECT`.
    Named(Box<SqlExpr>, &'static str),
    Exists(Box<Select>),
}

/// Binary operators, each rendered as written here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    /// SQLite's `->`: the JSON text of a value inside a JSON document.
    JsonArrow,
    /// SQLite's `->>`: the SQL value of a value inside a JSON document.
    JsonArrow2,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::And => "AND",
            BinOp::Or => "OR",
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::JsonArrow => "->",
            BinOp::JsonArrow2 => "->>",
        }
    }
}

/// A `SELECT` statement; `filters` are joined with `AND`.
#[derive(Clone, Debug, PartialEq)]
pub struct Select {
    pub columns: Vec<SqlExpr>,
    pub from: Source,
    pub joins: Vec<Join>,
    pub filters: Vec<SqlExpr>,
    pub order_by: Vec<OrderKey>,
    pub limit: Option<i64>,
    /// `OFFSET n`, only after a `LIMIT`.
    pub offset: Option<i64>,
}

/// A sort key of `ORDER BY`.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderKey {
    pub expr: SqlExpr,
    pub descending: bool,
}

/// A table or table-valued function with its alias.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Table {
        name: &'static str,
        alias: &'static str,
    },
    /// A table-valued function such as `json_each(c.tags) AS j`.
    Function {
        name: &'static str,
        args: Vec<SqlExpr>,
        alias: &'static str,
    },
    /// A derived table `(SELECT ...) AS alias`.
    Subquery {
        select: Box<Select>,
        alias: &'static str,
    },
}

/// `JOIN source ON condition`.
#[derive(Clone, Debug, PartialEq)]
pub struct Join {
    pub source: Source,
    pub on: SqlExpr,
}

impl Select {
    pub fn new(columns: Vec<SqlExpr>, from: Source) -> Select {
        Select {
            columns,
            from,
            joins: Vec::new(),
            filters: Vec::new(),
            order_by: Vec::new(),
            limit: None,
            offset: None,
        }
    }
}

/// Short constructors so the compiler reads like the SQL it builds.
impl SqlExpr {
    pub fn bin(op: BinOp, left: SqlExpr, right: SqlExpr) -> SqlExpr {
        SqlExpr::Binary(op, Box::new(left), Box::new(right))
    }

    pub fn func(name: &'static str, args: Vec<SqlExpr>) -> SqlExpr {
        SqlExpr::Func {
            name,
            distinct: false,
            args,
        }
    }

    pub fn not(inner: SqlExpr) -> SqlExpr {
        SqlExpr::Not(Box::new(inner))
    }

    pub fn is_null(inner: SqlExpr, negated: bool) -> SqlExpr {
        SqlExpr::IsNull {
            expr: Box::new(inner),
            negated,
        }
    }

    pub fn cast(inner: SqlExpr, ty: &'static str) -> SqlExpr {
        SqlExpr::Cast(Box::new(inner), ty)
    }

    /// `CASE WHEN cond THEN value END`: the value when `cond` holds, else null.
    pub fn when(cond: SqlExpr, value: SqlExpr) -> SqlExpr {
        SqlExpr::Case {
            operand: None,
            whens: vec![(cond, value)],
            otherwise: None,
        }
    }

    /// `COALESCE(inner, 0)`: a condition whose null counts as false.
    pub fn or_false(inner: SqlExpr) -> SqlExpr {
        SqlExpr::func("COALESCE", vec![inner, SqlExpr::Int(0)])
    }

    /// Joins conditions with `AND`; an empty list is true.
    pub fn all(parts: Vec<SqlExpr>) -> SqlExpr {
        parts
            .into_iter()
            .reduce(|acc, p| SqlExpr::bin(BinOp::And, acc, p))
            .unwrap_or(SqlExpr::Int(1))
    }
}
