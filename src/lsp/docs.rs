//! What each name of the rule language means, for hovers and completion details: the type from
//! the checker's own tables, a sentence a merchant understands and an example condition. The
//! names come from `dsl::check::names`, so a name the language gains without a sentence here
//! still completes, with its type.

use crate::dsl::check::names::{
    AGGREGATES, COLLECTIONS, CUSTOMER_FIELDS, DERIVED_FIELDS, FUNCTIONS, SCORE_FIELDS,
};

/// (name, meaning, example).
const MEANINGS: &[(&str, &str, &str)] = &[
    ("id", "your customer id, as imported", "id == \"c01\""),
    (
        "email",
        "the customer's email address",
        "email contains \"@example.com\"",
    ),
    (
        "first_name",
        "the customer's first name",
        "first_name == \"Ana\"",
    ),
    (
        "last_name",
        "the customer's last name",
        "last_name == \"Silva\"",
    ),
    (
        "created_at",
        "when the customer signed up",
        "days_since(created_at) < 30",
    ),
    (
        "birthday",
        "the customer's birthday (a date)",
        "month(birthday) == month(now)",
    ),
    ("age", "whole years since the birthday, in UTC", "age >= 18"),
    (
        "gender",
        "the gender the customer gave",
        "gender == \"female\"",
    ),
    (
        "country",
        "the ISO country code",
        "country in [\"FR\", \"DE\"]",
    ),
    ("region", "the region or state code", "region == \"CA\""),
    ("city", "the city", "city == \"Lyon\""),
    ("zip", "the postal code", "zip == \"10115\""),
    (
        "timezone",
        "the IANA time zone",
        "timezone == \"Europe/Paris\"",
    ),
    (
        "accepts_marketing",
        "whether the customer consented to marketing email",
        "accepts_marketing",
    ),
    ("tags", "the customer's tags", "\"vip\" in tags"),
    (
        "lifecycle",
        "the lifecycle stage: prospect, new, active, loyal, at risk, lapsed or reactivated",
        "lifecycle == \"at risk\"",
    ),
    (
        "orders_count",
        "orders that count as purchases (not cancelled or voided)",
        "orders_count >= 2",
    ),
    (
        "total_spent",
        "money spent over counted orders, net of refunds, in major units",
        "total_spent > 500",
    ),
    (
        "aov",
        "average order value over counted orders, net of refunds",
        "aov > 80",
    ),
    (
        "first_order_at",
        "when the first counted order was placed",
        "days_since(first_order_at) > 365",
    ),
    (
        "last_order_at",
        "when the latest counted order was placed",
        "days_since(last_order_at) > 90",
    ),
    ("rfm.r", "recency quintile, 5 = most recent", "rfm.r >= 4"),
    ("rfm.f", "frequency quintile, 5 = most orders", "rfm.f >= 4"),
    ("rfm.m", "monetary quintile, 5 = most spent", "rfm.m == 5"),
    (
        "rfm.score",
        "the three quintiles as one code such as \"545\"",
        "rfm.score == \"555\"",
    ),
    (
        "rfm.group",
        "the RFM group name (champions, loyal, at risk, hibernating, lost, …)",
        "rfm.group == \"at risk\"",
    ),
    (
        "predicted.p_alive",
        "probability the customer still buys (BG/NBD), 0–1",
        "predicted.p_alive < 0.3",
    ),
    (
        "predicted.purchases_90d",
        "expected purchases in the next 90 days",
        "predicted.purchases_90d > 1",
    ),
    (
        "predicted.aov",
        "expected order value (Gamma-Gamma), major units",
        "predicted.aov > 100",
    ),
    (
        "predicted.clv",
        "expected spend over the model horizon, major units",
        "predicted.clv > 500",
    ),
    (
        "predicted.churn_risk",
        "1 − p_alive",
        "predicted.churn_risk > 0.7",
    ),
    (
        "orders",
        "the customer's orders; keep some with orders(condition, within 30d)",
        "orders(within 365d).count() >= 2",
    ),
    (
        "items",
        "the lines of the customer's orders",
        "items(category == \"shoes\").exists()",
    ),
    (
        "events",
        "the customer's events (views, checkouts, opens, clicks, …)",
        "events(type == \"product_viewed\", within 7d).exists()",
    ),
    (
        "days_since",
        "days from a time to now, with fractions",
        "days_since(last_order_at) > 60",
    ),
    (
        "month",
        "the month of a time, 1–12, in UTC",
        "month(birthday) == month(now)",
    ),
    (
        "day",
        "the day of the month of a time, 1–31, in UTC",
        "day(birthday) == day(now)",
    ),
    (
        "weekday",
        "the weekday of a time, 1 (Monday) – 7 (Sunday), in UTC",
        "weekday(now) == 1",
    ),
    (
        "lower",
        "the string in lower case (ASCII letters)",
        "lower(city) == \"paris\"",
    ),
    (
        "upper",
        "the string in upper case (ASCII letters)",
        "upper(country) == \"FR\"",
    ),
    (
        "len",
        "characters of a string, elements of a list",
        "len(tags) > 0",
    ),
    (
        "coalesce",
        "the first argument that is not null",
        "coalesce(attr.tier, \"none\") == \"gold\"",
    ),
    (
        "in_segment",
        "whether the customer is in another segment",
        "in_segment(\"vip\")",
    ),
    (
        "count",
        "how many elements",
        "orders(within 30d).count() >= 2",
    ),
    (
        "exists",
        "whether there is at least one element",
        "events(type == \"checkout_started\").exists()",
    ),
    ("sum", "the sum of a field", "orders.sum(total) > 1000"),
    ("avg", "the average of a field", "orders.avg(total) > 50"),
    (
        "min",
        "the smallest value of a field",
        "orders.min(placed_at) < 2025-01-01",
    ),
    (
        "max",
        "the largest value of a field",
        "orders.max(total) > 200",
    ),
    (
        "first",
        "the field of the earliest element",
        "orders.first(channel) == \"web\"",
    ),
    (
        "last",
        "the field of the latest element",
        "orders.last(channel) == \"pos\"",
    ),
    (
        "distinct",
        "how many distinct values a field takes",
        "items.distinct(category) >= 3",
    ),
    (
        "nth",
        "the field of the n-th element by time (1 is the first)",
        "orders.nth(2, placed_at) - orders.first(placed_at) <= 30d",
    ),
    (
        "nth_last",
        "the field of the n-th element counted from the latest (1 is the last)",
        "orders.last(placed_at) - orders.nth_last(2, placed_at) > 90d",
    ),
    (
        "percentile",
        "where the customer's value ranks among all customers, 0 to 100 (100 is the highest); segments only, not workflow conditions",
        "percentile(total_spent) > 90",
    ),
];

/// The kind of a name, shown beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Field,
    Collection,
    Function,
    Aggregate,
}

/// One documented name.
pub struct Doc {
    pub name: &'static str,
    pub kind: Kind,
    /// The value's type, as the checker sees it.
    pub ty: String,
    pub meaning: &'static str,
    pub example: &'static str,
}

fn meaning(name: &str) -> (&'static str, &'static str) {
    MEANINGS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map_or(("", ""), |(_, m, e)| (*m, *e))
}

/// Every name of the language usable at the top of a condition, then the aggregates.
pub fn all() -> Vec<Doc> {
    let doc = |name: &'static str, kind: Kind, ty: String| {
        let (meaning, example) = meaning(name);
        Doc {
            name,
            kind,
            ty,
            meaning,
            example,
        }
    };
    let mut out = Vec::new();
    for (name, field) in CUSTOMER_FIELDS {
        out.push(doc(name, Kind::Field, field.ty().to_string()));
    }
    for (name, agg, _) in DERIVED_FIELDS {
        let ty = if matches!(
            agg,
            crate::dsl::ir::AggFunc::Min | crate::dsl::ir::AggFunc::Max
        ) {
            "timestamp"
        } else {
            "number"
        };
        out.push(doc(name, Kind::Field, ty.to_string()));
    }
    for (name, score) in SCORE_FIELDS {
        out.push(doc(name, Kind::Field, score.ty().to_string()));
    }
    for (name, _) in COLLECTIONS {
        out.push(doc(name, Kind::Collection, "collection".into()));
    }
    for (name, _) in FUNCTIONS {
        out.push(doc(name, Kind::Function, "function".into()));
    }
    out.push(doc("in_segment", Kind::Function, "boolean".into()));
    out.push(doc("percentile", Kind::Function, "number".into()));
    for (name, _) in AGGREGATES {
        out.push(doc(name, Kind::Aggregate, "aggregate".into()));
    }
    out
}

/// The hover text of a documented name, as Markdown.
pub fn hover(doc: &Doc) -> String {
    let mut text = format!("**{}** — {}", doc.name, doc.ty);
    if !doc.meaning.is_empty() {
        text.push_str(&format!("\n\n{}", doc.meaning));
    }
    if !doc.example.is_empty() {
        text.push_str(&format!("\n\n```segflow\n{}\n```", doc.example));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::diagnostic::SourceFile;
    use crate::segment::SegmentSet;

    #[test]
    fn every_example_is_a_valid_condition_and_every_name_is_explained() {
        for doc in all() {
            assert!(!doc.meaning.is_empty(), "{} has no meaning", doc.name);
            let rule = format!(
                "segment: example\nwhere: '{}'\n",
                doc.example.replace('\'', "''")
            );
            let files = vec![
                (SourceFile::new("example.yaml", rule), "example".to_string()),
                (
                    SourceFile::new("vip.yaml", "segment: vip\nwhere: total_spent > 1\n"),
                    "vip".to_string(),
                ),
            ];
            let checked = SegmentSet::from_files(files);
            assert!(
                checked.is_ok(),
                "{}: {:?}",
                doc.example,
                checked.err().map(|ds| ds[0].diagnostic.message.clone())
            );
        }
    }
}
