//! Loading the columnar snapshot, one-customer snapshots, errors, and compile errors.

mod columnar_fixture;

use columnar_fixture::*;
use segflow::compile::columnar::Program;
use segflow::compile::CompileError;
use segflow::dsl::ir::{AggFunc, Collection, CustomerField, ElementField, ExprKind, OrderField};
use segflow::dsl::types::Type;
use segflow::store::snapshot::Snapshot;

#[test]
fn load_orders_customers_and_their_elements() {
    let shop = shop();
    let snap = Snapshot::load(&shop.conn).unwrap();
    assert_eq!(snap.len(), 6);
    assert_eq!(snap.customer_ids(), &[1, 2, 3, 4, 5, 6]);
    assert_eq!(snap.index_of(4), Some(3));
    assert_eq!(snap.index_of(99), None);
    let o = &snap.orders;
    let c1 = &o.placed_at[o.offsets[0] as usize..o.offsets[1] as usize];
    assert_eq!(c1.len(), 3);
    assert!(
        c1.windows(2).all(|w| w[0] <= w[1]),
        "orders sorted by time: {c1:?}"
    );
    assert_eq!(o.offsets[3], o.offsets[4], "customer 4 has no orders");
    assert_eq!(snap.items.offsets.last().copied(), Some(6));
    assert_eq!(snap.events.offsets.last().copied(), Some(8));
}

#[test]
fn load_customers_takes_only_the_given_ids() {
    let shop = shop();
    let snap = Snapshot::load_customers(&shop.conn, &[5, 99, 1, 5]).unwrap();
    assert_eq!(snap.customer_ids(), &[1, 5]);
    assert_eq!(snap.orders.offsets, vec![0, 3, 5]);
    let program =
        Program::compile(&agg(Collection::Orders, None, None, AggFunc::Exists, None)).unwrap();
    assert_eq!(program.members(&snap, now_ms()), vec![1, 5]);
    assert!(
        !program.matches(&snap, 2, now_ms()),
        "an index past the end matches nothing"
    );
    let empty = Snapshot::load_customers(&shop.conn, &[]).unwrap();
    assert!(empty.is_empty());
    assert_eq!(program.members(&empty, now_ms()), Vec::<i64>::new());
}

#[test]
fn an_empty_store_has_no_members() {
    let shop = empty_shop();
    let snap = Snapshot::load(&shop.conn).unwrap();
    assert_eq!(snap.len(), 0);
    let program = Program::compile(&boolean(true)).unwrap();
    assert_eq!(program.members(&snap, now_ms()), Vec::<i64>::new());
}

fn load_error(sql: &str) -> String {
    let shop = shop();
    shop.conn.execute_batch(sql).unwrap();
    match Snapshot::load(&shop.conn) {
        Ok(_) => panic!("loading should fail after {sql}"),
        Err(e) => format!("{e}"),
    }
}

#[test]
fn bad_stored_values_are_reported_with_their_row() {
    let tags = load_error("UPDATE customers SET tags = '{\"a\": 1}' WHERE id = 4");
    assert!(
        tags.contains("customers") && tags.contains("row id 4") && tags.contains("tags"),
        "{tags}"
    );
    let attrs = load_error("UPDATE customers SET attributes = '[1, 2]' WHERE id = 2");
    assert!(
        attrs.contains("row id 2") && attrs.contains("attributes"),
        "{attrs}"
    );
    let props = load_error("UPDATE events SET properties = '{\"a\": ' WHERE id = 7");
    assert!(
        props.contains("events") && props.contains("row id 7") && props.contains("properties"),
        "{props}"
    );
    let time = load_error("UPDATE customers SET created_at = 'yesterday' WHERE id = 3");
    assert!(
        time.contains("row id 3") && time.contains("created_at"),
        "{time}"
    );
    let product = load_error("UPDATE products SET tags = '[1]' WHERE id = 2");
    assert!(
        product.contains("products") && product.contains("row id 2"),
        "{product}"
    );
}

#[test]
fn ir_the_evaluator_cannot_run_is_refused() {
    let seg = x(ExprKind::InSegment("vip".into()), Type::Bool);
    assert_eq!(
        Program::compile(&and(boolean(true), seg)).unwrap_err(),
        CompileError::SegmentNotInlined("vip".into())
    );
    let loose = eq(order(OrderField::Status), s("paid"));
    assert!(matches!(
        Program::compile(&loose),
        Err(CompileError::Unsupported(_))
    ));
    let wrong = agg(Collection::Events, Some(loose), None, AggFunc::Exists, None);
    assert!(matches!(
        Program::compile(&wrong),
        Err(CompileError::Unsupported(_))
    ));
    let text_sum = agg(
        Collection::Orders,
        None,
        None,
        AggFunc::Sum,
        Some(ElementField::Order(OrderField::Status)),
    );
    assert!(matches!(
        Program::compile(&text_sum),
        Err(CompileError::Unsupported(_))
    ));
    let no_arg = agg(Collection::Orders, None, None, AggFunc::Max, None);
    assert!(matches!(
        Program::compile(&no_arg),
        Err(CompileError::Unsupported(_))
    ));
}

#[test]
fn parallel_members_match_one_customer_at_a_time() {
    let shop = empty_shop();
    let c = &shop.conn;
    c.execute_batch("BEGIN").unwrap();
    let now = now_ms();
    for i in 1..=60_000i64 {
        let country = ["US", "CA", "FR"][(i % 3) as usize];
        c.execute(
            "INSERT INTO customers (id, external_id, country) VALUES (?1, ?2, ?3)",
            rusqlite::params![i, format!("x{i}"), country],
        )
        .unwrap();
        if i % 7 == 0 {
            c.execute(
                "INSERT INTO orders (external_id, customer, placed_at, total) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![format!("o{i}"), i, now - (i % 50) * DAY, i % 1000],
            )
            .unwrap();
        }
    }
    c.execute_batch("COMMIT").unwrap();
    let snap = Snapshot::load(c).unwrap();
    let recent = agg(
        Collection::Orders,
        None,
        Some(20 * DAY),
        AggFunc::Exists,
        None,
    );
    let expr = or(eq(cust(CustomerField::Country), s("FR")), recent);
    let program = Program::compile(&expr).unwrap();
    let members = program.members(&snap, now);
    let one_by_one: Vec<i64> = (0..snap.len())
        .filter(|&k| program.matches(&snap, k, now))
        .map(|k| snap.customer_ids()[k])
        .collect();
    assert_eq!(members, one_by_one);
    assert!(members.windows(2).all(|w| w[0] < w[1]));
    let expected: Vec<i64> = (1..=60_000i64)
        .filter(|i| i % 3 == 2 || (i % 7 == 0 && i % 50 <= 20))
        .collect();
    assert_eq!(members, expected);
}
