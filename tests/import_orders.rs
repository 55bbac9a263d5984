//! Importing orders, line items and events: money in exact cents, customers and products
//! created on demand, rejects with line numbers, strict mode, idempotent re-import.

mod import_support;

use import_support::Store;
use segflow::store::import::{ImportError, ImportKind};

const ORDERS: &str = "\
order_id,customer_id,placed_at,total,discount,status,channel,currency
o1,c1,2024-03-05,49.99,5,paid,web,USD
o2,c2,2024-03-05 14:22:10,0.07,,refunded,pos,USD
o3,c1,2024-03-06T00:00:00Z,100,,,,
o4,c3,not a date,10.00,,,,
o5,c3,2024-03-07,12.345,,,,
o6,,2024-03-07,12.00,,,,
o7,c3,2024-03-07,12.00
";

#[test]
fn orders_are_imported_in_cents_and_bad_rows_are_rejected_with_line_numbers() {
    let mut store = Store::new();
    store
        .conn
        .execute(
            "INSERT INTO customers (external_id, email) VALUES ('c1', 'c1@example.com')",
            [],
        )
        .unwrap();
    let path = store.file("orders.csv", ORDERS);
    let summary = store.import(ImportKind::Orders, &path).unwrap();
    assert_eq!(
        (summary.rows_read, summary.inserted, summary.rejected),
        (7, 3, 4)
    );
    assert_eq!(
        summary.customers_created, 1,
        "only c2 is new: rejected rows create no customer"
    );
    assert_eq!(
        store.rows("SELECT o.external_id, c.external_id, placed_at, total, discount, status, channel, currency FROM orders o JOIN customers c ON c.id = o.customer ORDER BY o.external_id"),
        vec![
            "o1|c1|1709596800000|4999|500|paid|web|USD",
            "o2|c2|1709648530000|7|0|refunded|pos|USD",
            "o3|c1|1709683200000|10000|0|-|-|-",
        ]
    );
    assert_eq!(store.int("SELECT count(*) FROM customers"), 2);
    let rows = import_support::rejects(&summary.reject_file.clone().unwrap());
    let lines: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r.last().unwrap().as_str())
        .collect();
    assert_eq!(lines, ["5", "6", "7", "8"]);
    assert!(
        rows[1][8].contains("placed_at") && rows[1][8].contains("not a date"),
        "{:?}",
        rows[1]
    );
    assert!(
        rows[2][8].contains("more than two decimal places"),
        "{:?}",
        rows[2]
    );
    assert_eq!(
        rows[3][8],
        "column customer_id is empty; fill it in, as every row needs one"
    );
    assert!(rows[4][8].contains("expected 8 fields"), "{:?}", rows[4]);
    // The short row is padded so its reason sits under the `reason` heading.
    assert_eq!(rows[4].len(), 10);
    let text = summary.to_string();
    assert!(
        text.contains("3 inserted")
            && text.contains("4 rejected")
            && text.contains("orders.rejects.csv"),
        "{text}"
    );
}

#[test]
fn reimporting_orders_is_idempotent_and_detects_changes() {
    let mut store = Store::new();
    let path = store.file("orders.csv", ORDERS);
    store.import(ImportKind::Orders, &path).unwrap();
    let again = store.import(ImportKind::Orders, &path).unwrap();
    assert_eq!(
        (
            again.inserted,
            again.updated,
            again.unchanged,
            again.rejected
        ),
        (0, 0, 3, 4)
    );
    assert_eq!(again.customers_created, 0);
    let changed = store.file(
        "orders.csv",
        ORDERS.replace(
            "o2,c2,2024-03-05 14:22:10,0.07",
            "o2,c2,2024-03-05 14:22:10,0.08",
        ),
    );
    let third = store.import(ImportKind::Orders, &changed).unwrap();
    assert_eq!((third.inserted, third.updated, third.unchanged), (0, 1, 2));
    assert_eq!(
        store.int("SELECT total FROM orders WHERE external_id = 'o2'"),
        8
    );
    assert_eq!(store.int("SELECT count(*) FROM orders"), 3);
}

#[test]
fn strict_mode_writes_nothing_when_a_row_is_bad() {
    let mut store = Store::new();
    let path = store.file("orders.csv", ORDERS);
    let error = store
        .import_with(ImportKind::Orders, &path, true)
        .unwrap_err();
    match &error {
        ImportError::Strict { count, first, .. } => {
            assert_eq!(*count, 4);
            assert_eq!(
                first.iter().map(|r| r.line).collect::<Vec<_>>(),
                [5, 6, 7, 8]
            );
        }
        other => panic!("expected a strict error, got {other}"),
    }
    assert!(error.to_string().contains("line 5"), "{error}");
    assert_eq!(store.int("SELECT count(*) FROM orders"), 0);
    assert_eq!(store.int("SELECT count(*) FROM customers"), 0);

    let good: String = ORDERS.lines().take(4).map(|l| format!("{l}\n")).collect();
    let path = store.file("good.csv", good);
    let summary = store.import_with(ImportKind::Orders, &path, true).unwrap();
    assert_eq!((summary.inserted, summary.rejected), (3, 0));
    assert!(summary.reject_file.is_none());
}

#[test]
fn a_missing_required_column_fails_before_writing_and_names_what_was_found() {
    let mut store = Store::new();
    let path = store.file(
        "orders.csv",
        "order_id,customer,placed_at\no1,c1,2024-01-01\n",
    );
    let error = store.import(ImportKind::Orders, &path).unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, ImportError::MissingColumns { .. }),
        "{text}"
    );
    assert!(text.contains("customer_id, total"), "{text}");
    assert!(text.contains("orders.csv"), "{text}");
    assert!(
        text.contains("columns found: order_id, customer, placed_at"),
        "{text}"
    );
    assert_eq!(store.int("SELECT count(*) FROM customers"), 0);
}

#[test]
fn items_need_their_order_and_create_unknown_products() {
    let mut store = Store::new();
    let orders = store.file("orders.csv", ORDERS);
    store.import(ImportKind::Orders, &orders).unwrap();
    store
        .conn
        .execute(
            "INSERT INTO products (external_id, title) VALUES ('MUG', 'Mug')",
            [],
        )
        .unwrap();
    let items = store.file(
        "items.csv",
        "order_id,product_id,quantity,price\no1,MUG,2,19.99\no1,TEA,1,10\nmissing,MUG,1,1\no2,MUG,x,1\no1,MUG,3,19.99\n",
    );
    let summary = store.import(ImportKind::Items, &items).unwrap();
    assert_eq!(
        (summary.inserted, summary.updated, summary.rejected),
        (3, 0, 2)
    );
    assert_eq!(summary.products_created, 1);
    assert_eq!(
        store.rows("SELECT o.external_id, p.external_id, p.title, i.quantity, i.price FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product ORDER BY p.external_id, i.line"),
        vec!["o1|MUG|Mug|2|1999", "o1|MUG|Mug|3|1999", "o1|TEA|-|1|1000"]
    );
    let rows = import_support::rejects(&summary.reject_file.unwrap());
    assert_eq!(
        rows[1][4],
        "column order_id: order `missing` is not in the store; import the orders file first"
    );
    assert_eq!(rows[1][5], "4");
    assert!(rows[2][4].contains("quantity"), "{:?}", rows[2]);
    let again = store.import(ImportKind::Items, &items).unwrap();
    // o1/MUG appears twice: two lines of one product, each found again by its place in the file.
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(store.int("SELECT count(*) FROM order_items"), 3);
}

#[test]
fn events_are_deduplicated_by_id_or_content() {
    let mut store = Store::new();
    let path = store.file(
        "events.csv",
        "customer_id,type,occurred_at,event_id,prop.url,prop.count,prop.flags\n\
         c1,page_view,2024-03-05T10:00:00Z,,/home,3,\"[1,2]\"\n\
         c1,page_view,2024-03-05T10:00:00Z,,/cart,,\n\
         c2,email_open,2024-03-05 11:00:00,ev-9,,,\n\
         c2,email_open,yesterday,,,,\n",
    );
    let summary = store.import(ImportKind::Events, &path).unwrap();
    assert_eq!(
        (
            summary.inserted,
            summary.rejected,
            summary.customers_created
        ),
        (3, 1, 2)
    );
    assert_eq!(
        store.rows("SELECT c.external_id, type, occurred_at, properties FROM events e JOIN customers c ON c.id = e.customer ORDER BY e.id"),
        vec![
            r#"c1|page_view|1709632800000|{"count":3,"flags":[1,2],"url":"/home"}"#,
            r#"c1|page_view|1709632800000|{"url":"/cart"}"#,
            "c2|email_open|1709636400000|{}",
        ]
    );
    assert_eq!(
        store
            .text("SELECT dedup_key FROM events WHERE type = 'email_open'")
            .unwrap(),
        "ev-9"
    );
    let again = store.import(ImportKind::Events, &path).unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(store.int("SELECT count(*) FROM events"), 3);
}

#[test]
fn a_large_file_reimports_idempotently_and_keeps_the_order_indexes() {
    let mut store = Store::new();
    let mut text = String::from("order_id,customer_id,placed_at,total\n");
    for i in 0..3000 {
        text.push_str(&format!(
            "o{i},c{},2024-01-01 00:00:{:02},{i}.{:02}\n",
            i % 70,
            i % 60,
            i % 100
        ));
    }
    let path = store.file("big.csv", &text);
    let first = store.import(ImportKind::Orders, &path).unwrap();
    assert_eq!((first.inserted, first.customers_created), (3000, 70));
    // The secondary index dropped for the bulk load is back, and the store is consistent.
    assert_eq!(
        store.int("SELECT count(*) FROM sqlite_master WHERE name = 'orders_by_customer'"),
        1
    );
    assert_eq!(store.text("PRAGMA integrity_check").unwrap(), "ok");
    assert_eq!(
        store.int("SELECT count(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(store.int("PRAGMA foreign_keys"), 1);
    assert_eq!(
        store.int("SELECT total FROM orders WHERE external_id = 'o1234'"),
        123_434
    );

    // Past the first rows the writer switches to upserting directly; counts stay exact.
    let edited = text.replace(
        "o2999,c59,2024-01-01 00:00:59,2999.99",
        "o2999,c59,2024-01-01 00:00:59,1.00",
    );
    let edited = edited.replace("o10,c10,", "o10,c11,");
    let path = store.file("big.csv", edited + "o3000,c0,2024-01-02,5\n");
    let again = store.import(ImportKind::Orders, &path).unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (1, 2, 2998)
    );
    assert_eq!(
        store.int("SELECT total FROM orders WHERE external_id = 'o2999'"),
        100
    );
    assert_eq!(store.int("SELECT count(*) FROM orders"), 3001);
}

#[test]
fn a_failed_strict_import_into_an_empty_table_keeps_its_indexes() {
    let mut store = Store::new();
    let path = store.file("orders.csv", ORDERS);
    store
        .import_with(ImportKind::Orders, &path, true)
        .unwrap_err();
    assert_eq!(
        store.int("SELECT count(*) FROM sqlite_master WHERE name = 'orders_by_customer'"),
        1
    );
    assert_eq!(store.int("PRAGMA foreign_keys"), 1);
}
