//! Members of IR conditions compiled to SQL over a hand-written shop: every customer field,
//! every element field, every aggregate on empty and non-empty collections, windows and ties.

mod sql_support;

use segflow::dsl::ir::{
    AggFunc::*, ArithOp, Collection, CompareOp::*, CustomerField as C, ElementField,
    EventField as E, Func, ItemField as I, Literal, OrderField as O,
};
use segflow::dsl::types::Type;
use sql_support::*;

#[test]
fn customer_string_fields() {
    let shop = Shop::new();
    let m = |f, v| shop.members(&eq(cust(f), s(v)));
    assert_eq!(m(C::Id, "bob"), [BOB]);
    assert_eq!(m(C::Email, "dave@shop.test"), [DAVE]);
    assert_eq!(m(C::FirstName, "Alice"), [ALICE]);
    assert_eq!(m(C::LastName, "Smith"), [ALICE, ERIN]);
    assert_eq!(m(C::Gender, "m"), [BOB, DAVE]);
    assert_eq!(m(C::Country, "US"), [ALICE, CAROL]);
    assert_eq!(m(C::Region, "ON"), [BOB]);
    assert_eq!(m(C::City, "Berlin"), [DAVE]);
    assert_eq!(m(C::Zip, "94110"), [ALICE]);
    assert_eq!(m(C::Timezone, "America/Toronto"), [BOB]);
    // Strings compare by bytes, so case matters.
    assert_eq!(m(C::FirstName, "alice"), Vec::<i64>::new());
}

#[test]
fn customer_time_fields_and_age() {
    let shop = Shop::new();
    let created = cmp(Lt, cust(C::CreatedAt), time(t("2025-06-01T00:00:00Z")));
    assert_eq!(shop.members(&created), [ALICE, ERIN]);
    let born = cmp(Lt, cust(C::Birthday), time(t("1970-01-01T00:00:00Z")));
    assert_eq!(shop.members(&born), [DAVE, ERIN]);
    // Alice turns 36 today, Bob turns 36 tomorrow, Dave (29 February 1960) is 66, Erin 56.
    let age = |n: f64| shop.members(&eq(cust(C::Age), num(n)));
    assert_eq!(age(36.0), [ALICE]);
    assert_eq!(age(35.0), [BOB]);
    assert_eq!(age(66.0), [DAVE]);
    assert_eq!(age(56.0), [ERIN]);
    assert_eq!(shop.members(&is_null(cust(C::Age), false)), [CAROL]);
    let range = between(cust(C::Age), num(30.0), num(36.0));
    assert_eq!(shop.members(&range), [ALICE, BOB]);
}

#[test]
fn accepts_marketing_null_counts_as_false() {
    let shop = Shop::new();
    assert_eq!(shop.members(&cust(C::AcceptsMarketing)), [ALICE, DAVE]);
    assert_eq!(
        shop.members(&not(cust(C::AcceptsMarketing))),
        [BOB, CAROL, ERIN]
    );
    let is_false = eq(cust(C::AcceptsMarketing), boolean(false));
    assert_eq!(shop.members(&is_false), [BOB, ERIN]);
    let null = is_null(cust(C::AcceptsMarketing), false);
    assert_eq!(shop.members(&null), [CAROL]);
}

#[test]
fn customer_tags() {
    let shop = Shop::new();
    assert_eq!(shop.members(&contains(cust(C::Tags), s("vegan"))), [ALICE]);
    assert_eq!(shop.members(&contains(cust(C::Tags), s("VIP"))), [DAVE]);
    assert_eq!(
        shop.members(&contains(cust(C::Tags), s("vi"))),
        Vec::<i64>::new()
    );
    let len = call(Func::Len, vec![cust(C::Tags)], Type::Number);
    assert_eq!(shop.members(&eq(len, num(0.0))), [CAROL, ERIN]);
}

#[test]
fn order_fields_in_filters() {
    let shop = Shop::new();
    let has = |f| shop.members(&orders(Some(f), Exists, None));
    assert_eq!(has(eq(order(O::Id), s("A-2"))), [ALICE]);
    assert_eq!(
        has(cmp(Ge, order(O::PlacedAt), time(t("2026-06-01T00:00:00Z")))),
        [ALICE, BOB]
    );
    // Money is compared in major units: 120.50 > 100, 100.00 is not.
    assert_eq!(has(cmp(Gt, order(O::Total), num(100.0))), [ALICE, BOB]);
    assert_eq!(
        has(cmp(Ge, order(O::Total), num(100.0))),
        [ALICE, BOB, DAVE]
    );
    assert_eq!(has(eq(order(O::Total), num(9.99))), [BOB]);
    assert_eq!(has(eq(order(O::Discount), num(5.0))), [ALICE]);
    assert_eq!(has(eq(order(O::Status), s("refunded"))), [ALICE]);
    assert_eq!(has(is_null(order(O::Status), false)), [BOB]);
    assert_eq!(has(eq(order(O::Channel), s("pos"))), [ALICE, DAVE]);
}

#[test]
fn item_fields_in_filters() {
    let shop = Shop::new();
    let has = |f| shop.members(&items(Some(f), Exists, None));
    assert_eq!(has(eq(item(I::ProductId), s("BAR-1"))), [ALICE, BOB]);
    assert_eq!(has(eq(item(I::Title), s("Wool Socks"))), [ALICE]);
    assert_eq!(
        has(eq(item(I::Category), s("running shoes"))),
        [ALICE, DAVE]
    );
    assert_eq!(has(cmp(Ge, item(I::Quantity), num(2.0))), [ALICE]);
    // The line price, not the product's list price: Bob paid 9.99 for a 2.50 bar.
    assert_eq!(has(eq(item(I::Price), num(9.99))), [BOB]);
    assert_eq!(has(contains(item(I::Tags), s("running"))), [ALICE, DAVE]);
    assert_eq!(
        has(cmp(Lt, item(I::PlacedAt), time(t("2026-06-01T00:00:00Z")))),
        [ALICE, DAVE]
    );
    assert_eq!(has(is_null(item(I::Category), false)), [ALICE, BOB]);
}

#[test]
fn event_fields_in_filters() {
    let shop = Shop::new();
    let has = |f| shop.members(&events(Some(f), Exists, None));
    assert_eq!(has(eq(event(E::Type), s("checkout_started"))), [ALICE, BOB]);
    assert_eq!(
        has(cmp(
            Lt,
            event(E::OccurredAt),
            time(t("2026-02-01T00:00:00Z"))
        )),
        [DAVE]
    );
    assert_eq!(has(cmp(Gt, prop("amount"), num(5.0))), [ALICE, BOB]);
    assert_eq!(has(prop("coupon")), [ALICE]);
}

#[test]
fn count_exists_and_distinct_on_empty_and_nonempty() {
    let shop = Shop::new();
    let count = orders(None, Count, None);
    assert_eq!(shop.members(&eq(count.clone(), num(0.0))), [CAROL, ERIN]);
    assert_eq!(shop.members(&eq(count, num(3.0))), [ALICE]);
    assert_eq!(
        shop.members(&orders(None, Exists, None)),
        [ALICE, BOB, DAVE]
    );
    assert_eq!(
        shop.members(&not(orders(None, Exists, None))),
        [CAROL, ERIN]
    );
    // Distinct skips nulls: Bob's statuses are "paid" and null.
    let distinct = |n| shop.members(&eq(orders(None, Distinct, Some(O::Status)), num(n)));
    assert_eq!(distinct(0.0), [CAROL, ERIN]);
    assert_eq!(distinct(1.0), [BOB, DAVE]);
    assert_eq!(distinct(2.0), [ALICE]);
    let products = items(None, Distinct, Some(I::ProductId));
    assert_eq!(shop.members(&eq(products, num(3.0))), [ALICE]);
}

#[test]
fn sum_and_avg_of_money_scale_after_aggregation() {
    let shop = Shop::new();
    let sum = orders(None, Sum, Some(O::Total));
    assert_eq!(shop.members(&eq(sum.clone(), num(190.49))), [ALICE]);
    assert_eq!(shop.members(&eq(sum.clone(), num(0.0))), [CAROL, ERIN]);
    assert_eq!(shop.members(&eq(sum, num(210.0))), [BOB]);
    // avg = (total_cents / n) / 100.0, bit for bit.
    let avg = orders(None, Avg, Some(O::Total));
    assert_eq!(
        shop.members(&eq(avg.clone(), num((19049.0 / 3.0) / 100.0))),
        [ALICE]
    );
    assert_eq!(shop.members(&is_null(avg, false)), [CAROL, ERIN]);
    let lines = items(None, Sum, Some(I::Price));
    assert_eq!(shop.members(&eq(lines, num(62.5))), [ALICE]);
    let quantity = items(None, Sum, Some(I::Quantity));
    assert_eq!(shop.members(&eq(quantity, num(6.0))), [ALICE]);
    let avg_qty = items(None, Avg, Some(I::Quantity));
    assert_eq!(shop.members(&eq(avg_qty, num(2.0))), [ALICE]);
}

#[test]
fn min_and_max_of_numbers_strings_and_times() {
    let shop = Shop::new();
    let min = orders(None, Min, Some(O::Total));
    assert_eq!(shop.members(&eq(min.clone(), num(19.99))), [ALICE]);
    assert_eq!(shop.members(&is_null(min, false)), [CAROL, ERIN]);
    let max = orders(None, Max, Some(O::Total));
    assert_eq!(shop.members(&eq(max.clone(), num(200.01))), [BOB]);
    assert_eq!(shop.members(&is_null(max, false)), [CAROL, ERIN]);
    let max_status = orders(None, Max, Some(O::Status));
    assert_eq!(shop.members(&eq(max_status, s("refunded"))), [ALICE]);
    let min_status = orders(None, Min, Some(O::Status));
    assert_eq!(shop.members(&eq(min_status, s("paid"))), [ALICE, BOB, DAVE]);
    let latest = orders(None, Max, Some(O::PlacedAt));
    assert_eq!(
        shop.members(&eq(latest, time(t("2026-06-10T12:00:00Z")))),
        [ALICE]
    );
}

#[test]
fn first_and_last_break_ties_by_id_and_keep_null_fields() {
    let shop = Shop::new();
    let first = orders(None, First, Some(O::Total));
    assert_eq!(shop.members(&eq(first.clone(), num(9.99))), [BOB]);
    assert_eq!(shop.members(&eq(first.clone(), num(19.99))), [ALICE]);
    assert_eq!(shop.members(&is_null(first, false)), [CAROL, ERIN]);
    let last = orders(None, Last, Some(O::Total));
    assert_eq!(shop.members(&eq(last, num(200.01))), [BOB]);
    // Bob's latest order has no status: `last` returns that null rather than skipping it.
    let last_status = orders(None, Last, Some(O::Status));
    assert_eq!(
        shop.members(&is_null(last_status, false)),
        [BOB, CAROL, ERIN]
    );
    let first_status = orders(None, First, Some(O::Status));
    assert_eq!(shop.members(&eq(first_status, s("paid"))), [BOB, DAVE]);
    let last_type = events(None, Last, Some(E::Type));
    assert_eq!(shop.members(&eq(last_type.clone(), s("page_view"))), [BOB]);
    assert_eq!(shop.members(&eq(last_type, s("checkout_started"))), [ALICE]);
    let first_type = events(None, First, Some(E::Type));
    assert_eq!(
        shop.members(&eq(first_type, s("checkout_started"))),
        [ALICE, BOB]
    );
    let last_item = items(None, Last, Some(I::ProductId));
    assert_eq!(shop.members(&eq(last_item, s("BAR-1"))), [ALICE, BOB]);
}

#[test]
fn within_keeps_elements_at_or_after_now_minus_window() {
    let shop = Shop::new();
    let recent = |d| shop.members(&agg(Collection::Events, None, Some(d), Exists, None));
    assert_eq!(recent(HOUR), [ALICE, BOB, DAVE]);
    assert_eq!(recent(HOUR - 1), [ALICE, BOB]);
    let week = agg(Collection::Orders, None, Some(7 * DAY), Count, None);
    assert_eq!(shop.members(&cmp(Ge, week, num(1.0))), [ALICE, BOB]);
    let spent = agg(
        Collection::Items,
        Some(eq(item(I::Category), s("running shoes"))),
        Some(365 * DAY),
        Sum,
        Some(ElementField::Item(I::Price)),
    );
    assert_eq!(shop.members(&cmp(Gt, spent, num(50.0))), [DAVE]);
}

#[test]
fn nested_aggregate_in_a_filter() {
    let shop = Shop::new();
    let above_avg = cmp(Gt, order(O::Total), orders(None, Avg, Some(O::Total)));
    let count = orders(Some(above_avg), Count, None);
    assert_eq!(shop.members(&eq(count, num(1.0))), [ALICE, BOB]);
}

#[test]
fn arithmetic_division_by_zero_and_negation() {
    let shop = Shop::new();
    let refunded = orders(Some(eq(order(O::Status), s("refunded"))), Count, None);
    let ratio = arith(
        ArithOp::Div,
        orders(None, Count, None),
        refunded,
        Type::Number,
    );
    assert_eq!(
        shop.members(&is_null(ratio.clone(), false)),
        [BOB, CAROL, DAVE, ERIN]
    );
    assert_eq!(shop.members(&eq(ratio, num(3.0))), [ALICE]);
    // Counts are integers in SQLite, but division is the IR's f64 division.
    let half = arith(
        ArithOp::Div,
        orders(None, Count, None),
        num(2.0),
        Type::Number,
    );
    assert_eq!(shop.members(&eq(half, num(1.5))), [ALICE]);
    let minus = neg(orders(None, Count, None));
    assert_eq!(shop.members(&cmp(Lt, minus, num(-2.0))), [ALICE]);
    let plus = arith(
        ArithOp::Add,
        orders(None, Sum, Some(O::Discount)),
        num(1.0),
        Type::Number,
    );
    assert_eq!(shop.members(&eq(plus, num(6.0))), [ALICE]);
    let times = arith(
        ArithOp::Mul,
        orders(None, Count, None),
        num(0.5),
        Type::Number,
    );
    let diff = arith(ArithOp::Sub, times, num(1.0), Type::Number);
    assert_eq!(shop.members(&eq(diff, num(0.5))), [ALICE]);
}

#[test]
fn time_arithmetic_and_days_since() {
    let shop = Shop::new();
    let last = orders(None, Max, Some(O::PlacedAt));
    let gap = arith(ArithOp::Sub, now(), last.clone(), Type::Duration);
    assert_eq!(shop.members(&cmp(Le, gap, dur(2 * DAY))), [BOB]);
    let since = call(Func::DaysSince, vec![last.clone()], Type::Number);
    assert_eq!(shop.members(&eq(since, num(1.5))), [BOB]);
    let since = call(Func::DaysSince, vec![last.clone()], Type::Number);
    let start = arith(ArithOp::Sub, now(), dur(30 * DAY), Type::Time);
    // Alice's last order is exactly five days old.
    let recent = and(cmp(Gt, last, start), cmp(Ge, since.clone(), num(5.0)));
    assert_eq!(shop.members(&recent), [ALICE, DAVE]);
    assert_eq!(shop.members(&cmp(Gt, since, num(5.0))), [DAVE]);
}

#[test]
fn calendar_functions_in_utc() {
    let shop = Shop::new();
    let f = |func, field| call(func, vec![cust(field)], Type::Number);
    let birthday_month = eq(
        f(Func::Month, C::Birthday),
        call(Func::Month, vec![now()], Type::Number),
    );
    assert_eq!(shop.members(&birthday_month), [ALICE, BOB]);
    // 2026-05-31T23:59:59.999 and 1969-12-31T23:59:59.999 stay on the last day of their month.
    assert_eq!(
        shop.members(&eq(f(Func::Day, C::CreatedAt), num(31.0))),
        [DAVE, ERIN]
    );
    assert_eq!(
        shop.members(&eq(f(Func::Month, C::CreatedAt), num(12.0))),
        [ERIN]
    );
    // 1990-06-15 was a Friday, 1990-06-16 a Saturday, 1960-02-29 a Monday, 1969-12-31 a
    // Wednesday; checked against chrono rather than trusted.
    use chrono::Datelike;
    let weekday = |s: &str| {
        let d = chrono::DateTime::parse_from_rfc3339(s).unwrap();
        f64::from(d.weekday().number_from_monday())
    };
    let wd = |n| shop.members(&eq(f(Func::Weekday, C::Birthday), num(n)));
    assert_eq!(wd(weekday("1990-06-15T00:00:00Z")), [ALICE]);
    assert_eq!(wd(weekday("1990-06-16T00:00:00Z")), [BOB]);
    assert_eq!(wd(weekday("1960-02-29T00:00:00Z")), [DAVE]);
    assert_eq!(wd(weekday("1969-12-31T00:00:00Z")), [ERIN]);
    assert_eq!(wd(7.0), Vec::<i64>::new());
    let now_weekday = call(Func::Weekday, vec![now()], Type::Number);
    assert_eq!(
        shop.members(&eq(now_weekday, num(weekday("2026-06-15T12:00:00Z")))),
        ALL
    );
}

#[test]
fn string_functions() {
    let shop = Shop::new();
    let f = |func, field| call(func, vec![cust(field)], Type::String);
    assert_eq!(
        shop.members(&eq(f(Func::Lower, C::FirstName), s("alice"))),
        [ALICE]
    );
    // Only ASCII letters change case.
    assert_eq!(
        shop.members(&eq(f(Func::Upper, C::FirstName), s("DäVID"))),
        [DAVE]
    );
    let len = call(Func::Len, vec![cust(C::FirstName)], Type::Number);
    assert_eq!(shop.members(&eq(len, num(5.0))), [ALICE, DAVE]);
    assert_eq!(
        shop.members(&contains(cust(C::Email), s("@example."))),
        [ALICE, BOB, ERIN]
    );
    let fallback = call(
        Func::Coalesce,
        vec![cust(C::Region), cust(C::Country)],
        Type::String,
    );
    assert_eq!(shop.members(&eq(fallback, s("DE"))), [DAVE]);
    let name = call(
        Func::Coalesce,
        vec![cust(C::FirstName), s("?")],
        Type::String,
    );
    assert_eq!(shop.members(&eq(name, s("?"))), [CAROL]);
}

#[test]
fn in_lists_and_boolean_connectives() {
    let shop = Shop::new();
    let countries = vec![Literal::String("US".into()), Literal::String("CA".into())];
    let inside = in_list(cust(C::Country), countries.clone(), false);
    assert_eq!(shop.members(&inside), [ALICE, BOB, CAROL]);
    // Erin has no country: `not in` is a comparison with null, so it is false.
    let outside = in_list(cust(C::Country), countries, true);
    assert_eq!(shop.members(&outside), [DAVE]);
    assert_eq!(
        shop.members(&in_list(cust(C::Country), vec![], false)),
        Vec::<i64>::new()
    );
    assert_eq!(
        shop.members(&in_list(cust(C::Country), vec![], true)),
        [ALICE, BOB, CAROL, DAVE]
    );
    let ages = in_list(
        cust(C::Age),
        vec![Literal::Number(35.0), Literal::Number(66.0)],
        false,
    );
    assert_eq!(shop.members(&ages), [BOB, DAVE]);
    let either = or(
        eq(cust(C::Country), s("DE")),
        contains(cust(C::Tags), s("vegan")),
    );
    assert_eq!(shop.members(&either), [ALICE, DAVE]);
    let both = and(cust(C::AcceptsMarketing), eq(cust(C::Country), s("US")));
    assert_eq!(shop.members(&both), [ALICE]);
    assert_eq!(shop.members(&not(both)), [BOB, CAROL, DAVE, ERIN]);
}
