use segflow::dsl::{check, parser, span::OffsetMap};

fn ok(src: &str) {
    let node = parser::parse(src, &OffsetMap::identity(src.len()))
        .unwrap_or_else(|d| panic!("{src}: {d:?}"));
    let ctx = check::Context {
        segments: vec!["vip".into(), "unsubscribed".into()],
        workflow: false,
    };
    check::check(&node, &ctx).unwrap_or_else(|d| panic!("{src}: {d:?}"));
}

#[test]
fn design_examples() {
    for src in [
        "orders(within 90d).count() >= 3 and orders.sum(total) > 500",
        "orders(total > 100, within 365d).count() >= 2",
        "days_since(last_order_at) > 180 and accepts_marketing",
        "country in [\"US\", \"CA\"] and age between 25 and 34",
        "\"vegan\" in tags or attr.values contains \"sustainability\"",
        "events(type == \"checkout_started\", within 1h).exists() and not orders(within 1h).exists()",
        "items(category == \"running shoes\", within 365d).count() >= 1",
        "month(birthday) == month(now)",
        "in_segment(\"vip\") and not in_segment(\"unsubscribed\")",
        "created_at > 2026-01-01 and created_at < 2026-01-01T10:00:00Z",
        "birthday is null or email is not null",
        "-3 < 2 * (4 - 1) / 2",
        "country not in ['US'] and 'x' not in tags",
    ] {
        ok(src);
    }
}

#[test]
fn example_rules_load() {
    let set = segflow::segment::SegmentSet::load_dir(std::path::Path::new("rules"))
        .unwrap_or_else(|ds| panic!("{}", segflow::dsl::diagnostic::render(&ds, false)));
    assert!(set.segments.len() >= 15);
}
