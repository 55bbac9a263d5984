//! The IR's null and dynamic-value rules in SQL, bound parameters instead of spliced literals,
//! the `explain` text, and the IR the compiler refuses.

mod sql_support;

use segflow::compile::sql::SqlQuery;
use segflow::compile::CompileError;
use segflow::dsl::ir::{
    AggFunc::*, ArithOp, CompareOp::*, CustomerField as C, EventField as E, Expr, ExprKind, Func,
    Literal, OrderField as O,
};
use segflow::dsl::types::Type;
use sql_support::*;

#[test]
fn dynamic_comparisons_require_the_matching_json_type() {
    let shop = Shop::new();
    // Alice's score is the number 42, Bob's the string "42", Dave's the number 41.5.
    assert_eq!(shop.members(&eq(attr("score"), num(42.0))), [ALICE]);
    assert_eq!(shop.members(&eq(attr("score"), s("42"))), [BOB]);
    assert_eq!(
        shop.members(&cmp(Gt, attr("score"), num(41.0))),
        [ALICE, DAVE]
    );
    assert_eq!(shop.members(&cmp(Ne, attr("score"), num(42.0))), [DAVE]);
    assert_eq!(shop.members(&cmp(Lt, num(41.9), attr("score"))), [ALICE]);
    assert_eq!(shop.members(&eq(attr("vip"), boolean(true))), [ALICE]);
    assert_eq!(shop.members(&eq(attr("vip"), boolean(false))), [DAVE]);
    let range = between(attr("score"), num(41.0), num(42.0));
    assert_eq!(shop.members(&range), [ALICE, DAVE]);
    // Two dynamic values compare only when their JSON types agree.
    assert_eq!(
        shop.members(&eq(attr("score"), attr("score"))),
        [ALICE, BOB, DAVE]
    );
    assert_eq!(
        shop.members(&eq(attr("score"), attr("tier"))),
        Vec::<i64>::new()
    );
}

#[test]
fn dynamic_values_as_conditions_and_nulls() {
    let shop = Shop::new();
    // Only JSON `true` is true: Bob's "true" is a string, Dave's is `false`.
    assert_eq!(shop.members(&attr("vip")), [ALICE]);
    assert_eq!(shop.members(&not(attr("vip"))), [BOB, CAROL, DAVE, ERIN]);
    // JSON null and a missing key are both null.
    assert_eq!(shop.members(&is_null(attr("nothing"), false)), ALL);
    assert_eq!(shop.members(&is_null(attr("tier"), true)), [ALICE, BOB]);
    assert_eq!(
        shop.members(&eq(attr("nothing"), null())),
        Vec::<i64>::new()
    );
    assert_eq!(
        shop.members(&cmp(Ne, attr("missing"), s("x"))),
        Vec::<i64>::new()
    );
}

#[test]
fn dynamic_contains_in_lists_and_functions() {
    let shop = Shop::new();
    // An array holds the element; a string holds the substring.
    let values = |needle| shop.members(&contains(attr("values"), s(needle)));
    assert_eq!(values("sustainability"), [ALICE, BOB]);
    assert_eq!(values("local"), [ALICE]);
    assert_eq!(values("first"), [BOB]);
    assert_eq!(values("sustain"), [BOB]);
    let tiers = vec![lstr("gold"), lstr("silver")];
    assert_eq!(shop.members(&in_list(attr("tier"), tiers, false)), [ALICE]);
    let numbers = vec![Literal::Number(3.0), Literal::Null];
    assert_eq!(shop.members(&in_list(attr("tier"), numbers, false)), [BOB]);
    // `not in` a string list is a comparison with strings: Bob's number tier does not count.
    let not_silver = in_list(attr("tier"), vec![lstr("silver")], true);
    assert_eq!(shop.members(&not_silver), [ALICE]);
    let len = |n| {
        shop.members(&eq(
            call(Func::Len, vec![attr("values")], Type::Number),
            num(n),
        ))
    };
    assert_eq!(len(2.0), [ALICE]);
    assert_eq!(len(20.0), [BOB]);
    let upper = call(Func::Upper, vec![attr("tier")], Type::String);
    assert_eq!(shop.members(&eq(upper, s("GOLD"))), [ALICE]);
    let plus = arith(ArithOp::Add, attr("score"), num(1.0), Type::Number);
    assert_eq!(shop.members(&cmp(Gt, plus, num(42.5))), [ALICE]);
    let tier = call(Func::Coalesce, vec![attr("tier"), s("none")], Type::String);
    assert_eq!(
        shop.members(&eq(tier.clone(), s("none"))),
        [BOB, CAROL, DAVE, ERIN]
    );
    assert_eq!(shop.members(&eq(tier, s("gold"))), [ALICE]);
    let raw = call(
        Func::Coalesce,
        vec![attr("tier"), attr("score")],
        Type::Dynamic,
    );
    assert_eq!(shop.members(&eq(raw.clone(), num(3.0))), [BOB]);
    assert_eq!(shop.members(&eq(raw, num(41.5))), [DAVE]);
}

#[test]
fn aggregates_over_dynamic_properties_use_numbers_only() {
    let shop = Shop::new();
    // Alice's amounts are 10, 2.5 and the string "n/a"; Bob's is 7; Dave has none.
    let sum = events(None, Sum, Some(E::Prop("amount".into())));
    assert_eq!(shop.members(&eq(sum.clone(), num(12.5))), [ALICE]);
    assert_eq!(shop.members(&eq(sum, num(0.0))), [CAROL, DAVE, ERIN]);
    let avg = events(None, Avg, Some(E::Prop("amount".into())));
    assert_eq!(shop.members(&eq(avg.clone(), num(6.25))), [ALICE]);
    assert_eq!(shop.members(&is_null(avg, false)), [CAROL, DAVE, ERIN]);
    let min = events(None, Min, Some(E::Prop("amount".into())));
    assert_eq!(shop.members(&eq(min, num(2.5))), [ALICE]);
    let max = events(None, Max, Some(E::Prop("amount".into())));
    assert_eq!(shop.members(&eq(max, num(10.0))), [ALICE]);
    // `first` keeps the JSON value as it is, here Alice's earliest amount, a string.
    let first = events(None, First, Some(E::Prop("amount".into())));
    assert_eq!(shop.members(&eq(first.clone(), s("n/a"))), [ALICE]);
    assert_eq!(shop.members(&eq(first, num(7.0))), [BOB]);
    // Bob's two events share a time: the later id has no amount, so `last` is null for him.
    let last = events(None, Last, Some(E::Prop("amount".into())));
    assert_eq!(
        shop.members(&is_null(last.clone(), false)),
        [BOB, CAROL, DAVE, ERIN]
    );
    assert_eq!(shop.members(&eq(last, num(2.5))), [ALICE]);
    let last_path = events(None, Last, Some(E::Prop("path".into())));
    assert_eq!(shop.members(&is_null(last_path, false)), ALL);
    let distinct = events(None, Distinct, Some(E::Prop("amount".into())));
    assert_eq!(shop.members(&eq(distinct, num(3.0))), [ALICE]);
}

#[test]
fn null_literals_and_null_fields_make_comparisons_false() {
    let shop = Shop::new();
    assert_eq!(
        shop.members(&eq(cust(C::Birthday), null())),
        Vec::<i64>::new()
    );
    assert_eq!(
        shop.members(&cmp(Ne, cust(C::Country), null())),
        Vec::<i64>::new()
    );
    assert_eq!(shop.members(&not(eq(cust(C::Country), null()))), ALL);
    assert_eq!(shop.members(&cmp(Ne, cust(C::Region), s("ON"))), [ALICE]);
    let no_birthday = is_null(cust(C::Birthday), false);
    assert_eq!(shop.members(&no_birthday), [CAROL]);
    let unknown_age = between(cust(C::Age), num(0.0), num(200.0));
    assert_eq!(shop.members(&not(unknown_age)), [CAROL]);
    let arithmetic = arith(ArithOp::Add, cust(C::Age), num(1.0), Type::Number);
    assert_eq!(shop.members(&is_null(arithmetic, false)), [CAROL]);
    let zero = arith(ArithOp::Div, num(1.0), num(0.0), Type::Number);
    assert_eq!(shop.members(&is_null(zero, false)), ALL);
    assert_eq!(
        shop.members(&contains(cust(C::Email), null())),
        Vec::<i64>::new()
    );
    assert_eq!(shop.members(&boolean(true)), ALL);
    assert_eq!(shop.members(&null()), Vec::<i64>::new());
}

/// Every string a rule file could contribute, from literals and from attribute and property names.
fn user_strings(expr: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    expr.walk(&mut |e| match &e.kind {
        ExprKind::Literal(Literal::String(s)) | ExprKind::Attr(s) => out.push(s.clone()),
        ExprKind::Element(segflow::dsl::ir::ElementField::Event(E::Prop(s))) => out.push(s.clone()),
        ExprKind::InList { list, .. } => out.extend(list.iter().filter_map(|l| match l {
            Literal::String(s) => Some(s.clone()),
            _ => None,
        })),
        _ => {}
    });
    out
}

#[test]
fn literals_are_bound_never_spliced() {
    let expr = and(
        and(
            eq(
                cust(C::Country),
                s("zz_country_marker'; DROP TABLE customers; --"),
            ),
            in_list(
                cust(C::City),
                vec![lstr("zz_city_a"), lstr("zz_city_b")],
                true,
            ),
        ),
        or(
            orders(
                Some(eq(order(O::Status), s("zz_status_marker"))),
                Exists,
                None,
            ),
            or(
                events(
                    Some(eq(prop("zz_prop_name"), s("zz_prop_value"))),
                    Exists,
                    None,
                ),
                contains(attr("zz_attr_name"), s("zz_needle")),
            ),
        ),
    );
    let strings = user_strings(&expr);
    assert_eq!(strings.len(), 8);
    let query = SqlQuery::compile(&expr).unwrap();
    for s in &strings {
        assert!(
            !query.sql().contains(s.as_str()),
            "{s:?} spliced into:\n{}",
            query.sql()
        );
    }
    // Each of them is a bound parameter instead (names inside a JSON path).
    let params = query.params(now_ms());
    for s in &strings {
        let bound = params.iter().any(|p| match p {
            rusqlite::types::Value::Text(t) => t == s || t == &format!("$.\"{s}\""),
            _ => false,
        });
        assert!(bound, "{s:?} is not a parameter: {params:?}");
    }
    // And the query runs, with the hostile literal harmless.
    let shop = Shop::new();
    assert_eq!(
        query.members(&shop.conn, now_ms()).unwrap(),
        Vec::<i64>::new()
    );
    assert_eq!(shop.members(&cust(C::AcceptsMarketing)), [ALICE, DAVE]);
}

#[test]
fn parameters_match_the_placeholders_and_now_is_bound_once() {
    let expr = and(
        cmp(
            Gt,
            cust(C::CreatedAt),
            arith(ArithOp::Sub, now(), dur(30 * DAY), Type::Time),
        ),
        eq(
            call(Func::Month, vec![cust(C::Birthday)], Type::Number),
            call(Func::Month, vec![now()], Type::Number),
        ),
    );
    let query = SqlQuery::compile(&expr).unwrap();
    let params = query.params(now_ms());
    let highest = (1..=params.len() + 1)
        .filter(|n| query.sql().contains(&format!("?{n}")))
        .max();
    assert_eq!(highest, Some(params.len()));
    let now_count = params
        .iter()
        .filter(|p| **p == rusqlite::types::Value::Integer(now_ms()))
        .count();
    assert_eq!(now_count, 1);
    assert_eq!(query.params(7)[0], rusqlite::types::Value::Integer(7));
}

#[test]
fn explain_lists_the_parameters_after_indented_sql() {
    let expr = and(
        eq(cust(C::Country), s("US")),
        cmp(
            Ge,
            agg(
                segflow::dsl::ir::Collection::Orders,
                None,
                Some(90 * DAY),
                Count,
                None,
            ),
            num(3.0),
        ),
    );
    let query = SqlQuery::compile(&expr).unwrap();
    let text = query.explain(now_ms());
    let sql = query.sql();
    assert!(text.starts_with(sql));
    assert!(
        sql.starts_with("SELECT c.id\nFROM customers AS c\nWHERE "),
        "{sql}"
    );
    assert!(sql.ends_with("\nORDER BY c.id"), "{sql}");
    assert!(
        sql.contains("\n      FROM orders AS o\n"),
        "subquery not indented:\n{sql}"
    );
    let comments: Vec<&str> = text.lines().filter(|l| l.starts_with("-- ?")).collect();
    assert_eq!(comments.len(), query.params(now_ms()).len());
    assert!(comments.contains(&"-- ?2 = 'US'"), "{text}");
    assert!(text.contains("(now, 2026-06-15T12:00:00.000Z)"), "{text}");
    // The same IR always compiles to the same text.
    assert_eq!(SqlQuery::compile(&expr).unwrap().explain(now_ms()), text);
}

#[test]
fn refuses_uninlined_segments_and_misplaced_fields() {
    let segment = Expr::new(ExprKind::InSegment("vip".into()), Type::Bool);
    let nested = and(cust(C::AcceptsMarketing), not(segment));
    assert_eq!(
        SqlQuery::compile(&nested),
        Err(CompileError::SegmentNotInlined("vip".into()))
    );
    let outside = eq(order(O::Status), s("paid"));
    assert!(matches!(
        SqlQuery::compile(&outside),
        Err(CompileError::Unsupported(_))
    ));
    let wrong_collection = events(Some(eq(order(O::Status), s("paid"))), Exists, None);
    assert!(matches!(
        SqlQuery::compile(&wrong_collection),
        Err(CompileError::Unsupported(_))
    ));
    assert!(matches!(
        SqlQuery::compile(&cust(C::Country)),
        Err(CompileError::Unsupported(_))
    ));
}
