//! The checked, typed intermediate representation of a segment condition.
//!
//! The IR is the contract between the checker and the two evaluators (`compile::columnar` and
//! `compile::sql`): names are resolved, derived fields are lowered to aggregates and every node
//! has a known type. Its semantics are defined here, once, and both evaluators implement exactly
//! these rules; the test suite checks that they return the same members.
//!
//! # Semantics
//!
//! * **Null.** Any value may be missing (null). Arithmetic with a null operand is null. Every
//!   comparison (`== != < <= > >=`, `between`, `in`, `not in`, `contains`) with a null operand is
//!   `false`, so boolean expressions are never null: `not`, `and` and `or` are two-valued. A
//!   null boolean field or attribute used as a condition counts as `false`.
//! * **Numbers** are `f64`. Money is stored in minor units and shown in major units: a money
//!   field's value is `cents as f64 / 100.0`. Aggregates over money fields add cents as integers
//!   and divide once at the end (`sum = total_cents as f64 / 100.0`, `avg = (total_cents as f64 /
//!   n as f64) / 100.0`), so both evaluators produce the same bits.
//! * **Division** by zero is null.
//! * **Time** is unix milliseconds (UTC). `time + duration` and `time - duration` are times;
//!   `time - time` is a duration. Calendar functions (`month`, `day`, `weekday`, `age`) use UTC.
//! * **Strings** compare by bytes. `lower`/`upper` change ASCII letters only.
//! * **Dynamic values** (`attr.NAME`, `prop.NAME`) are JSON values. A comparison with a number
//!   is true only when the value is a JSON number; with a string only when it is a JSON string;
//!   with a boolean only when it is a JSON boolean. `contains` on a dynamic value: a JSON array
//!   contains an element equal to the needle; a JSON string contains the needle as a substring.
//!   Used as a condition, a dynamic value is true only when it is JSON `true`.
//!   `sum`/`avg`/`min`/`max` over a dynamic field consider only its numeric values. JSON values
//!   never stand for times or durations. Where a dynamic value meets a typed one in `coalesce`,
//!   a dynamic value of another JSON type counts as null (any JSON array counts as a string
//!   list). `distinct` counts numbers by value (`2` and `2.0` are one), strings by bytes and
//!   booleans apart; each array or object is a value of its own. A list after `in` may mix
//!   strings and numbers when the value on the left is dynamic; each element is compared with
//!   the same type guard.
//! * **Aggregates** run over one customer's elements of a collection, after the filter and the
//!   window: `count` counts them, `exists` is `count > 0`, `sum` of none is `0`, `avg`, `min`,
//!   `max`, `first`, `last` of none are null; `avg/min/max/sum` skip null values; `distinct`
//!   counts distinct non-null values. `first`/`last` take the field of the earliest/latest element
//!   in (time, element id) order, even when that field is null.
//! * **Nested aggregates.** A collection's filter may itself hold aggregates over the same
//!   customer's collections, one level deep (an aggregate inside a nested aggregate's filter is
//!   an error). Inside a nested filter `outer.FIELD` (`ExprKind::Outer`) is the field of the
//!   enclosing collection's element being tested, so "viewed a product they have not bought" is
//!   `events(type == "product_viewed", not items(product_id == outer.prop.product_id).exists())`.
//!   A nested aggregate sees the same point-in-time bound and windows as any other.
//! * **Positions.** `nth(n, f)` is the field of the n-th element in (time, element id) order
//!   (`nth(1, f)` is `first(f)`), `nth_last(n, f)` the n-th from the latest; both are null when
//!   the collection holds fewer than n elements after filter and window.
//! * **Percentiles.** `percentile(x)` is `100 × (k / n)`, where n counts the customers that
//!   exist at `now` and whose `x` is not null, and k those of them whose `x` is at most this
//!   customer's (ties share a rank, as SQL's `cume_dist`). It is null when `x` is null. Numbers
//!   and times are ranked; a dynamic `x` counts only its JSON numbers. The population is the
//!   evaluated store: a full evaluation measures it at `now`; the daemon measures it on its last
//!   full load of the store and places each changed customer's current value in it.
//! * **Point in time.** Evaluation at `now` sees only what had happened by then: an aggregate
//!   runs over the elements whose time is `<= now`, and a customer created after `now` is no
//!   member of anything. So `--now` reproduces what a segment was at that time.
//! * **Windows.** `within D` keeps elements whose time is `>= now - D` (and `<= now`, as every
//!   aggregate). `since T` (any time expression) is checked into the filter as `time >= T`, so
//!   it needs no node of its own.
//! * **Workflow inputs.** `entered` is the time the customer's journey started and
//!   `trigger.prop.NAME` a property of the event that started it; both are inputs of an
//!   evaluation like `now`. Outside a journey `entered` is null and so is every trigger property.

use super::types::Type;

/// A literal value after checking.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// Unix milliseconds.
    Time(i64),
    /// Milliseconds.
    Duration(i64),
}

/// A checked expression with its type.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// The evaluation time, an input to every evaluation.
    Now,
    /// `entered`: the entry time of the journey a workflow condition is evaluated for; an input
    /// like `now` (null outside a journey). Only workflow conditions may use it.
    Entered,
    /// `trigger.prop.NAME`: a property of the event that started the journey (dynamic; null
    /// when the trigger was not an event). Only workflow conditions may use it.
    TriggerProp(String),
    /// A stored field of the customer.
    Customer(CustomerField),
    /// `attr.NAME`: a custom attribute (dynamic).
    Attr(String),
    /// A field of the current element; only inside an aggregate's filter.
    Element(ElementField),
    /// `outer.FIELD`: a field of the enclosing collection's element, inside the filter of an
    /// aggregate that is itself inside that collection's filter.
    Outer(ElementField),
    /// `percentile(x)`: where the customer's `x` ranks among all customers, 0–100.
    Percentile(Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    /// `expr in [..]` / `expr not in [..]`; the list holds literals of one type.
    /// A string is also `in` a string list expression such as `tags`: see `Contains`.
    InList {
        expr: Box<Expr>,
        list: Vec<Literal>,
        negated: bool,
    },
    /// `haystack contains needle`: a list (or dynamic array) holds the needle as an element, or a
    /// string holds it as a substring. `"x" in tags` is checked into `Contains`.
    Contains {
        haystack: Box<Expr>,
        needle: Box<Expr>,
    },
    /// `expr between low and high`, inclusive on both ends.
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    Call(Func, Vec<Expr>),
    /// Membership in another segment. The segment set inlines these before compiling (see
    /// `segment::set`), so evaluators never see this node.
    InSegment(String),
    Aggregate(Aggregate),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Built-in scalar functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `days_since(t)`: `(now - t) / 86_400_000.0` as a fractional number of days.
    DaysSince,
    /// `month(t)`: 1–12, UTC.
    Month,
    /// `day(t)`: day of month 1–31, UTC.
    Day,
    /// `weekday(t)`: 1 (Monday) – 7 (Sunday), UTC.
    Weekday,
    Lower,
    Upper,
    /// `len(x)`: characters of a string, or elements of a list.
    Len,
    /// `coalesce(a, b, ...)`: the first non-null argument.
    Coalesce,
}

/// Stored customer fields. Derived fields (`orders_count`, `total_spent`, `aov`,
/// `first_order_at`, `last_order_at`) are lowered by the checker to aggregates over `orders`;
/// `age` is kept because it is computed from `birthday` and `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CustomerField {
    /// The merchant's own customer id (`external_id` in the store).
    Id,
    Email,
    FirstName,
    LastName,
    CreatedAt,
    Birthday,
    /// Whole years between `birthday` and `now` (UTC calendar); null without a birthday.
    Age,
    Gender,
    Country,
    Region,
    City,
    Zip,
    Timezone,
    AcceptsMarketing,
    Tags,
    /// A stored model score (`rfm.*`, `lifecycle`, `predicted.*`) from `customer_scores`; null
    /// when no scores were computed for the customer.
    Score(ScoreField),
}

/// The model scores `segflow model fit` (and a refresh) store per customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScoreField {
    /// `rfm.r`, `rfm.f`, `rfm.m`: quintile scores 1–5; null without an order.
    RfmR,
    RfmF,
    RfmM,
    /// `rfm.score`: the three digits such as `"545"`.
    RfmScore,
    /// `rfm.group`: such as `"champions"` or `"at risk"`.
    RfmGroup,
    /// `lifecycle`: `"prospect"`, `"new"`, `"active"`, `"loyal"`, `"at risk"`, `"lapsed"` or
    /// `"reactivated"`.
    Lifecycle,
    /// `predicted.p_alive`: BG/NBD probability that the customer is still active.
    PAlive,
    /// `predicted.purchases_90d`: expected purchases in the next 90 days.
    Purchases90d,
    /// `predicted.aov`: Gamma-Gamma expected order value, in currency units.
    PredictedAov,
    /// `predicted.clv`: discounted 12-month customer lifetime value, in currency units.
    PredictedClv,
    /// `predicted.churn_risk`: `1 − p_alive`.
    ChurnRisk,
}

impl ScoreField {
    pub fn ty(self) -> Type {
        match self {
            ScoreField::RfmScore | ScoreField::RfmGroup | ScoreField::Lifecycle => Type::String,
            _ => Type::Number,
        }
    }
}

/// The collections a condition can aggregate over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Collection {
    Orders,
    /// Order lines joined with their product and the order's `placed_at`.
    Items,
    Events,
}

/// A field of an element of a collection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ElementField {
    Order(OrderField),
    Item(ItemField),
    Event(EventField),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderField {
    /// The merchant's order id.
    Id,
    PlacedAt,
    /// Money.
    Total,
    /// Money.
    Discount,
    Status,
    Channel,
    /// Money refunded so far.
    Refunded,
    /// Money: `total - refunded`, what the order finally brought in.
    NetTotal,
    /// Whether the order counts as a purchase (not cancelled or voided; `store::order_status`).
    Counted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemField {
    /// The merchant's product id.
    ProductId,
    Title,
    Category,
    Quantity,
    /// Money: the unit price on the order line.
    Price,
    /// The product's tags (a string list).
    Tags,
    /// The order's `placed_at`.
    PlacedAt,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventField {
    Type,
    OccurredAt,
    /// `prop.NAME`: a property of the event (dynamic).
    Prop(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggFunc {
    Count,
    Exists,
    Sum,
    Avg,
    Min,
    Max,
    First,
    Last,
    Distinct,
    /// `nth(n, f)`: the field of the n-th element (1-based) in (time, id) order.
    Nth(u32),
    /// `nth_last(n, f)`: the field of the n-th element counted from the latest.
    NthLast(u32),
}

/// An aggregate over one customer's elements of a collection.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub collection: Collection,
    /// A boolean condition over `ExprKind::Element` fields (and customer fields, `now`, literals).
    pub filter: Option<Box<Expr>>,
    /// `within D`, in milliseconds: keeps elements whose time is `>= now - D`.
    pub within: Option<i64>,
    pub func: AggFunc,
    /// The field aggregated; `None` for `count` and `exists`.
    pub arg: Option<ElementField>,
}

impl ElementField {
    /// The type of the field as seen in the DSL.
    pub fn ty(&self) -> Type {
        match self {
            ElementField::Order(f) => match f {
                OrderField::Id | OrderField::Status | OrderField::Channel => Type::String,
                OrderField::PlacedAt => Type::Time,
                OrderField::Total
                | OrderField::Discount
                | OrderField::Refunded
                | OrderField::NetTotal => Type::Number,
                OrderField::Counted => Type::Bool,
            },
            ElementField::Item(f) => match f {
                ItemField::ProductId | ItemField::Title | ItemField::Category => Type::String,
                ItemField::Quantity | ItemField::Price => Type::Number,
                ItemField::Tags => Type::StringList,
                ItemField::PlacedAt => Type::Time,
            },
            ElementField::Event(f) => match f {
                EventField::Type => Type::String,
                EventField::OccurredAt => Type::Time,
                EventField::Prop(_) => Type::Dynamic,
            },
        }
    }

    /// Whether the field is money (stored in minor units).
    pub fn is_money(&self) -> bool {
        matches!(
            self,
            ElementField::Order(
                OrderField::Total
                    | OrderField::Discount
                    | OrderField::Refunded
                    | OrderField::NetTotal
            ) | ElementField::Item(ItemField::Price)
        )
    }
}

impl CustomerField {
    pub fn ty(self) -> Type {
        use CustomerField::*;
        match self {
            Id | Email | FirstName | LastName | Gender | Country | Region | City | Zip
            | Timezone => Type::String,
            CreatedAt | Birthday => Type::Time,
            Age => Type::Number,
            AcceptsMarketing => Type::Bool,
            Tags => Type::StringList,
            Score(f) => f.ty(),
        }
    }
}

impl Expr {
    pub fn new(kind: ExprKind, ty: Type) -> Expr {
        Expr { kind, ty }
    }

    /// Calls `f` on this node and every node below it, parents first.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Literal(_)
            | ExprKind::Now
            | ExprKind::Entered
            | ExprKind::TriggerProp(_)
            | ExprKind::Customer(_)
            | ExprKind::Attr(_)
            | ExprKind::Element(_)
            | ExprKind::Outer(_)
            | ExprKind::InSegment(_) => {}
            ExprKind::Not(e) | ExprKind::Neg(e) | ExprKind::Percentile(e) => e.walk(f),
            ExprKind::And(a, b)
            | ExprKind::Or(a, b)
            | ExprKind::Arith(_, a, b)
            | ExprKind::Compare(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ExprKind::InList { expr, .. } | ExprKind::IsNull { expr, .. } => expr.walk(f),
            ExprKind::Contains { haystack, needle } => {
                haystack.walk(f);
                needle.walk(f);
            }
            ExprKind::Between { expr, low, high } => {
                expr.walk(f);
                low.walk(f);
                high.walk(f);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| a.walk(f)),
            ExprKind::Aggregate(agg) => {
                if let Some(filter) = &agg.filter {
                    filter.walk(f);
                }
            }
        }
    }
}
