//! The order columns of the snapshot: each customer's orders sorted by (placed_at, id).

use rusqlite::Connection;

use super::interner::{Interner, Sym, NONE};
use super::read::{for_each_row, opt_i64, opt_str, req_i64, At, Offsets, Scope};
use super::text::TextColumn;
use crate::store::StoreError;

#[derive(Default, Debug)]
pub struct Orders {
    /// Customer `k`'s orders are rows `offsets[k]..offsets[k + 1]`.
    pub offsets: Vec<u32>,
    /// Internal order ids, for placing order lines.
    pub ids: Vec<i64>,
    pub placed_at: Vec<i64>,
    pub external_id: TextColumn,
    /// Cents.
    pub total: Vec<i64>,
    /// Cents.
    pub discount: Vec<i64>,
    pub status: Vec<Sym>,
    pub channel: Vec<Sym>,
    /// Cents.
    pub refunded: Vec<i64>,
    /// Whether the order counts as a purchase (`store::order_status`).
    pub counted: Vec<bool>,
}

const SELECT: &str = "SELECT id, customer, placed_at, external_id, total, discount, status, channel, refunded, counted FROM orders";

impl Orders {
    pub(super) fn load(
        conn: &Connection,
        scope: Scope,
        customers: &[i64],
        strings: &mut Interner,
    ) -> Result<Orders, StoreError> {
        let mut o = Orders::default();
        let mut offsets = Offsets::new(customers);
        // The index orders_by_customer(customer, placed_at) ends in the rowid, so this order is
        // read straight from the index without a sort.
        let sql_all = format!("{SELECT} ORDER BY customer, placed_at, id");
        let sql_one = format!("{SELECT} WHERE customer = ?1 ORDER BY placed_at, id");
        for_each_row(conn, scope, &sql_all, &sql_one, |row| {
            let id: i64 = row.get(0)?;
            let at = At {
                table: "orders",
                row: id,
            };
            if !offsets.accept(req_i64(row, 1, at, "customer")?) {
                return Ok(());
            }
            o.ids.push(id);
            o.placed_at.push(req_i64(row, 2, at, "placed_at")?);
            o.external_id.push(opt_str(row, 3, at, "external_id")?);
            o.total.push(req_i64(row, 4, at, "total")?);
            o.discount
                .push(opt_i64(row, 5, at, "discount")?.unwrap_or(0));
            let status = opt_str(row, 6, at, "status")?;
            o.status.push(status.map_or(NONE, |s| strings.intern(s)));
            let channel = opt_str(row, 7, at, "channel")?;
            o.channel.push(channel.map_or(NONE, |s| strings.intern(s)));
            o.refunded
                .push(opt_i64(row, 8, at, "refunded")?.unwrap_or(0));
            o.counted
                .push(opt_i64(row, 9, at, "counted")?.unwrap_or(1) != 0);
            Ok(())
        })?;
        o.offsets = offsets.finish("orders")?;
        Ok(o)
    }
}
