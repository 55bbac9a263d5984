//! Bulk loads into an empty table, which drop the table's unique indexes and detect repeated
//! keys in memory, must store exactly what the row-by-row upserts into a non-empty table store,
//! report the same counts, and leave every index in place.

mod import_support;

use import_support::Store;
use segflow::store::import::{ImportError, ImportKind};

/// Keys ascend at first (o1, o2), repeat in order (o2), then go back (o1), which switches the
/// duplicate detection from "last key" to the map.
const ORDERS: &str = "\
order_id,customer_id,placed_at,total,status
o1,c1,2024-01-01,10.00,paid
o2,c1,2024-01-02,5.00,paid
o2,c1,2024-01-02,5.00,paid
o3,c2,2024-01-03,7.00,paid
o1,c1,2024-01-01,12.00,refunded
o0b,c3,2024-01-04,1.00,paid
";

const ORDER_ROWS: &str = "SELECT o.external_id, c.external_id, placed_at, total, status \
     FROM orders o JOIN customers c ON c.id = o.customer WHERE o.external_id <> 'seed' \
     ORDER BY o.external_id";

/// Imports `file` as `kind` into a store whose table is empty (a bulk load) and into one where
/// `seed` (an import of the same kind) ran first, returning both stores and both counts.
fn both_ways(
    prepare: &str,
    seed: &str,
    kind: ImportKind,
    file: &str,
) -> ((Store, [u64; 4]), (Store, [u64; 4])) {
    let run = |seeded: bool| {
        let mut store = Store::new();
        if !prepare.is_empty() {
            let path = store.file("prepare.csv", prepare);
            store.import(ImportKind::Orders, &path).unwrap();
        }
        if seeded {
            let path = store.file("seed.csv", seed);
            store.import(kind, &path).unwrap();
        }
        let path = store.file("data.csv", file);
        let s = store.import(kind, &path).unwrap();
        let counts = [s.inserted, s.updated, s.unchanged, s.customers_created];
        (store, counts)
    };
    (run(false), run(true))
}

fn unique_index_rejects(store: &Store, sql: &str) {
    let error = store.conn.execute_batch(sql).unwrap_err();
    assert!(error.to_string().contains("UNIQUE"), "{error}");
}

#[test]
fn bulk_orders_match_row_by_row_upserts_and_keep_the_indexes() {
    let seed = "order_id,customer_id,placed_at,total,status\nseed,c9,2024-01-01,1.00,paid\n";
    let ((bulk, bulk_counts), (rows, row_counts)) = both_ways("", seed, ImportKind::Orders, ORDERS);
    // Three new orders and a new one, one repeat unchanged, one repeat changed.
    assert_eq!(bulk_counts, [4, 1, 1, 3]);
    assert_eq!(bulk_counts[..3], row_counts[..3]);
    assert_eq!(bulk.rows(ORDER_ROWS), rows.rows(ORDER_ROWS));
    assert_eq!(
        bulk.rows(ORDER_ROWS)[1],
        "o1|c1|1704067200000|1200|refunded"
    );
    for name in ["orders_by_external_id", "orders_by_customer"] {
        let sql = format!("SELECT count(*) FROM sqlite_master WHERE name = '{name}'");
        assert_eq!(bulk.int(&sql), 1, "{name}");
    }
    unique_index_rejects(
        &bulk,
        "INSERT INTO orders (external_id, customer, placed_at, total) VALUES ('o3', 1, 0, 0)",
    );
    // The bulk load ran with a rollback journal; the store is back in WAL mode.
    assert_eq!(bulk.text("PRAGMA journal_mode").unwrap(), "wal");
    let mut bulk = bulk;
    let path = bulk.file("again.csv", ORDERS);
    let again = bulk.import(ImportKind::Orders, &path).unwrap();
    // Each o1 row differs from what the one before it left stored.
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 2, 4));
}

#[test]
fn bulk_items_and_events_match_row_by_row_upserts() {
    let orders = "order_id,customer_id,placed_at,total\no1,c1,2024-01-01,1\no2,c1,2024-01-01,1\n";
    let items = "order_id,product_id,quantity,price\n\
                 o1,p2,1,1.00\no1,p1,1,2.00\no1,p2,3,1.00\no2,p1,1,2.00\no1,p1,1,2.00\n";
    let seed = "order_id,product_id,quantity,price\no2,p9,1,1.00\n";
    let ((bulk, bulk_counts), (rows, row_counts)) =
        both_ways(orders, seed, ImportKind::Items, items);
    // Each row is a line of its own: a repeated product is a second line, never a merge.
    assert_eq!(bulk_counts, [5, 0, 0, 0]);
    assert_eq!(bulk_counts, row_counts);
    let sql =
        "SELECT o.external_id, p.external_id, i.line, i.quantity, i.price FROM order_items i \
               JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product \
               WHERE p.external_id <> 'p9' ORDER BY 1, 2, 3";
    assert_eq!(bulk.rows(sql), rows.rows(sql));
    unique_index_rejects(
        &bulk,
        "INSERT INTO order_items (order_id, product) SELECT order_id, product FROM order_items",
    );

    let events = "customer_id,type,occurred_at,event_id,prop.url\n\
                  c1,view,2024-01-01,,/a\nc1,view,2024-01-01,,/a\nc1,view,2024-01-01,,/b\n\
                  c2,buy,2024-01-02,e1,\nc2,open,2024-01-02,e1,\n";
    let seed = "customer_id,type,occurred_at\nc9,seed,2024-01-01\n";
    let ((bulk, bulk_counts), (rows, row_counts)) = both_ways("", seed, ImportKind::Events, events);
    assert_eq!(bulk_counts, [3, 1, 1, 2]);
    assert_eq!(bulk_counts[..3], row_counts[..3]);
    let sql = "SELECT type, properties, typeof(dedup_key), length(dedup_key) FROM events \
               WHERE type <> 'seed' ORDER BY id";
    assert_eq!(bulk.rows(sql), rows.rows(sql));
    assert_eq!(
        bulk.rows(sql),
        [
            r#"view|{"url":"/a"}|blob|16"#,
            r#"view|{"url":"/b"}|blob|16"#,
            "open|{}|text|2",
        ]
    );
    unique_index_rejects(
        &bulk,
        "INSERT INTO events (customer, type, occurred_at, dedup_key) VALUES (1, 'x', 0, 'e1')",
    );
}

#[test]
fn bulk_customers_merge_repeated_rows_like_upserts() {
    let customers =
        "customer_id,email,attr.tier\nc2,a@x,gold\nc1,b@x,\nc2,a@x,silver\nc2,a@x,silver\n";
    let seed = "customer_id\nseed\n";
    let run = |seeded: bool| {
        let mut store = Store::new();
        if seeded {
            let path = store.file("seed.csv", seed);
            store.import(ImportKind::Customers, &path).unwrap();
        }
        let path = store.file("customers.csv", customers);
        let s = store.import(ImportKind::Customers, &path).unwrap();
        let rows = store.rows(
            "SELECT external_id, email, attributes FROM customers \
             WHERE external_id <> 'seed' ORDER BY external_id",
        );
        ([s.inserted, s.updated, s.unchanged], rows)
    };
    let (bulk, rows) = (run(false), run(true));
    assert_eq!(bulk, rows);
    assert_eq!(bulk.0, [2, 1, 1]);
    assert_eq!(bulk.1[1], r#"c2|a@x|{"tier":"silver"}"#);
}

#[test]
fn a_strict_bulk_load_with_a_bad_row_writes_nothing_and_keeps_the_indexes() {
    let mut store = Store::new();
    let path = store.file(
        "orders.csv",
        format!("{ORDERS}o9,c1,not a date,1.00,paid\n"),
    );
    let error = store
        .import_with(ImportKind::Orders, &path, true)
        .unwrap_err();
    assert!(
        matches!(error, ImportError::Strict { count: 1, .. }),
        "{error}"
    );
    assert_eq!(store.int("SELECT count(*) FROM orders"), 0);
    assert_eq!(store.int("SELECT count(*) FROM customers"), 0);
    assert_eq!(
        store.int(
            "SELECT count(*) FROM sqlite_master WHERE name IN \
             ('orders_by_external_id', 'orders_by_customer')"
        ),
        2
    );
}

#[test]
fn a_bulk_load_while_another_connection_is_open_stays_in_wal_mode() {
    let mut store = Store::new();
    let other = segflow::store::open(&store.dir.path().join("segflow.db")).unwrap();
    let seen: i64 = other
        .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seen, 0);
    let path = store.file("orders.csv", ORDERS);
    let summary = store.import(ImportKind::Orders, &path).unwrap();
    assert_eq!(summary.inserted, 4);
    assert_eq!(store.text("PRAGMA journal_mode").unwrap(), "wal");
    let seen: i64 = other
        .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))
        .unwrap();
    assert_eq!(seen, 4);
}
