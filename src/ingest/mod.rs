//! Real-time ingestion: customers, orders and events that arrive one request at a time (the
//! daemon's HTTP API, Shopify webhooks, tracking links) rather than as CSV files.
//!
//! `model` is the accepted JSON and its validation; `write` stores it with the same identity
//! rules as the CSV import; `shopify` verifies and maps Shopify webhooks onto the same shapes. Nothing here knows HTTP, so the same code serves tests and tools.

pub mod model;
pub mod shopify;
mod shopify_consent;
pub use crate::store::shopify_deliveries as shopify_delivery;
pub mod write;

pub use model::{
    parse_batch, CustomerIn, EventIn, FieldError, ItemIn, Money, OrderIn, Time, Validate,
};
pub use shopify::{map_webhook, verify_webhook, Ingest};
pub use write::{WriteError, Written};

#[cfg(test)]
mod tests {
    use super::*;

    fn tx_test(f: impl FnOnce(&rusqlite::Transaction)) {
        let mut conn = crate::store::open_in_memory().unwrap();
        let tx = conn.transaction().unwrap();
        f(&tx);
        tx.commit().unwrap();
    }

    #[test]
    fn batch_errors_name_the_field() {
        let e = parse_batch::<EventIn>(br#"[{"type":"a","customer_id":"c1"},{"type":"a","customer_id":"c2","occurred_at":true}]"#, 10).unwrap_err();
        assert_eq!(e.field, "[1].occurred_at");
        let e =
            parse_batch::<EventIn>(br#"{"type":"Bad Type","customer_id":"c1"}"#, 10).unwrap_err();
        assert_eq!(e.field, "type");
        let e = parse_batch::<EventIn>(br#"{"type":"a"}"#, 10).unwrap_err();
        assert!(e.message.contains("customer_id"), "{e}");
        let e = parse_batch::<EventIn>(br#"{"type":"a","customer_id":"c","colour":1}"#, 10)
            .unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
        let e = parse_batch::<OrderIn>(
            br#"{"id":"o","customer_id":"c","placed_at":"2026-01-01","total":1,"items":[{"product_id":"p","price":"1.234"}]}"#,
            10,
        )
        .unwrap_err();
        assert_eq!(e.field, "items[0].price");
        assert!(parse_batch::<EventIn>(b"[]", 10).is_err());
        let many = format!("[{}]", [r#"{"type":"a","customer_id":"c"}"#; 11].join(","));
        assert!(parse_batch::<EventIn>(many.as_bytes(), 10).is_err());
    }

    #[test]
    fn events_are_stored_once() {
        tx_test(|tx| {
            let e: EventIn = serde_json::from_str(
                r#"{"type":"checkout_started","customer_id":"c1","occurred_at":"2026-11-22T10:00:00Z","properties":{"value":12.5}}"#,
            )
            .unwrap();
            let first = write::event(tx, &e, 0).unwrap();
            let again = write::event(tx, &e, 0).unwrap();
            assert!(first.fresh && !again.fresh);
            assert_eq!(first.customer, again.customer);
            let n: i64 = tx
                .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 1);
        });
    }

    #[test]
    fn customer_upsert_keeps_absent_fields_and_merges_attributes() {
        tx_test(|tx| {
            let c: CustomerIn = serde_json::from_str(
                r#"{"id":"c1","email":"a@x.test","country":"DE","attributes":{"a":1,"b":2}}"#,
            )
            .unwrap();
            let id = write::customer(tx, &c).unwrap().customer;
            let c: CustomerIn =
                serde_json::from_str(r#"{"id":"c1","city":"Berlin","attributes":{"b":3}}"#)
                    .unwrap();
            assert_eq!(write::customer(tx, &c).unwrap().customer, id);
            let row: (String, String, String, String) = tx
                .query_row(
                    "SELECT email, country, city, attributes FROM customers WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .unwrap();
            assert_eq!(
                row,
                (
                    "a@x.test".into(),
                    "DE".into(),
                    "Berlin".into(),
                    r#"{"a":1,"b":3}"#.into()
                )
            );
        });
    }

    #[test]
    fn resent_order_replaces_its_lines() {
        tx_test(|tx| {
            let o: OrderIn = serde_json::from_str(
                r#"{"id":"o1","customer_id":"c1","placed_at":1700000000,"total":"59.90",
                    "items":[{"product_id":"p1","price":20,"quantity":2},{"product_id":"p2","price":19.9}]}"#,
            )
            .unwrap();
            write::order(tx, &o).unwrap();
            write::order(tx, &o).unwrap();
            let (orders, lines, total): (i64, i64, i64) = tx
                .query_row(
                    "SELECT (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM order_items), (SELECT total FROM orders)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .unwrap();
            assert_eq!((orders, lines, total), (1, 2, 5990));
            let changed: i64 = tx
                .query_row(
                    "SELECT COUNT(DISTINCT customer) FROM store_changes",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(changed, 1, "the change journal records the customer");
        });
    }
}
