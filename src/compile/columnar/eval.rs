//! Evaluation of the expression tree for one customer.
//!
//! `test` answers conditions directly as `bool` (the two-valued logic of the IR) and `eval`
//! produces values; both read the snapshot's columns in place.

use crate::dsl::ir::{CompareOp, CustomerField, Func, ItemField, OrderField, ScoreField};
use crate::store::snapshot::{Scores, Snapshot, Sym, NONE};

use super::node::{Field, Lit, Node, SymCol};
use super::population::Own;
use super::value::{self, Val};

/// Where an evaluation stands: the customer, and inside an aggregate the current element.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub snap: &'a Snapshot,
    pub now: i64,
    /// The snapshot's interned id of each key slot of the program (`NONE` if no row has it).
    pub keys: &'a [Sym],
    pub cust: usize,
    /// Index of the current element in its collection's columns.
    pub elem: usize,
    /// Index of the enclosing aggregate's element, inside a nested aggregate's filter.
    pub outer: usize,
    /// The sorted population of each `percentile` of the program (`Program::populations`).
    pub ranks: &'a [Vec<f64>],
    /// The customer's entry in each population when it was measured on another snapshot;
    /// empty when the population holds the customer's current values.
    pub own: &'a [super::population::Own],
    /// The journey inputs (`entered`, trigger properties) of a workflow condition.
    pub journey: &'a Journey,
}

impl<'a> Ctx<'a> {
    /// The context of customer `cust` before any aggregate, ranking in `ranks` (with the
    /// customer's entries `own`, see `Ctx::own`).
    #[allow(clippy::too_many_arguments)]
    pub fn of_customer(
        snap: &'a Snapshot,
        now: i64,
        keys: &'a [Sym],
        cust: usize,
        ranks: &'a [Vec<f64>],
        own: &'a [Own],
        journey: &'a Journey,
    ) -> Ctx<'a> {
        Ctx {
            snap,
            now,
            keys,
            cust,
            elem: 0,
            outer: 0,
            ranks,
            own,
            journey,
        }
    }
}

/// The journey inputs of an evaluation in the evaluator's representation: the trigger's
/// properties are parsed once into their own pool, like a snapshot's event properties.
#[derive(Default, Debug)]
pub struct Journey {
    pub entered: Option<i64>,
    pub keys: crate::store::snapshot::Interner,
    pub props: crate::store::snapshot::DynPool,
}

impl Journey {
    /// Converts the workflow part of an input; a trigger that is not a JSON object has no
    /// properties.
    pub fn new(input: &crate::compile::EvalInput) -> Journey {
        let mut journey = Journey {
            entered: input.entered,
            ..Journey::default()
        };
        if let Some(t @ serde_json::Value::Object(_)) = &input.trigger {
            let text = t.to_string();
            if journey.props.push_object(&text, &mut journey.keys).is_err() {
                journey.props = Default::default();
            }
        }
        journey
    }

    fn prop(&self, name: &str) -> Val<'_> {
        let Some(key) = self.keys.get(name) else {
            return Val::Null;
        };
        self.props
            .entries
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(Val::Null, |&(_, d)| Val::dynamic(d, &self.props))
    }
}

impl<'a> Ctx<'a> {
    /// The value of the JSON key in `slot` among `entries`, or null. The first occurrence of a
    /// duplicated key wins.
    #[inline]
    fn lookup(
        &self,
        slot: usize,
        pool: &'a crate::store::snapshot::DynPool,
        from: u32,
        to: u32,
    ) -> Val<'a> {
        let key = self.keys[slot];
        if key == NONE {
            return Val::Null;
        }
        pool.entries[from as usize..to as usize]
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(Val::Null, |&(_, d)| Val::dynamic(d, pool))
    }

    /// The interned id in an interned column (`NONE` for null).
    #[inline]
    fn sym(&self, col: SymCol) -> Sym {
        let snap = self.snap;
        let c = &snap.customers;
        let k = self.cust;
        match col {
            SymCol::Customer(f) => match f {
                CustomerField::FirstName => c.first_name[k],
                CustomerField::LastName => c.last_name[k],
                CustomerField::Gender => c.gender[k],
                CustomerField::Country => c.country[k],
                CustomerField::Region => c.region[k],
                CustomerField::City => c.city[k],
                CustomerField::Zip => c.zip[k],
                CustomerField::Timezone => c.timezone[k],
                _ => NONE,
            },
            SymCol::Order(OrderField::Status) => snap.orders.status[self.elem],
            SymCol::Order(OrderField::Channel) => snap.orders.channel[self.elem],
            SymCol::Order(_) => NONE,
            SymCol::ItemCategory => snap.products.category[snap.items.product[self.elem] as usize],
            SymCol::EventType => snap.events.kind[self.elem],
        }
    }

    fn customer(&self, field: CustomerField) -> Val<'a> {
        let c = &self.snap.customers;
        let s = &self.snap.strings;
        let k = self.cust;
        match field {
            CustomerField::Id => c.external_id.get(k).map_or(Val::Null, Val::str),
            CustomerField::Email => c.email.get(k).map_or(Val::Null, Val::str),
            CustomerField::FirstName => Val::sym(c.first_name[k], s),
            CustomerField::LastName => Val::sym(c.last_name[k], s),
            CustomerField::CreatedAt => Val::time(c.created_at[k]),
            CustomerField::Birthday => Val::time(c.birthday[k]),
            CustomerField::Age => match Val::time(c.birthday[k]) {
                Val::Time(b) => value::age(b, self.now),
                _ => Val::Null,
            },
            CustomerField::Gender => Val::sym(c.gender[k], s),
            CustomerField::Country => Val::sym(c.country[k], s),
            CustomerField::Region => Val::sym(c.region[k], s),
            CustomerField::City => Val::sym(c.city[k], s),
            CustomerField::Zip => Val::sym(c.zip[k], s),
            CustomerField::Timezone => Val::sym(c.timezone[k], s),
            CustomerField::AcceptsMarketing => c.accepts_marketing[k].map_or(Val::Null, Val::Bool),
            CustomerField::Tags => Val::Tags(c.tags_of(k), s),
            CustomerField::Score(f) => self.score(f),
        }
    }

    /// A stored model score of the customer; null when none was computed.
    fn score(&self, field: ScoreField) -> Val<'a> {
        let scores = &self.snap.scores;
        let s = &self.snap.strings;
        let k = self.cust;
        let num = |v: Option<f64>| v.map_or(Val::Null, Val::Num);
        match field {
            ScoreField::RfmR => num(scores.rfm(k, 0)),
            ScoreField::RfmF => num(scores.rfm(k, 1)),
            ScoreField::RfmM => num(scores.rfm(k, 2)),
            ScoreField::RfmScore => Val::sym(Scores::sym(&scores.rfm_score, k), s),
            ScoreField::RfmGroup => Val::sym(Scores::sym(&scores.rfm_group, k), s),
            ScoreField::Lifecycle => Val::sym(Scores::sym(&scores.lifecycle, k), s),
            ScoreField::PAlive => num(scores.predicted(k, 0)),
            ScoreField::Purchases90d => num(scores.predicted(k, 1)),
            ScoreField::PredictedAov => num(scores.predicted(k, 2)),
            ScoreField::PredictedClv => num(scores.predicted(k, 3)),
            ScoreField::ChurnRisk => num(scores.predicted(k, 4)),
        }
    }

    /// A field of the current element.
    pub fn field(&self, field: Field) -> Val<'a> {
        let snap = self.snap;
        let e = self.elem;
        match field {
            Field::Order(f) => {
                let o = &snap.orders;
                match f {
                    OrderField::Id => o.external_id.get(e).map_or(Val::Null, Val::str),
                    OrderField::PlacedAt => Val::Time(o.placed_at[e]),
                    OrderField::Total => Val::Num(o.total[e] as f64 / 100.0),
                    OrderField::Discount => Val::Num(o.discount[e] as f64 / 100.0),
                    OrderField::Status => Val::sym(o.status[e], &snap.strings),
                    OrderField::Channel => Val::sym(o.channel[e], &snap.strings),
                    OrderField::Refunded => Val::Num(o.refunded[e] as f64 / 100.0),
                    OrderField::NetTotal => Val::Num((o.total[e] - o.refunded[e]) as f64 / 100.0),
                    OrderField::Counted => Val::Bool(o.counted[e]),
                }
            }
            Field::Item(f) => {
                let i = &snap.items;
                let p = i.product[e] as usize;
                let products = &snap.products;
                match f {
                    ItemField::ProductId => products.external_id.get(p).map_or(Val::Null, Val::str),
                    ItemField::Title => products.title.get(p).map_or(Val::Null, Val::str),
                    ItemField::Category => Val::sym(products.category[p], &snap.strings),
                    ItemField::Quantity => Val::Num(i.quantity[e] as f64),
                    ItemField::Price => Val::Num(i.price[e] as f64 / 100.0),
                    ItemField::Tags => Val::Tags(products.tags_of(p), &snap.strings),
                    ItemField::PlacedAt => Val::Time(i.placed_at[e]),
                }
            }
            Field::EventType => Val::sym(snap.events.kind[e], &snap.strings),
            Field::EventTime => Val::Time(snap.events.occurred_at[e]),
            Field::Prop(slot) => {
                let offsets = &snap.events.prop_offsets;
                self.lookup(slot, &snap.properties, offsets[e], offsets[e + 1])
            }
        }
    }
}

fn lit(l: &Lit) -> Val<'_> {
    match l {
        Lit::Null => Val::Null,
        Lit::Bool(b) => Val::Bool(*b),
        Lit::Num(n) => Val::Num(*n),
        Lit::Str(s) => Val::str(s),
        Lit::Time(t) => Val::Time(*t),
        Lit::Dur(d) => Val::Dur(*d),
    }
}

/// The node as a condition: true only for a boolean `true`.
pub fn test<'a>(node: &'a Node, cx: &Ctx<'a>) -> bool {
    match node {
        Node::Lit(Lit::Bool(b)) => *b,
        Node::Not(a) => !test(a, cx),
        Node::And(a, b) => test(a, cx) && test(b, cx),
        Node::Or(a, b) => test(a, cx) || test(b, cx),
        Node::Compare(op, a, b) => value::compare(*op, &eval(a, cx), &eval(b, cx)),
        Node::InList {
            expr,
            list,
            negated,
        } => {
            let v = eval(expr, cx);
            let mut comparable = false;
            for l in list {
                let l = lit(l);
                if value::compare(CompareOp::Eq, &v, &l) {
                    return !negated;
                }
                comparable |= value::order(&v, &l).is_some();
            }
            // `not in` holds only for a value of the list's kind (type-guarded), or any
            // non-null value when the list is empty.
            *negated && (comparable || (list.is_empty() && !v.is_null()))
        }
        Node::Contains(h, n) => value::contains(&eval(h, cx), &eval(n, cx)),
        Node::Between(e, lo, hi) => {
            let v = eval(e, cx);
            value::compare(CompareOp::Ge, &v, &eval(lo, cx))
                && value::compare(CompareOp::Le, &v, &eval(hi, cx))
        }
        Node::IsNull(e, negated) => eval(e, cx).is_null() != *negated,
        Node::Aggregate(agg) => super::aggregate::test(agg, cx),
        // A null column never compares; a literal no row holds is bound to NONE and so is
        // unequal to every non-null value.
        Node::SymEq { col, lit, negated } => {
            let v = cx.sym(*col);
            v != NONE && ((v == cx.keys[*lit]) != *negated)
        }
        Node::SymIn { col, lits, negated } => {
            let v = cx.sym(*col);
            v != NONE && (lits.iter().any(|&l| cx.keys[l] == v) != *negated)
        }
        _ => matches!(eval(node, cx), Val::Bool(true)),
    }
}

/// The node's value.
pub fn eval<'a>(node: &'a Node, cx: &Ctx<'a>) -> Val<'a> {
    match node {
        Node::Lit(l) => lit(l),
        Node::Now => Val::Time(cx.now),
        Node::Entered => cx.journey.entered.map_or(Val::Null, Val::Time),
        Node::Trigger(name) => cx.journey.prop(name),
        Node::Customer(f) => cx.customer(*f),
        Node::Attr(slot) => {
            let offsets = &cx.snap.customers.attr_offsets;
            let k = cx.cust;
            cx.lookup(*slot, &cx.snap.attributes, offsets[k], offsets[k + 1])
        }
        Node::Elem(f) => cx.field(*f),
        Node::Outer(f) => Ctx {
            elem: cx.outer,
            ..*cx
        }
        .field(*f),
        Node::Percentile { slot, arg } => {
            let population = cx.ranks.get(*slot).map_or(&[][..], Vec::as_slice);
            percentile(population, cx.own.get(*slot).copied(), &eval(arg, cx))
        }
        Node::Neg(a) => value::neg(&eval(a, cx)),
        Node::Arith(op, a, b) => value::arith(*op, &eval(a, cx), &eval(b, cx)),
        Node::Call(func, args) => call(*func, args, cx),
        Node::Fit(a, ty) => value::fit(eval(a, cx), *ty),
        Node::Aggregate(agg) => super::aggregate::eval(agg, cx),
        Node::Not(_)
        | Node::And(..)
        | Node::Or(..)
        | Node::Compare(..)
        | Node::InList { .. }
        | Node::Contains(..)
        | Node::Between(..)
        | Node::IsNull(..)
        | Node::SymEq { .. }
        | Node::SymIn { .. } => Val::Bool(test(node, cx)),
    }
}

/// A value as a point of a percentile's population: numbers and times (exact as `f64` for any
/// time a store holds); anything else, and null, is not ranked. NaN is not ranked either: SQLite
/// turns a NaN result into NULL, and it would break the population's order.
pub fn rank_key(v: &Val) -> Option<f64> {
    match v {
        Val::Num(x) if x.is_nan() => None,
        Val::Num(x) => Some(*x),
        Val::Time(t) => Some(*t as f64),
        _ => None,
    }
}

/// `100 × (k / n)` as the IR defines it: `k` values of the sorted population are at most `v`.
/// The operations are SQL's `100.0 * cume_dist()`, so both evaluators agree to the bit. With
/// `own`, the population was measured on another snapshot: the customer's entry there (if
/// any) is taken out and their current value `v` put in.
fn percentile<'a>(population: &[f64], own: Option<Own>, v: &Val) -> Val<'a> {
    let Some(x) = rank_key(v) else {
        return Val::Null;
    };
    let (mut k, mut n) = (population.partition_point(|p| *p <= x), population.len());
    match own {
        None => {}
        Some(Own::Old(old)) => k = k - usize::from(old <= x) + 1,
        Some(Own::Absent) => (k, n) = (k + 1, n + 1),
    }
    if n == 0 {
        return Val::Null;
    }
    Val::Num(100.0 * (k as f64 / n as f64))
}

fn call<'a>(func: Func, args: &'a [Node], cx: &Ctx<'a>) -> Val<'a> {
    if func == Func::Coalesce {
        return args
            .iter()
            .map(|a| eval(a, cx))
            .find(|v| !v.is_null())
            .unwrap_or(Val::Null);
    }
    let Some(arg) = args.first() else {
        return Val::Null;
    };
    let v = eval(arg, cx);
    match func {
        Func::DaysSince => value::days_since(&v, cx.now),
        Func::Month => value::calendar(&v, value::month),
        Func::Day => value::calendar(&v, value::day),
        Func::Weekday => value::calendar(&v, value::weekday),
        Func::Lower => value::change_case(v, false),
        Func::Upper => value::change_case(v, true),
        Func::Len => value::len(&v),
        Func::Coalesce => v,
    }
}
