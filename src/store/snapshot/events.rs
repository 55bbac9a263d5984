//! The event columns of the snapshot: each customer's events sorted by (occurred_at, id), with
//! their properties parsed once.

use rusqlite::Connection;

use super::dynamic::DynPool;
use super::interner::{Interner, Sym};
use super::read::{for_each_row, offset, opt_str, req_i64, At, Offsets, Scope};
use crate::store::StoreError;

#[derive(Default, Debug)]
pub struct Events {
    /// Customer `k`'s events are rows `offsets[k]..offsets[k + 1]`.
    pub offsets: Vec<u32>,
    pub occurred_at: Vec<i64>,
    pub kind: Vec<Sym>,
    /// Event `e`'s properties are `properties.entries[prop_offsets[e]..prop_offsets[e + 1]]`.
    pub prop_offsets: Vec<u32>,
}

const SELECT: &str = "SELECT id, customer, occurred_at, type, properties FROM events";

impl Events {
    pub(super) fn load(
        conn: &Connection,
        scope: Scope,
        customers: &[i64],
        strings: &mut Interner,
        properties: &mut DynPool,
    ) -> Result<Events, StoreError> {
        let mut ev = Events {
            prop_offsets: vec![0],
            ..Events::default()
        };
        let mut offsets = Offsets::new(customers);
        let sql_all = format!("{SELECT} ORDER BY customer, occurred_at, id");
        let sql_one = format!("{SELECT} WHERE customer = ?1 ORDER BY occurred_at, id");
        for_each_row(conn, scope, &sql_all, &sql_one, |row| {
            let id: i64 = row.get(0)?;
            let at = At {
                table: "events",
                row: id,
            };
            if !offsets.accept(req_i64(row, 1, at, "customer")?) {
                return Ok(());
            }
            ev.occurred_at.push(req_i64(row, 2, at, "occurred_at")?);
            let kind = opt_str(row, 3, at, "type")?.unwrap_or("");
            ev.kind.push(strings.intern(kind));
            let props = opt_str(row, 4, at, "properties")?.unwrap_or("{}");
            properties
                .push_object(props, strings)
                .map_err(|e| at.bad("properties", format!("not a JSON object ({e})")))?;
            ev.prop_offsets
                .push(offset(properties.entries.len(), "events")?);
            Ok(())
        })?;
        ev.offsets = offsets.finish("events")?;
        Ok(ev)
    }
}
