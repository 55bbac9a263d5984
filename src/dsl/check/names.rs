//! The tables of names the DSL knows: customer fields, derived fields, collection element fields
//! and functions, with "did you mean" suggestions for misspellings.
//!
//! Later model fields (RFM, lifecycle, predictions) are added here, as table entries, not as
//! special cases in the parser.

use crate::dsl::ir::{
    AggFunc, Collection, CustomerField, ElementField, EventField, Func, ItemField, OrderField,
    ScoreField,
};

/// Customer fields by their DSL name.
pub const CUSTOMER_FIELDS: &[(&str, CustomerField)] = &[
    ("id", CustomerField::Id),
    ("email", CustomerField::Email),
    ("first_name", CustomerField::FirstName),
    ("last_name", CustomerField::LastName),
    ("created_at", CustomerField::CreatedAt),
    ("birthday", CustomerField::Birthday),
    ("age", CustomerField::Age),
    ("gender", CustomerField::Gender),
    ("country", CustomerField::Country),
    ("region", CustomerField::Region),
    ("city", CustomerField::City),
    ("zip", CustomerField::Zip),
    ("timezone", CustomerField::Timezone),
    ("accepts_marketing", CustomerField::AcceptsMarketing),
    ("tags", CustomerField::Tags),
    ("lifecycle", CustomerField::Score(ScoreField::Lifecycle)),
];

/// The prefixes of dotted model score names (`rfm.NAME`, `predicted.NAME`).
pub const SCORE_PREFIXES: &[&str] = &["rfm", "predicted"];

/// Model scores by their dotted DSL name.
pub const SCORE_FIELDS: &[(&str, ScoreField)] = &[
    ("rfm.r", ScoreField::RfmR),
    ("rfm.f", ScoreField::RfmF),
    ("rfm.m", ScoreField::RfmM),
    ("rfm.score", ScoreField::RfmScore),
    ("rfm.group", ScoreField::RfmGroup),
    ("predicted.p_alive", ScoreField::PAlive),
    ("predicted.purchases_90d", ScoreField::Purchases90d),
    ("predicted.aov", ScoreField::PredictedAov),
    ("predicted.clv", ScoreField::PredictedClv),
    ("predicted.churn_risk", ScoreField::ChurnRisk),
];

/// Derived customer fields and the aggregate over the counted orders (not cancelled or voided,
/// see `store::order_status`) each one stands for; money is net of refunds.
pub const DERIVED_FIELDS: &[(&str, AggFunc, Option<OrderField>)] = &[
    ("orders_count", AggFunc::Count, None),
    ("total_spent", AggFunc::Sum, Some(OrderField::NetTotal)),
    ("aov", AggFunc::Avg, Some(OrderField::NetTotal)),
    ("first_order_at", AggFunc::Min, Some(OrderField::PlacedAt)),
    ("last_order_at", AggFunc::Max, Some(OrderField::PlacedAt)),
];

pub const COLLECTIONS: &[(&str, Collection)] = &[
    ("orders", Collection::Orders),
    ("items", Collection::Items),
    ("events", Collection::Events),
];

pub const FUNCTIONS: &[(&str, Func)] = &[
    ("days_since", Func::DaysSince),
    ("month", Func::Month),
    ("day", Func::Day),
    ("weekday", Func::Weekday),
    ("lower", Func::Lower),
    ("upper", Func::Upper),
    ("len", Func::Len),
    ("coalesce", Func::Coalesce),
];

pub const AGGREGATES: &[(&str, AggFunc)] = &[
    ("count", AggFunc::Count),
    ("exists", AggFunc::Exists),
    ("sum", AggFunc::Sum),
    ("avg", AggFunc::Avg),
    ("min", AggFunc::Min),
    ("max", AggFunc::Max),
    ("first", AggFunc::First),
    ("last", AggFunc::Last),
    ("distinct", AggFunc::Distinct),
    // The position is the call's first argument; the checker fills it in.
    ("nth", AggFunc::Nth(0)),
    ("nth_last", AggFunc::NthLast(0)),
];

/// The element fields of a collection by their DSL name (`prop.NAME` is handled by the caller).
pub fn element_fields(collection: Collection) -> &'static [(&'static str, ElementField)] {
    const ORDER: &[(&str, ElementField)] = &[
        ("id", ElementField::Order(OrderField::Id)),
        ("placed_at", ElementField::Order(OrderField::PlacedAt)),
        ("total", ElementField::Order(OrderField::Total)),
        ("discount", ElementField::Order(OrderField::Discount)),
        ("status", ElementField::Order(OrderField::Status)),
        ("channel", ElementField::Order(OrderField::Channel)),
        ("refunded", ElementField::Order(OrderField::Refunded)),
        ("net_total", ElementField::Order(OrderField::NetTotal)),
        ("counted", ElementField::Order(OrderField::Counted)),
    ];
    const ITEM: &[(&str, ElementField)] = &[
        ("product_id", ElementField::Item(ItemField::ProductId)),
        ("title", ElementField::Item(ItemField::Title)),
        ("category", ElementField::Item(ItemField::Category)),
        ("quantity", ElementField::Item(ItemField::Quantity)),
        ("price", ElementField::Item(ItemField::Price)),
        ("tags", ElementField::Item(ItemField::Tags)),
        ("placed_at", ElementField::Item(ItemField::PlacedAt)),
    ];
    const EVENT: &[(&str, ElementField)] = &[
        ("type", ElementField::Event(EventField::Type)),
        ("occurred_at", ElementField::Event(EventField::OccurredAt)),
    ];
    match collection {
        Collection::Orders => ORDER,
        Collection::Items => ITEM,
        Collection::Events => EVENT,
    }
}

pub fn collection_name(collection: Collection) -> &'static str {
    COLLECTIONS
        .iter()
        .find(|(_, c)| *c == collection)
        .map_or("?", |(n, _)| n)
}

pub fn lookup<T: Clone>(table: &[(&str, T)], name: &str) -> Option<T> {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.clone())
}

/// The closest known name, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.len() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let names = ["country", "city", "region"];
        assert_eq!(did_you_mean("contry", names), Some("country"));
        assert_eq!(did_you_mean("zzzzzz", names), None);
    }
}
