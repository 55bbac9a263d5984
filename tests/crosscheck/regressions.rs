//! Regression tests for the disagreements the property test found, one per bug, named after it.
//!
//! Each condition is written in the DSL and goes through the real parser and checker, which
//! proves the IR is one a merchant can produce; the expected members follow `dsl::ir`.

use segflow::dsl::{check, parser, span::OffsetMap};
use segflow::store::snapshot::Snapshot;

use super::shop::{Customer, ShopData};
use crate::{agree, Store};

/// Checks `src`, asserts that every evaluation path agrees, and returns the members.
fn members(shop: &ShopData, src: &str) -> Vec<i64> {
    let node = parser::parse(src, &OffsetMap::identity(src.len()))
        .unwrap_or_else(|d| panic!("{src}: {d:?}"));
    let expr = check::check(&node, &check::Context::default())
        .unwrap_or_else(|d| panic!("{src}: {d:?}"))
        .expr;
    let store = Store::new(shop);
    let snap = Snapshot::load(&store.conn).unwrap();
    agree(&store, &snap, shop, &expr).unwrap_or_else(|report| panic!("{src}: {report}"));
    segflow::compile::sql::SqlQuery::compile(&expr)
        .unwrap()
        .members(&store.conn, super::vocab::now())
        .unwrap()
}

fn customers(attributes: &[&str]) -> ShopData {
    ShopData {
        products: Vec::new(),
        customers: attributes
            .iter()
            .enumerate()
            .map(|(k, a)| Customer::bare(k as i64 + 1, a))
            .collect(),
    }
}

#[test]
fn sql_in_list_mixing_strings_and_numbers() {
    let shop = customers(&[
        r#"{"a": "x"}"#,
        r#"{"a": 2}"#,
        r#"{"a": "y"}"#,
        r#"{"a": 3}"#,
        r#"{"a": true}"#,
        r#"{}"#,
    ]);
    assert_eq!(members(&shop, r#"attr.a in ["x", 2]"#), vec![1, 2]);
    // `not in` holds for a value of one of the list's types that equals none of them.
    assert_eq!(members(&shop, r#"attr.a not in ["x", 2]"#), vec![3, 4]);
}

#[test]
fn columnar_coalesce_with_a_dynamic_value_of_another_type() {
    let mut shop = customers(&[
        r#"{"s": "x y"}"#,
        r#"{"s": ["x y"]}"#,
        r#"{"s": 7}"#,
        r#"{}"#,
    ]);
    shop.customers[3].tags = vec!["x y".into()];
    // A typed `coalesce` skips a dynamic value whose JSON type is not its type: the string
    // "x y" is not a list, so customer 1 falls through to its (empty) tags.
    assert_eq!(
        members(&shop, r#""x y" in coalesce(attr.s, tags)"#),
        vec![2, 4]
    );
    assert_eq!(members(&shop, "coalesce(attr.s, 5) > 4"), vec![1, 2, 3, 4]);
    assert_eq!(members(&shop, "coalesce(attr.s, 5) > 6"), vec![3]);
}

#[test]
fn sql_coalesce_with_a_json_number_as_a_time() {
    let shop = customers(&[r#"{"t": 1}"#, r#"{"t": "x"}"#, r#"{}"#]);
    // JSON has no times: a number is not read as unix milliseconds, so `now` is taken.
    assert_eq!(
        members(&shop, "coalesce(attr.t, now) > 2000-01-01"),
        vec![1, 2, 3]
    );
}

/// A customer with events of type "view" holding these property objects.
fn with_events(id: i64, properties: &[&str]) -> Customer {
    let mut c = Customer::bare(id, "{}");
    c.events = properties
        .iter()
        .enumerate()
        .map(|(k, p)| super::shop::Event {
            kind: "view".into(),
            occurred_at: super::vocab::now() - k as i64 * super::vocab::DAY,
            properties: p.to_string(),
        })
        .collect();
    c
}

#[test]
fn sql_distinct_of_json_numbers_written_differently() {
    let shop = ShopData {
        products: Vec::new(),
        customers: vec![
            // 2 and 2.0 are one number; "2" is a string.
            with_events(1, &[r#"{"n": 2}"#, r#"{"n": 2.0}"#, r#"{"n": "2"}"#]),
            // true is not the number 1; "b1" is just a string.
            with_events(2, &[r#"{"n": true}"#, r#"{"n": 1}"#, r#"{"n": "b1"}"#]),
            // Arrays and objects equal nothing, not even an identical one.
            with_events(
                3,
                &[r#"{"n": [1]}"#, r#"{"n": [1.0]}"#, r#"{"n": {"k": 1}}"#],
            ),
            with_events(4, &[r#"{"n": null}"#, r#"{}"#, r#"{"n": 5}"#]),
        ],
    };
    assert_eq!(members(&shop, "events.distinct(prop.n) == 2"), vec![1]);
    assert_eq!(members(&shop, "events.distinct(prop.n) == 3"), vec![2, 3]);
    assert_eq!(members(&shop, "events.distinct(prop.n) == 1"), vec![4]);
}

#[test]
fn percentile_ranks_ties_together_and_skips_values_it_cannot_rank() {
    // Points 10, 20, 20, 40; a string, a missing value and a boolean are not ranked.
    let shop = customers(&[
        r#"{"p": 10}"#,
        r#"{"p": 20}"#,
        r#"{"p": 20}"#,
        r#"{"p": 40}"#,
        r#"{"p": "40"}"#,
        r#"{}"#,
        r#"{"p": true}"#,
    ]);
    // 10 → 25, 20 → 75 (both), 40 → 100.
    assert_eq!(members(&shop, "percentile(attr.p) == 75"), vec![2, 3]);
    assert_eq!(members(&shop, "percentile(attr.p) > 90"), vec![4]);
    assert_eq!(members(&shop, "percentile(attr.p) is null"), vec![5, 6, 7]);
    assert_eq!(members(&shop, "percentile(attr.p) <= 25"), vec![1]);
}

/// The daemon ranks a changed customer (a one-customer snapshot of their current data) in the
/// population of its base snapshot: their own old entry there is replaced by the current value,
/// and a customer the base does not hold is added.
#[test]
fn percentile_in_another_snapshots_population_replaces_the_customers_own_entry() {
    let shop = customers(&[
        r#"{"p": 10}"#,
        r#"{"p": 20}"#,
        r#"{"p": 30}"#,
        r#"{"p": 40}"#,
    ]);
    let store = Store::new(&shop);
    let base = Snapshot::load(&store.conn).unwrap();
    let src = "percentile(attr.p) == 100";
    let node = parser::parse(src, &OffsetMap::identity(src.len())).unwrap();
    let expr = check::check(&node, &check::Context::default())
        .unwrap()
        .expr;
    let program = segflow::compile::columnar::Program::compile(&expr).unwrap();
    let at = super::vocab::now();
    let input = segflow::compile::EvalInput::at(at);
    // Customer 4 drops from 40 to 35: still the highest once their 40 is gone (a count against
    // the base alone would give 3 of 4, 75).
    store
        .conn
        .execute(
            "UPDATE customers SET attributes = '{\"p\": 35}' WHERE id = 4",
            [],
        )
        .unwrap();
    let one = Snapshot::load_customers(&store.conn, &[4]).unwrap();
    assert_eq!(program.members_in(&one, &input, &base), vec![4]);
    // Customer 3 rises from 30 to 45: above the base's 40.
    store
        .conn
        .execute(
            "UPDATE customers SET attributes = '{\"p\": 45}' WHERE id = 3",
            [],
        )
        .unwrap();
    let one = Snapshot::load_customers(&store.conn, &[3]).unwrap();
    assert_eq!(program.members_in(&one, &input, &base), vec![3]);
    // A new customer at 40 ties the base's highest: 5 of 5 values are at most 40.
    store
        .conn
        .execute(
            "INSERT INTO customers (id, external_id, attributes) VALUES (5, 'c5', '{\"p\": 40}')",
            [],
        )
        .unwrap();
    let one = Snapshot::load_customers(&store.conn, &[5]).unwrap();
    assert_eq!(program.members_in(&one, &input, &base), vec![5]);
    // And the whole store as it is now agrees with itself through both evaluators.
    let now_snap = Snapshot::load(&store.conn).unwrap();
    assert_eq!(program.members(&now_snap, at), vec![3]);
}
