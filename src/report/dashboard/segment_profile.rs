//! One segment beside all customers: who its members are (age band, gender, country) and what
//! they buy (products ranked by lift).
//!
//! Definitions: a breakdown's share is the customers with a value ÷ all the group's customers
//! (unknown values counted as `unknown`), for the segment and for every customer. A product's
//! lift is the share of members who bought it ÷ the share of all customers who did (counted
//! orders up to `now`); only products bought by at least `MIN_SUPPORT` members are ranked, so a
//! product one member happened to buy does not top the list.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::ratio;
use crate::store::reports::segment_profile::{Bought, Person};

/// Members who must have bought a product before its lift is shown.
pub const MIN_SUPPORT: u64 = 5;

/// One value of a breakdown: its share among the segment's members and among all customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub value: String,
    pub segment: f64,
    pub all: f64,
}

/// A product the members buy more (or less) than customers at large.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductLift {
    pub product: String,
    pub category: String,
    pub members: u64,
    pub member_share: f64,
    pub all_share: f64,
    pub lift: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentProfile {
    pub segment: String,
    pub members: u64,
    pub customers: u64,
    pub age: Vec<Share>,
    pub gender: Vec<Share>,
    pub country: Vec<Share>,
    /// By lift, highest first; at most 15.
    pub products: Vec<ProductLift>,
}

/// `18–24`, …, `65+`, or `unknown` without a birthday.
pub fn age_band(birthday: Option<i64>, now: i64) -> String {
    let Some(b) = birthday else {
        return "unknown".into();
    };
    let years = (now - b) as f64 / (365.2425 * 86_400_000.0);
    match years.floor() as i64 {
        i64::MIN..=17 => "under 18",
        18..=24 => "18–24",
        25..=34 => "25–34",
        35..=44 => "35–44",
        45..=54 => "45–54",
        55..=64 => "55–64",
        _ => "65+",
    }
    .into()
}

fn shares(segment: &[String], all: &[String], top: usize) -> Vec<Share> {
    let count = |xs: &[String]| {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for x in xs {
            *m.entry(x.clone()).or_default() += 1;
        }
        m
    };
    let (s, a) = (count(segment), count(all));
    let mut out: Vec<Share> = a
        .keys()
        .chain(s.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|v| Share {
            value: v.clone(),
            segment: ratio(*s.get(v).unwrap_or(&0) as f64, segment.len() as f64),
            all: ratio(*a.get(v).unwrap_or(&0) as f64, all.len() as f64),
        })
        .collect();
    out.sort_by(|x, y| {
        y.segment
            .total_cmp(&x.segment)
            .then_with(|| x.value.cmp(&y.value))
    });
    out.truncate(top);
    out
}

/// The profile from the rows `store::reports::segment_profile` reads for the segment and for
/// every customer.
pub fn segment_profile(
    segment: &str,
    (members, everyone): (&[Person], &[Person]),
    (member_buys, all_buys): (&[Bought], &[Bought]),
    now: i64,
) -> SegmentProfile {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown")
            .to_string()
    };
    let column =
        |rows: &[Person], f: &dyn Fn(&Person) -> String| rows.iter().map(f).collect::<Vec<_>>();
    let age = |p: &Person| age_band(p.2, now);
    let gender = |p: &Person| text(&p.0);
    let country = |p: &Person| text(&p.1);
    let (m, n) = (members.len() as f64, everyone.len() as f64);
    let all: BTreeMap<&str, i64> = all_buys.iter().map(|b| (b.0.as_str(), b.3)).collect();
    let mut products: Vec<ProductLift> = member_buys
        .iter()
        .filter(|b| b.3 as u64 >= MIN_SUPPORT)
        .map(|b| {
            let member_share = ratio(b.3 as f64, m);
            let all_share = ratio(*all.get(b.0.as_str()).unwrap_or(&0) as f64, n);
            ProductLift {
                product: b.1.clone().unwrap_or_else(|| b.0.clone()),
                category: text(&b.2),
                members: b.3 as u64,
                member_share,
                all_share,
                lift: ratio(member_share, all_share),
            }
        })
        .collect();
    products.sort_by(|a, b| {
        b.lift
            .total_cmp(&a.lift)
            .then_with(|| a.product.cmp(&b.product))
    });
    products.truncate(15);
    SegmentProfile {
        segment: segment.to_string(),
        members: members.len() as u64,
        customers: everyone.len() as u64,
        age: shares(&column(members, &age), &column(everyone, &age), 8),
        gender: shares(&column(members, &gender), &column(everyone, &gender), 6),
        country: shares(&column(members, &country), &column(everyone, &country), 10),
        products,
    }
}
