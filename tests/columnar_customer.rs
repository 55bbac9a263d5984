//! Customer fields, attributes, operators and functions in the columnar evaluator.

mod columnar_fixture;

use columnar_fixture::*;
use segflow::dsl::ir::{ArithOp, CompareOp, CustomerField as C, Func, Literal};
use segflow::dsl::types::Type;

#[test]
fn every_string_field_compares_by_bytes_and_null_never_matches() {
    let shop = shop();
    let cases: Vec<(C, &str, Vec<i64>)> = vec![
        (C::Id, "c2", vec![2]),
        (C::Email, "alice@x.com", vec![1]),
        (C::FirstName, "Eve", vec![6]),
        (C::LastName, "Smith", vec![1, 5]),
        (C::Gender, "F", vec![1, 4]),
        (C::Country, "US", vec![1, 2, 5]),
        (C::Region, "NY", vec![2]),
        (C::City, "Paris", vec![4]),
        (C::Zip, "73301", vec![5]),
        (C::Timezone, "Europe/Paris", vec![4]),
    ];
    for (field, value, want) in cases {
        assert_eq!(
            members_in(&shop, &eq(cust(field), s(value))),
            want,
            "{field:?}"
        );
    }
    // Customer 3 has no email: `!=` is false for null, and `is null` finds it.
    let ne = cmp(CompareOp::Ne, cust(C::Email), s("alice@x.com"));
    assert_eq!(members_in(&shop, &ne), vec![2, 4, 5, 6]);
    assert_eq!(
        members_in(&shop, &is_null(cust(C::LastName), false)),
        vec![3, 6]
    );
    assert_eq!(
        members_in(&shop, &cmp(CompareOp::Lt, cust(C::FirstName), s("C"))),
        vec![1, 2]
    );
    assert_eq!(
        members_in(&shop, &eq(cust(C::Email), null())),
        Vec::<i64>::new()
    );
    // Literals that no row holds: equal to nothing, unequal to every non-null value.
    let nobody = cmp(CompareOp::Ne, s("Nobody"), cust(C::FirstName));
    assert_eq!(members_in(&shop, &nobody), vec![1, 2, 4, 5, 6]);
    assert_eq!(
        members_in(&shop, &eq(s("ZZ"), cust(C::Country))),
        Vec::<i64>::new()
    );
    let not_us = cmp(CompareOp::Ne, cust(C::Country), s("US"));
    assert_eq!(members_in(&shop, &not_us), vec![3, 4, 6]);
    let zz = vec![Literal::String("ZZ".into())];
    assert_eq!(
        members_in(&shop, &in_list(cust(C::Gender), zz, true)),
        vec![1, 2, 4, 5]
    );
    assert_eq!(
        members_in(&shop, &in_list(cust(C::Gender), vec![], true)),
        vec![1, 2, 4, 5]
    );
    assert_eq!(
        members_in(&shop, &in_list(cust(C::Gender), vec![], false)),
        Vec::<i64>::new()
    );
}

#[test]
fn times_age_and_booleans() {
    let shop = shop();
    let created = cmp(CompareOp::Ge, cust(C::CreatedAt), time(ms(2024, 3, 3)));
    assert_eq!(members_in(&shop, &created), vec![2, 5, 6]);
    // Customer 1 turns 34 on the evaluation day; customer 2 turns 34 tomorrow.
    assert_eq!(members_in(&shop, &eq(cust(C::Age), num(34.0))), vec![1]);
    assert_eq!(members_in(&shop, &eq(cust(C::Age), num(33.0))), vec![2]);
    assert_eq!(members_in(&shop, &eq(cust(C::Age), num(24.0))), vec![6]);
    assert_eq!(members_in(&shop, &is_null(cust(C::Age), false)), vec![3, 4]);
    assert_eq!(
        members_in(&shop, &between(cust(C::Age), num(30.0), num(43.0))),
        vec![1, 2, 5]
    );
    assert_eq!(members_in(&shop, &cust(C::AcceptsMarketing)), vec![1, 4, 5]);
    // A null boolean is false as a condition, so `not` of it is true.
    assert_eq!(
        members_in(&shop, &not(cust(C::AcceptsMarketing))),
        vec![2, 3, 6]
    );
    assert_eq!(
        members_in(&shop, &eq(cust(C::AcceptsMarketing), boolean(false))),
        vec![2, 6]
    );
    let old = cmp(
        CompareOp::Gt,
        arith(ArithOp::Sub, now(), cust(C::CreatedAt), Type::Duration),
        dur(365 * DAY),
    );
    assert_eq!(members_in(&shop, &old), vec![1]);
    let recent = cmp(
        CompareOp::Gt,
        cust(C::CreatedAt),
        arith(ArithOp::Sub, now(), dur(20 * DAY), Type::Time),
    );
    assert_eq!(members_in(&shop, &recent), vec![2, 6]);
}

#[test]
fn tags_are_case_sensitive_lists() {
    let shop = shop();
    assert_eq!(
        members_in(&shop, &contains(cust(C::Tags), s("vip"))),
        vec![1, 2]
    );
    assert_eq!(
        members_in(&shop, &contains(cust(C::Tags), s("vegan"))),
        vec![1]
    );
    assert_eq!(
        members_in(&shop, &contains(cust(C::Tags), null())),
        Vec::<i64>::new()
    );
    let len = call(Func::Len, vec![cust(C::Tags)], Type::Number);
    assert_eq!(members_in(&shop, &eq(len, num(0.0))), vec![3, 5, 6]);
    assert_eq!(
        members_in(&shop, &is_null(cust(C::Tags), false)),
        Vec::<i64>::new()
    );
}

#[test]
fn attributes_are_type_guarded() {
    let shop = shop();
    // An integer and a float are both numbers; the string "10" is not.
    assert_eq!(members_in(&shop, &eq(attr("score"), num(10.0))), vec![1, 2]);
    assert_eq!(members_in(&shop, &eq(attr("score"), s("10"))), vec![3]);
    assert_eq!(
        members_in(&shop, &cmp(CompareOp::Ne, attr("score"), num(3.0))),
        vec![1, 2]
    );
    assert_eq!(members_in(&shop, &attr("beta")), vec![1]);
    assert_eq!(members_in(&shop, &not(attr("beta"))), vec![2, 3, 4, 5, 6]);
    assert_eq!(
        members_in(&shop, &eq(attr("beta"), boolean(false))),
        vec![2]
    );
    assert_eq!(members_in(&shop, &attr("plan")), Vec::<i64>::new());
    // An array holds the element; a string holds the substring.
    let values = contains(attr("values"), s("sustainability"));
    assert_eq!(members_in(&shop, &values), vec![1, 2]);
    assert_eq!(
        members_in(&shop, &contains(attr("values"), s("loc"))),
        Vec::<i64>::new()
    );
    assert_eq!(
        members_in(&shop, &contains(attr("values"), s("program"))),
        vec![2]
    );
    assert_eq!(
        members_in(&shop, &is_null(attr("nothing"), false)),
        vec![1, 2, 3, 4, 5, 6]
    );
    assert_eq!(members_in(&shop, &is_null(attr("meta"), true)), vec![1]);
    assert_eq!(
        members_in(&shop, &eq(attr("meta"), num(1.0))),
        Vec::<i64>::new()
    );
    assert_eq!(
        members_in(&shop, &cmp(CompareOp::Gt, attr("ratio"), num(2.0))),
        vec![1]
    );
    let plans = vec![
        Literal::String("gold".into()),
        Literal::String("silver".into()),
    ];
    assert_eq!(
        members_in(&shop, &in_list(attr("plan"), plans, false)),
        vec![1, 2]
    );
    let gold = vec![Literal::String("gold".into())];
    assert_eq!(
        members_in(&shop, &in_list(attr("plan"), gold, true)),
        vec![2]
    );
    // The string "10" is not a number, so it is neither in nor not in a list of numbers.
    let ten = vec![Literal::Number(10.0)];
    assert_eq!(
        members_in(&shop, &in_list(attr("score"), ten.clone(), false)),
        vec![1, 2]
    );
    assert_eq!(
        members_in(&shop, &in_list(attr("score"), ten, true)),
        Vec::<i64>::new()
    );
    let len = call(Func::Len, vec![attr("values")], Type::Number);
    assert_eq!(members_in(&shop, &eq(len.clone(), num(2.0))), vec![1]);
    assert_eq!(members_in(&shop, &eq(len, num(22.0))), vec![2]);
    assert_eq!(
        members_in(&shop, &eq(attr("missing"), null())),
        Vec::<i64>::new()
    );
}

#[test]
fn lists_logic_and_arithmetic() {
    let shop = shop();
    let na = vec![Literal::String("US".into()), Literal::String("CA".into())];
    assert_eq!(
        members_in(&shop, &in_list(cust(C::Country), na.clone(), false)),
        vec![1, 2, 3, 5]
    );
    assert_eq!(
        members_in(&shop, &in_list(cust(C::Country), na, true)),
        vec![4, 6]
    );
    // Customer 3 has no region: not in is false for null.
    let ca = vec![Literal::String("CA".into())];
    assert_eq!(
        members_in(&shop, &in_list(cust(C::Region), ca, true)),
        vec![2, 4, 5]
    );
    let us = eq(cust(C::Country), s("US"));
    let vip = contains(cust(C::Tags), s("vip"));
    assert_eq!(
        members_in(&shop, &and(us.clone(), not(vip.clone()))),
        vec![5]
    );
    assert_eq!(members_in(&shop, &or(not(us), vip)), vec![1, 2, 3, 4, 6]);
    let plus = arith(ArithOp::Add, attr("score"), num(1.0), Type::Number);
    assert_eq!(members_in(&shop, &eq(plus, num(11.0))), vec![1, 2]);
    let by_zero = arith(ArithOp::Div, attr("score"), num(0.0), Type::Number);
    assert_eq!(
        members_in(&shop, &is_null(by_zero, false)),
        vec![1, 2, 3, 4, 5, 6]
    );
    let minus = cmp(CompareOp::Lt, neg(attr("ratio")), num(-2.0));
    assert_eq!(members_in(&shop, &minus), vec![1]);
    let product = arith(ArithOp::Mul, attr("ratio"), num(4.0), Type::Number);
    assert_eq!(members_in(&shop, &eq(product, num(10.0))), vec![1]);
    assert_eq!(members_in(&shop, &boolean(true)), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(members_in(&shop, &null()), Vec::<i64>::new());
}

#[test]
fn functions() {
    let shop = shop();
    let f = |func: Func, arg| call(func, vec![arg], Type::Number);
    assert_eq!(
        members_in(&shop, &eq(f(Func::Month, cust(C::Birthday)), num(6.0))),
        vec![1, 2]
    );
    assert_eq!(
        members_in(&shop, &eq(f(Func::Day, cust(C::Birthday)), num(29.0))),
        vec![6]
    );
    // 2023-01-01 and 2024-03-03 were Sundays (7); 2024-06-01 a Saturday (6).
    assert_eq!(
        members_in(&shop, &eq(f(Func::Weekday, cust(C::CreatedAt)), num(7.0))),
        vec![1, 5]
    );
    assert_eq!(
        members_in(&shop, &eq(f(Func::Weekday, cust(C::CreatedAt)), num(6.0))),
        vec![2]
    );
    let month_now = eq(f(Func::Month, cust(C::Birthday)), f(Func::Month, now()));
    assert_eq!(members_in(&shop, &month_now), vec![1, 2]);
    // Customer 6 was created 1.5 days before now.
    let days = f(Func::DaysSince, cust(C::CreatedAt));
    assert_eq!(members_in(&shop, &eq(days.clone(), num(1.5))), vec![6]);
    assert_eq!(members_in(&shop, &is_null(days, false)), vec![3]);
    let lower = call(Func::Lower, vec![cust(C::FirstName)], Type::String);
    assert_eq!(members_in(&shop, &eq(lower, s("alice"))), vec![1]);
    let upper = call(Func::Upper, vec![cust(C::LastName)], Type::String);
    assert_eq!(members_in(&shop, &eq(upper.clone(), s("DíAZ"))), vec![4]);
    assert_eq!(members_in(&shop, &eq(upper, s("DÍAZ"))), Vec::<i64>::new());
    let len = f(Func::Len, cust(C::LastName));
    assert_eq!(members_in(&shop, &eq(len, num(4.0))), vec![4]);
    let email = call(
        Func::Coalesce,
        vec![cust(C::Email), s("none")],
        Type::String,
    );
    assert_eq!(members_in(&shop, &eq(email, s("none"))), vec![3]);
    let region = call(
        Func::Coalesce,
        vec![cust(C::Region), cust(C::City), s("?")],
        Type::String,
    );
    assert_eq!(members_in(&shop, &eq(region, s("?"))), vec![3, 6]);
    assert_eq!(
        members_in(&shop, &contains(cust(C::Email), s("@y."))),
        vec![2, 6]
    );
}
