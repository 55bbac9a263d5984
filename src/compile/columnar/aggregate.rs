//! Aggregates over one customer's slice of a collection.
//!
//! A customer's elements are contiguous and sorted by (time, id), so `within` is a binary search
//! for the window's start and `first`/`last` are the first and last elements that pass the
//! filter, scanning from the matching end.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::dsl::ir::{AggFunc, Collection};
use crate::store::snapshot::Sym;

use super::eval::{test as test_node, Ctx};
use super::node::{Agg, Field, NumArg};
use super::value::{order, Val};

/// The element range of the customer in `cx`: what had happened by `now` (the IR's
/// point-in-time rule), within the window.
fn range(agg: &Agg, cx: &Ctx) -> (usize, usize) {
    let snap = cx.snap;
    let (offsets, times) = match agg.collection {
        Collection::Orders => (&snap.orders.offsets, &snap.orders.placed_at),
        Collection::Items => (&snap.items.offsets, &snap.items.placed_at),
        Collection::Events => (&snap.events.offsets, &snap.events.occurred_at),
    };
    let lo = offsets[cx.cust] as usize;
    let end = offsets[cx.cust + 1] as usize;
    let hi = lo + times[lo..end].partition_point(|&t| t <= cx.now);
    match agg.within {
        None => (lo, hi),
        Some(d) => {
            let start = cx.now.saturating_sub(d);
            (lo + times[lo..hi].partition_point(|&t| t < start), hi)
        }
    }
}

/// Calls `f` with the context of each element that passes the filter, in (time, id) order or
/// reversed, until `f` returns false.
#[inline]
fn scan<'a>(agg: &'a Agg, cx: &Ctx<'a>, reverse: bool, mut f: impl FnMut(&Ctx<'a>) -> bool) {
    let (lo, hi) = range(agg, cx);
    let mut visit = |e: usize| {
        let ecx = Ctx {
            elem: e,
            outer: cx.elem,
            ..*cx
        };
        match &agg.filter {
            Some(filter) if !test_node(filter, &ecx) => true,
            _ => f(&ecx),
        }
    };
    if reverse {
        for e in (lo..hi).rev() {
            if !visit(e) {
                break;
            }
        }
    } else {
        for e in lo..hi {
            if !visit(e) {
                break;
            }
        }
    }
}

/// `exists()` without counting past the first element.
pub fn test<'a>(agg: &'a Agg, cx: &Ctx<'a>) -> bool {
    match agg.func {
        AggFunc::Exists => {
            let mut found = false;
            scan(agg, cx, false, |_| {
                found = true;
                false
            });
            found
        }
        _ => matches!(eval(agg, cx), Val::Bool(true)),
    }
}

pub fn eval<'a>(agg: &'a Agg, cx: &Ctx<'a>) -> Val<'a> {
    match agg.func {
        AggFunc::Exists => Val::Bool(test(agg, cx)),
        AggFunc::Count => {
            let mut n = 0u64;
            if agg.filter.is_none() {
                let (lo, hi) = range(agg, cx);
                n = (hi - lo) as u64;
            } else {
                scan(agg, cx, false, |_| {
                    n += 1;
                    true
                });
            }
            Val::Num(n as f64)
        }
        AggFunc::Sum | AggFunc::Avg => sum_avg(agg, cx),
        AggFunc::Min | AggFunc::Max => extreme(agg, cx),
        AggFunc::First | AggFunc::Last => {
            let Some(field) = agg.arg else {
                return Val::Null;
            };
            let mut out = Val::Null;
            scan(agg, cx, agg.func == AggFunc::Last, |ecx| {
                out = ecx.field(field);
                false
            });
            out
        }
        AggFunc::Distinct => distinct(agg, cx),
        AggFunc::Nth(n) | AggFunc::NthLast(n) => {
            let Some(field) = agg.arg else {
                return Val::Null;
            };
            let (mut seen, mut out) = (0u32, Val::Null);
            scan(agg, cx, matches!(agg.func, AggFunc::NthLast(_)), |ecx| {
                seen += 1;
                if seen < n {
                    return true;
                }
                out = ecx.field(field);
                false
            });
            out
        }
    }
}

/// Reads a stored integer column of the current element (cents or quantities).
#[inline]
fn int(field: Field, cx: &Ctx) -> i64 {
    let snap = cx.snap;
    let e = cx.elem;
    use crate::dsl::ir::{ItemField, OrderField};
    match field {
        Field::Order(OrderField::Total) => snap.orders.total[e],
        Field::Order(OrderField::Discount) => snap.orders.discount[e],
        Field::Order(OrderField::Refunded) => snap.orders.refunded[e],
        Field::Order(OrderField::NetTotal) => snap.orders.total[e] - snap.orders.refunded[e],
        Field::Item(ItemField::Price) => snap.items.price[e],
        Field::Item(ItemField::Quantity) => snap.items.quantity[e],
        _ => 0,
    }
}

fn sum_avg<'a>(agg: &'a Agg, cx: &Ctx<'a>) -> Val<'a> {
    let Some(arg) = agg.num_arg else {
        return Val::Null;
    };
    let mut n = 0u64;
    let (total, scale) = match arg {
        NumArg::Cents(f) | NumArg::Int(f) => {
            // i128: no sum of i64 values a store can hold wraps (entry bounds keep amounts far
            // below that, and the SQL's SUM agrees).
            let mut sum = 0i128;
            scan(agg, cx, false, |ecx| {
                sum += i128::from(int(f, ecx));
                n += 1;
                true
            });
            let scale = if matches!(arg, NumArg::Cents(_)) {
                100.0
            } else {
                1.0
            };
            (sum as f64, scale)
        }
        NumArg::Dynamic(f) => {
            let mut sum = super::float_sum::FloatSum::default();
            scan(agg, cx, false, |ecx| {
                if let Val::Num(x) = ecx.field(f) {
                    sum.add(x);
                    n += 1;
                }
                true
            });
            (sum.total(), 1.0)
        }
    };
    let scaled = |x: f64| if scale == 1.0 { x } else { x / scale };
    match agg.func {
        AggFunc::Sum => Val::Num(scaled(total)),
        _ if n == 0 => Val::Null,
        _ => Val::Num(scaled(total / n as f64)),
    }
}

fn extreme<'a>(agg: &'a Agg, cx: &Ctx<'a>) -> Val<'a> {
    let Some(field) = agg.arg else {
        return Val::Null;
    };
    let want = if agg.func == AggFunc::Min {
        Ordering::Less
    } else {
        Ordering::Greater
    };
    // Each customer's elements are sorted by time, and times are never null, so the earliest
    // and latest time of an unfiltered range are its ends. `first_order_at` and
    // `last_order_at` lower to exactly this.
    if agg.filter.is_none() && is_time(agg.collection, field) {
        let (lo, hi) = range(agg, cx);
        if lo == hi {
            return Val::Null;
        }
        let e = if agg.func == AggFunc::Min { lo } else { hi - 1 };
        return Ctx { elem: e, ..*cx }.field(field);
    }
    // A dynamic field counts only its numbers; other fields skip only nulls.
    let numbers_only = matches!(field, Field::Prop(_));
    let mut best = Val::Null;
    scan(agg, cx, false, |ecx| {
        let v = ecx.field(field);
        let keep = match &v {
            Val::Null => false,
            Val::Num(_) => true,
            _ => !numbers_only,
        };
        if keep && (best.is_null() || order(&v, &best) == Some(want)) {
            best = v;
        }
        true
    });
    best
}

/// Whether `field` is the time the collection is sorted by.
fn is_time(collection: Collection, field: Field) -> bool {
    use crate::dsl::ir::{ItemField, OrderField};
    matches!(
        (collection, field),
        (Collection::Orders, Field::Order(OrderField::PlacedAt))
            | (Collection::Items, Field::Item(ItemField::PlacedAt))
            | (Collection::Events, Field::EventTime)
    )
}

/// A value as a key for `distinct`: numbers by value (an integer and a float that are equal are
/// one value), strings by bytes. `None` for a value that equals nothing (a JSON array or object),
/// which counts once per element.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    Bool(bool),
    Num(u64),
    Int(i64),
    Str(Cow<'a, str>),
    Tags(&'a [Sym]),
}

fn key(v: Val<'_>) -> Option<Key<'_>> {
    Some(match v {
        Val::Null | Val::Arr(..) | Val::Obj => return None,
        Val::Bool(b) => Key::Bool(b),
        Val::Num(x) => Key::Num(if x == 0.0 { 0 } else { x.to_bits() }),
        Val::Time(t) | Val::Dur(t) => Key::Int(t),
        Val::Str(s) => Key::Str(s),
        Val::Tags(tags, _) => Key::Tags(tags),
    })
}

fn distinct<'a>(agg: &'a Agg, cx: &Ctx<'a>) -> Val<'a> {
    let Some(field) = agg.arg else {
        return Val::Null;
    };
    let mut keys: Vec<Key<'a>> = Vec::new();
    // Arrays and objects equal nothing (as in comparisons), so each is a distinct value.
    let mut unequal = 0usize;
    scan(agg, cx, false, |ecx| {
        let v = ecx.field(field);
        if matches!(v, Val::Arr(..) | Val::Obj) {
            unequal += 1;
        } else if let Some(k) = key(v) {
            keys.push(k);
        }
        true
    });
    keys.sort_unstable();
    keys.dedup();
    Val::Num((keys.len() + unequal) as f64)
}
