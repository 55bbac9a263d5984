//! Runtime values of the columnar evaluator and the operators on them.
//!
//! Values borrow from the snapshot and the program (strings, tag lists, JSON arrays), so the hot
//! loop allocates nothing except for `lower`/`upper` of a string that has letters to change. The
//! kind of a value is checked at run time, which is what makes dynamic values type-guarded: a JSON
//! string simply never compares with a number.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, Datelike, Utc};

use crate::dsl::ir::{ArithOp, CompareOp};
use crate::dsl::types::Type;
use crate::store::snapshot::{Dyn, DynPool, Interner, Sym};

/// One value; `Null` is the missing value of every type.
#[derive(Clone, Debug)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Num(f64),
    /// Unix milliseconds.
    Time(i64),
    /// Milliseconds.
    Dur(i64),
    Str(Cow<'a, str>),
    /// A string list held as interned ids (customer or product tags).
    Tags(&'a [Sym], &'a Interner),
    /// A JSON array of a dynamic value, with the pool its strings live in.
    Arr(&'a [Dyn], &'a DynPool),
    /// A JSON object nested in a dynamic value: not null, equal to nothing.
    Obj,
}

impl<'a> Val<'a> {
    #[inline]
    pub fn str(s: &'a str) -> Val<'a> {
        Val::Str(Cow::Borrowed(s))
    }

    /// A nullable interned string.
    #[inline]
    pub fn sym(sym: Sym, strings: &'a Interner) -> Val<'a> {
        strings.resolve(sym).map_or(Val::Null, Val::str)
    }

    /// A nullable time column value.
    #[inline]
    pub fn time(t: i64) -> Val<'a> {
        if t == crate::store::snapshot::NULL_TIME {
            Val::Null
        } else {
            Val::Time(t)
        }
    }

    /// A JSON value; JSON `null` is the missing value.
    #[inline]
    pub fn dynamic(d: Dyn, pool: &'a DynPool) -> Val<'a> {
        match d {
            Dyn::Null => Val::Null,
            Dyn::Bool(b) => Val::Bool(b),
            Dyn::Num(n) => Val::Num(n),
            Dyn::Str { start, len } => Val::str(pool.text(start, len)),
            Dyn::Arr { start, len } => Val::Arr(pool.array(start, len), pool),
            Dyn::Obj => Val::Obj,
        }
    }

    #[inline]
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }
}

/// The order of two values of the same kind; `None` for null, different kinds, lists and NaN.
#[inline]
pub fn order(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Time(x), Val::Time(y)) | (Val::Dur(x), Val::Dur(y)) => Some(x.cmp(y)),
        (Val::Str(x), Val::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// A comparison: false whenever `order` has no answer (null, mismatched kinds).
#[inline]
pub fn compare(op: CompareOp, a: &Val, b: &Val) -> bool {
    let Some(ord) = order(a, b) else {
        return false;
    };
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
    }
}

/// `haystack contains needle`: a list holding the needle, or a string holding it as a substring.
pub fn contains(haystack: &Val, needle: &Val) -> bool {
    match (haystack, needle) {
        (_, Val::Null) => false,
        (Val::Str(h), Val::Str(n)) => h.contains(&**n),
        (Val::Tags(tags, strings), Val::Str(n)) => {
            tags.iter().any(|&t| strings.resolve(t) == Some(&**n))
        }
        (Val::Arr(items, pool), n) => items
            .iter()
            .any(|&d| compare(CompareOp::Eq, &Val::dynamic(d, pool), n)),
        _ => false,
    }
}

/// Arithmetic on numbers, times and durations; null for null operands, other kinds, and
/// division by zero.
pub fn arith(op: ArithOp, a: &Val, b: &Val) -> Val<'static> {
    use ArithOp::*;
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => match op {
            Add => Val::Num(x + y),
            Sub => Val::Num(x - y),
            Mul => Val::Num(x * y),
            Div if *y == 0.0 => Val::Null,
            Div => Val::Num(x / y),
        },
        (Val::Time(t), Val::Dur(d)) => match op {
            Add => Val::Time(t.wrapping_add(*d)),
            Sub => Val::Time(t.wrapping_sub(*d)),
            _ => Val::Null,
        },
        (Val::Dur(d), Val::Time(t)) if op == Add => Val::Time(t.wrapping_add(*d)),
        (Val::Time(x), Val::Time(y)) if op == Sub => Val::Dur(x.wrapping_sub(*y)),
        (Val::Dur(x), Val::Dur(y)) => match op {
            Add => Val::Dur(x.wrapping_add(*y)),
            Sub => Val::Dur(x.wrapping_sub(*y)),
            Mul => Val::Null,
            Div if *y == 0 => Val::Null,
            Div => Val::Num(*x as f64 / *y as f64),
        },
        (Val::Dur(d), Val::Num(n)) => match op {
            Mul => Val::Dur((*d as f64 * n) as i64),
            Div if *n == 0.0 => Val::Null,
            Div => Val::Dur((*d as f64 / n) as i64),
            _ => Val::Null,
        },
        (Val::Num(n), Val::Dur(d)) if op == Mul => Val::Dur((*d as f64 * n) as i64),
        _ => Val::Null,
    }
}

/// A dynamic value as a value of `ty`: itself when its JSON type fits (any JSON array for a
/// string list), null otherwise. JSON has no times or durations, so nothing fits those.
pub fn fit(v: Val, ty: Type) -> Val {
    let fits = matches!(
        (&v, ty),
        (Val::Num(_), Type::Number)
            | (Val::Str(_), Type::String)
            | (Val::Bool(_), Type::Bool)
            | (Val::Arr(..), Type::StringList)
            | (_, Type::Dynamic)
    );
    if fits {
        v
    } else {
        Val::Null
    }
}

/// Unary minus.
pub fn neg(v: &Val) -> Val<'static> {
    match v {
        Val::Num(x) => Val::Num(-x),
        Val::Dur(d) => Val::Dur(d.wrapping_neg()),
        _ => Val::Null,
    }
}

fn utc(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(ms)
}

/// `month(t)`, `day(t)` and `weekday(t)` (1 = Monday), in UTC.
pub fn calendar(v: &Val, part: fn(&DateTime<Utc>) -> u32) -> Val<'static> {
    match v {
        Val::Time(t) => utc(*t).map_or(Val::Null, |d| Val::Num(f64::from(part(&d)))),
        _ => Val::Null,
    }
}

pub fn month(d: &DateTime<Utc>) -> u32 {
    d.month()
}

pub fn day(d: &DateTime<Utc>) -> u32 {
    d.day()
}

pub fn weekday(d: &DateTime<Utc>) -> u32 {
    d.weekday().number_from_monday()
}

/// Whole UTC calendar years from `birthday` to `now`, one less while this year's anniversary
/// has not been reached.
pub fn age(birthday: i64, now: i64) -> Val<'static> {
    let (Some(b), Some(n)) = (utc(birthday), utc(now)) else {
        return Val::Null;
    };
    let mut years = n.year() - b.year();
    if (n.month(), n.day()) < (b.month(), b.day()) {
        years -= 1;
    }
    Val::Num(f64::from(years))
}

/// `days_since(t)`: fractional days from `t` to `now`.
pub fn days_since(v: &Val, now: i64) -> Val<'static> {
    match v {
        Val::Time(t) => Val::Num(now.wrapping_sub(*t) as f64 / 86_400_000.0),
        _ => Val::Null,
    }
}

/// `len(x)`: characters of a string, elements of a list or JSON array.
pub fn len(v: &Val) -> Val<'static> {
    match v {
        Val::Str(s) => Val::Num(s.chars().count() as f64),
        Val::Tags(tags, _) => Val::Num(tags.len() as f64),
        Val::Arr(items, _) => Val::Num(items.len() as f64),
        _ => Val::Null,
    }
}

/// `lower(s)` / `upper(s)`, ASCII letters only; borrows when nothing changes.
pub fn change_case<'a>(v: Val<'a>, upper: bool) -> Val<'a> {
    match v {
        Val::Str(s) => {
            let needs = if upper {
                s.bytes().any(|b| b.is_ascii_lowercase())
            } else {
                s.bytes().any(|b| b.is_ascii_uppercase())
            };
            if !needs {
                return Val::Str(s);
            }
            let changed = if upper {
                s.to_ascii_uppercase()
            } else {
                s.to_ascii_lowercase()
            };
            Val::Str(Cow::Owned(changed))
        }
        _ => Val::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn ms(y: i32, m: u32, d: u32) -> i64 {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    #[test]
    fn age_counts_whole_years_until_the_anniversary() {
        let b = ms(1990, 6, 15);
        assert!(matches!(age(b, ms(2020, 6, 14)), Val::Num(x) if x == 29.0));
        assert!(matches!(age(b, ms(2020, 6, 15)), Val::Num(x) if x == 30.0));
        let leap = ms(2000, 2, 29);
        assert!(matches!(age(leap, ms(2021, 2, 28)), Val::Num(x) if x == 20.0));
        assert!(matches!(age(leap, ms(2021, 3, 1)), Val::Num(x) if x == 21.0));
    }

    #[test]
    fn arithmetic_on_times_and_nulls() {
        let t = ms(2024, 1, 1);
        assert!(
            matches!(arith(ArithOp::Sub, &Val::Time(t), &Val::Dur(DAY)), Val::Time(x) if x == t - DAY)
        );
        assert!(matches!(
            arith(ArithOp::Sub, &Val::Time(t), &Val::Time(t - DAY)),
            Val::Dur(DAY)
        ));
        assert!(arith(ArithOp::Div, &Val::Num(1.0), &Val::Num(0.0)).is_null());
        assert!(arith(ArithOp::Add, &Val::Num(1.0), &Val::Null).is_null());
        assert!(!compare(CompareOp::Ne, &Val::Null, &Val::Num(1.0)));
        assert!(!compare(CompareOp::Eq, &Val::str("1"), &Val::Num(1.0)));
        assert!(matches!(calendar(&Val::Time(ms(2024, 3, 10)), weekday), Val::Num(x) if x == 7.0));
    }
}
