//! Aggregates over orders, items and events in the columnar evaluator.

mod columnar_fixture;

use columnar_fixture::*;
use segflow::dsl::ir::{
    AggFunc as A, ArithOp, Collection, CompareOp, ElementField as E, EventField as EV,
    ItemField as I, OrderField as O,
};
use segflow::dsl::types::Type;

fn orders(
    filter: Option<segflow::dsl::ir::Expr>,
    within: Option<i64>,
    f: A,
    arg: Option<O>,
) -> segflow::dsl::ir::Expr {
    agg(Collection::Orders, filter, within, f, arg.map(E::Order))
}
fn items(filter: Option<segflow::dsl::ir::Expr>, f: A, arg: Option<I>) -> segflow::dsl::ir::Expr {
    agg(Collection::Items, filter, None, f, arg.map(E::Item))
}
fn events(
    filter: Option<segflow::dsl::ir::Expr>,
    within: Option<i64>,
    f: A,
    arg: Option<EV>,
) -> segflow::dsl::ir::Expr {
    agg(Collection::Events, filter, within, f, arg.map(E::Event))
}
fn none() -> Vec<i64> {
    Vec::new()
}

#[test]
fn order_counts_windows_and_filters() {
    let shop = shop();
    let count = |within| orders(None, within, A::Count, None);
    assert_eq!(members_in(&shop, &eq(count(None), num(3.0))), vec![1]);
    assert_eq!(members_in(&shop, &eq(count(None), num(0.0))), vec![4, 6]);
    assert_eq!(
        members_in(&shop, &eq(count(Some(90 * DAY)), num(1.0))),
        vec![1, 2, 3]
    );
    // `within` keeps an element exactly at now - D.
    assert_eq!(
        members_in(&shop, &eq(count(Some(100 * DAY)), num(2.0))),
        vec![1, 5]
    );
    assert_eq!(
        members_in(&shop, &eq(count(Some(100 * DAY - 1)), num(1.0))),
        vec![1, 2, 3]
    );
    let exists = orders(None, None, A::Exists, None);
    assert_eq!(members_in(&shop, &exists), vec![1, 2, 3, 5]);
    assert_eq!(members_in(&shop, &not(exists)), vec![4, 6]);
    let big = cmp(CompareOp::Gt, order(O::Total), num(100.0));
    assert_eq!(
        members_in(&shop, &orders(Some(big), None, A::Exists, None)),
        vec![1, 2]
    );
    let recent = cmp(
        CompareOp::Gt,
        order(O::PlacedAt),
        arith(ArithOp::Sub, now(), dur(3 * DAY), Type::Time),
    );
    assert_eq!(
        members_in(&shop, &orders(Some(recent), None, A::Exists, None)),
        vec![5]
    );
    let by_id = eq(order(O::Id), s("o4"));
    assert_eq!(
        members_in(&shop, &orders(Some(by_id), None, A::Exists, None)),
        vec![2]
    );
    let web = and(
        eq(order(O::Channel), s("web")),
        eq(order(O::Status), s("paid")),
    );
    let web_count = orders(Some(web), Some(30 * DAY), A::Count, None);
    assert_eq!(members_in(&shop, &eq(web_count, num(1.0))), vec![1, 3, 5]);
    // A filter may read customer fields too.
    let home = eq(cust(segflow::dsl::ir::CustomerField::Country), s("US"));
    assert_eq!(
        members_in(&shop, &orders(Some(home), None, A::Exists, None)),
        vec![1, 2, 5]
    );
    let unpaid = cmp(CompareOp::Ne, order(O::Status), s("paid"));
    assert_eq!(
        members_in(&shop, &orders(Some(unpaid), None, A::Exists, None)),
        vec![1]
    );
    let none_status = is_null(order(O::Status), false);
    assert_eq!(
        members_in(&shop, &orders(Some(none_status), None, A::Exists, None)),
        vec![2]
    );
}

#[test]
fn money_is_scaled_after_aggregation() {
    let shop = shop();
    let sum = orders(None, None, A::Sum, Some(O::Total));
    assert_eq!(
        members_in(&shop, &eq(sum.clone(), num(17051.0 / 100.0))),
        vec![1]
    );
    assert_eq!(members_in(&shop, &eq(sum.clone(), num(0.1))), vec![3]);
    assert_eq!(members_in(&shop, &eq(sum.clone(), num(0.0))), vec![4, 6]);
    let avg = orders(None, None, A::Avg, Some(O::Total));
    assert_eq!(
        members_in(&shop, &eq(avg.clone(), num((17051.0 / 3.0) / 100.0))),
        vec![1]
    );
    assert_eq!(members_in(&shop, &eq(avg.clone(), num(15.0))), vec![5]);
    assert_eq!(members_in(&shop, &is_null(avg, false)), vec![4, 6]);
    let discount = orders(None, None, A::Sum, Some(O::Discount));
    assert_eq!(members_in(&shop, &eq(discount, num(5.0))), vec![1]);
    // An average order value by division: null (so false) without orders.
    let aov = arith(
        ArithOp::Div,
        sum,
        orders(None, None, A::Count, None),
        Type::Number,
    );
    assert_eq!(members_in(&shop, &is_null(aov.clone(), false)), vec![4, 6]);
    assert_eq!(
        members_in(&shop, &cmp(CompareOp::Gt, aov, num(50.0))),
        vec![1, 2]
    );
    let max = orders(None, None, A::Max, Some(O::Total));
    assert_eq!(members_in(&shop, &eq(max, num(120.0))), vec![1]);
    let min = orders(None, None, A::Min, Some(O::Total));
    assert_eq!(members_in(&shop, &eq(min.clone(), num(0.01))), vec![1]);
    assert_eq!(members_in(&shop, &is_null(min, false)), vec![4, 6]);
}

#[test]
fn order_extremes_first_last_and_distinct() {
    let shop = shop();
    let first = orders(None, None, A::Min, Some(O::PlacedAt));
    assert_eq!(
        members_in(&shop, &eq(first, time(now_ms() - 400 * DAY))),
        vec![1]
    );
    let max_status = orders(None, None, A::Max, Some(O::Status));
    assert_eq!(members_in(&shop, &eq(max_status, s("refunded"))), vec![1]);
    // Ties on placed_at are broken by id: o5 (20.00) before o6 (10.00).
    let first_total = orders(None, None, A::First, Some(O::Total));
    assert_eq!(
        members_in(&shop, &eq(first_total.clone(), num(20.0))),
        vec![5]
    );
    assert_eq!(
        members_in(&shop, &eq(first_total.clone(), num(0.01))),
        vec![1]
    );
    assert_eq!(members_in(&shop, &is_null(first_total, false)), vec![4, 6]);
    let last_total = orders(None, None, A::Last, Some(O::Total));
    assert_eq!(members_in(&shop, &eq(last_total, num(10.0))), vec![5]);
    let last_channel = orders(None, Some(50 * DAY), A::Last, Some(O::Channel));
    assert_eq!(
        members_in(&shop, &eq(last_channel, s("web"))),
        vec![1, 2, 3, 5]
    );
    // first/last take the field even when it is null.
    let first_channel = orders(None, None, A::First, Some(O::Channel));
    assert_eq!(
        members_in(&shop, &is_null(first_channel, false)),
        vec![1, 4, 6]
    );
    let paid = eq(order(O::Status), s("paid"));
    let last_paid = orders(Some(paid), None, A::Last, Some(O::Id));
    assert_eq!(members_in(&shop, &eq(last_paid, s("o1"))), vec![1]);
    let statuses = orders(None, None, A::Distinct, Some(O::Status));
    assert_eq!(members_in(&shop, &eq(statuses.clone(), num(2.0))), vec![1]);
    assert_eq!(members_in(&shop, &eq(statuses, num(0.0))), vec![2, 4, 6]);
    let channels = orders(None, None, A::Distinct, Some(O::Channel));
    assert_eq!(members_in(&shop, &eq(channels, num(2.0))), vec![1, 5]);
    let totals = orders(None, None, A::Distinct, Some(O::Total));
    assert_eq!(members_in(&shop, &eq(totals, num(3.0))), vec![1]);
}

#[test]
fn items_join_their_product_and_order_time() {
    let shop = shop();
    let has = |filter| members_in(&shop, &items(Some(filter), A::Exists, None));
    assert_eq!(has(eq(item(I::ProductId), s("sku-1"))), vec![1, 5]);
    assert_eq!(has(eq(item(I::Title), s("Tea"))), vec![1, 5]);
    assert_eq!(has(is_null(item(I::Title), false)), vec![2]);
    assert_eq!(has(eq(item(I::Category), s("running shoes"))), vec![1, 5]);
    assert_eq!(
        has(cmp(CompareOp::Ge, item(I::Quantity), num(4.0))),
        vec![5]
    );
    assert_eq!(has(eq(item(I::Price), num(2.5))), vec![5]);
    assert_eq!(has(contains(item(I::Tags), s("shoe"))), vec![1, 5]);
    let placed = cmp(
        CompareOp::Lt,
        item(I::PlacedAt),
        arith(ArithOp::Sub, now(), dur(50 * DAY), Type::Time),
    );
    assert_eq!(has(placed), vec![1]);
    let vegan = items(Some(contains(item(I::Tags), s("vegan"))), A::Count, None);
    assert_eq!(members_in(&shop, &eq(vegan, num(2.0))), vec![1]);
    let quantity = items(None, A::Sum, Some(I::Quantity));
    assert_eq!(members_in(&shop, &eq(quantity.clone(), num(6.0))), vec![1]);
    assert_eq!(members_in(&shop, &eq(quantity, num(0.0))), vec![3, 4, 6]);
    let avg_quantity = items(None, A::Avg, Some(I::Quantity));
    assert_eq!(members_in(&shop, &eq(avg_quantity, num(2.5))), vec![5]);
    let price = items(None, A::Sum, Some(I::Price));
    assert_eq!(members_in(&shop, &eq(price, num(12001.0 / 100.0))), vec![1]);
    let avg_price = items(None, A::Avg, Some(I::Price));
    assert_eq!(
        members_in(&shop, &eq(avg_price, num((12001.0 / 3.0) / 100.0))),
        vec![1]
    );
    // Lines of orders placed at the same instant are ordered by line id.
    let first = items(None, A::First, Some(I::ProductId));
    assert_eq!(members_in(&shop, &eq(first, s("sku-1"))), vec![5]);
    let last = items(None, A::Last, Some(I::ProductId));
    assert_eq!(members_in(&shop, &eq(last, s("sku-2"))), vec![1, 5]);
    let first_tags = items(None, A::First, Some(I::Tags));
    assert_eq!(members_in(&shop, &contains(first_tags, s("shoe"))), vec![5]);
    let categories = items(None, A::Distinct, Some(I::Category));
    assert_eq!(
        members_in(&shop, &eq(categories.clone(), num(2.0))),
        vec![1, 5]
    );
    assert_eq!(
        members_in(&shop, &eq(categories, num(0.0))),
        vec![2, 3, 4, 6]
    );
    let min_title = items(None, A::Min, Some(I::Title));
    assert_eq!(
        members_in(&shop, &is_null(min_title.clone(), false)),
        vec![2, 3, 4, 6]
    );
    assert_eq!(
        members_in(&shop, &eq(min_title, s("Running Shoe"))),
        vec![1, 5]
    );
    let last_placed = items(None, A::Max, Some(I::PlacedAt));
    assert_eq!(
        members_in(&shop, &eq(last_placed, time(now_ms() - 5 * DAY))),
        vec![2]
    );
    let max_price = items(None, A::Max, Some(I::Price));
    assert_eq!(members_in(&shop, &eq(max_price, num(333.33))), vec![2]);
}

#[test]
fn events_and_dynamic_properties() {
    let shop = shop();
    let checkout = eq(event(EV::Type), s("checkout_started"));
    let recent = events(Some(checkout.clone()), Some(HOUR), A::Exists, None);
    assert_eq!(members_in(&shop, &recent), vec![1, 3]);
    let abandoned = and(recent, not(orders(None, Some(HOUR), A::Exists, None)));
    assert_eq!(members_in(&shop, &abandoned), vec![1, 3]);
    let old = cmp(
        CompareOp::Lt,
        event(EV::OccurredAt),
        time(now_ms() - 30 * DAY),
    );
    assert_eq!(
        members_in(&shop, &events(Some(old), None, A::Exists, None)),
        vec![1]
    );
    // Only numbers are summed, as f64 in element order; "high" and null are skipped.
    let value = || Some(EV::Prop("value".into()));
    let sum = events(None, None, A::Sum, value());
    assert_eq!(members_in(&shop, &eq(sum.clone(), num(162.5))), vec![1]);
    assert_eq!(members_in(&shop, &eq(sum.clone(), num(300.0))), vec![3]);
    assert_eq!(members_in(&shop, &eq(sum, num(0.0))), vec![4, 6]);
    let avg = events(None, None, A::Avg, value());
    assert_eq!(members_in(&shop, &eq(avg.clone(), num(81.25))), vec![1]);
    assert_eq!(members_in(&shop, &eq(avg.clone(), num(7.0))), vec![5]);
    assert_eq!(members_in(&shop, &is_null(avg, false)), vec![4, 6]);
    let max = events(None, None, A::Max, value());
    assert_eq!(members_in(&shop, &eq(max, num(150.0))), vec![1, 3]);
    let min = events(None, None, A::Min, value());
    assert_eq!(members_in(&shop, &eq(min, num(12.5))), vec![1]);
    // first/last keep whatever the property holds, in (occurred_at, id) order.
    let first = events(None, None, A::First, value());
    assert_eq!(members_in(&shop, &eq(first.clone(), s("high"))), vec![1]);
    assert_eq!(members_in(&shop, &eq(first, num(7.0))), vec![5]);
    let last = events(None, None, A::Last, value());
    assert_eq!(members_in(&shop, &is_null(last, false)), vec![4, 5, 6]);
    let items_prop = contains(prop("items"), s("a"));
    assert_eq!(
        members_in(&shop, &events(Some(items_prop), None, A::Exists, None)),
        vec![2]
    );
    let is150 = eq(prop("value"), num(150.0));
    assert_eq!(
        members_in(
            &shop,
            &eq(events(Some(is150), None, A::Count, None), num(2.0))
        ),
        vec![3]
    );
    let as_text = eq(prop("value"), s("150"));
    assert_eq!(
        members_in(&shop, &events(Some(as_text), None, A::Exists, None)),
        none()
    );
    // 150 and 150.0 are one number; "high" is a different value.
    let distinct = events(None, None, A::Distinct, value());
    assert_eq!(
        members_in(&shop, &eq(distinct.clone(), num(1.0))),
        vec![2, 3, 5]
    );
    assert_eq!(members_in(&shop, &eq(distinct, num(3.0))), vec![1]);
    let types = events(None, None, A::Distinct, Some(EV::Type));
    assert_eq!(members_in(&shop, &eq(types, num(2.0))), vec![1, 3]);
    let last_seen = events(None, None, A::Max, Some(EV::OccurredAt));
    let seen_today = cmp(
        CompareOp::Gt,
        last_seen,
        arith(ArithOp::Sub, now(), dur(HOUR), Type::Time),
    );
    assert_eq!(members_in(&shop, &seen_today), vec![1, 3]);
    let first_type = events(None, None, A::First, Some(EV::Type));
    assert_eq!(
        members_in(&shop, &eq(first_type, s("page_view"))),
        vec![3, 5]
    );
    let carts = events(Some(checkout), Some(2 * HOUR), A::Count, None);
    assert_eq!(members_in(&shop, &eq(carts, num(1.0))), vec![1, 3]);
}
