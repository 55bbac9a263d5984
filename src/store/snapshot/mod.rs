//! The columnar snapshot: the whole store (or a few customers) read into memory as columns, for
//! the fast evaluator.
//!
//! The snapshot knows nothing of the DSL. Customers are rows in ascending internal id order;
//! orders, order lines and events are one `Vec` per column, each sorted by (customer, time, id),
//! with per-customer offsets (CSR) so that a customer's elements are one contiguous slice whose
//! times are sorted. Repeating strings are interned, unique ones sit in one arena, and JSON is
//! parsed once into compact pools.

mod customers;
mod dynamic;
mod events;
mod interner;
mod items;
mod items_bulk;
mod orders;
mod read;
mod scores;
mod text;

use rusqlite::Connection;

pub use customers::Customers;
pub use dynamic::{Dyn, DynPool};
pub use events::Events;
pub use interner::{Interner, Sym, NONE};
pub use items::{Items, Products};
pub use orders::Orders;
pub use read::BadValue;
pub use scores::Scores;
pub use text::TextColumn;

use read::Scope;

use super::StoreError;

/// The value stored in a time column for a missing (null) time.
pub const NULL_TIME: i64 = i64::MIN;

/// The store as columns.
#[derive(Default, Debug)]
pub struct Snapshot {
    /// Interned strings of every low-cardinality column, tag and JSON key.
    pub strings: Interner,
    pub customers: Customers,
    /// Parsed `customers.attributes`.
    pub attributes: DynPool,
    pub products: Products,
    pub orders: Orders,
    pub items: Items,
    pub events: Events,
    /// Parsed `events.properties`.
    pub properties: DynPool,
    /// Stored model scores (`customer_scores`), empty when none were computed.
    pub scores: Scores,
    /// A number no other snapshot of this process has had, renewed when the data changes in
    /// place, so what is derived from one snapshot (a percentile's population) is never used
    /// with another.
    identity: Identity,
}

/// A `Snapshot::identity`; a new one (also by `Default`) is unlike every earlier one.
#[derive(Debug)]
struct Identity(u64);

impl Default for Identity {
    fn default() -> Identity {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Identity(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl Snapshot {
    /// Reads the whole store.
    pub fn load(conn: &Connection) -> Result<Snapshot, StoreError> {
        Self::load_scope(conn, Scope::All)
    }

    /// Reads only the customers with these internal ids (and all products); unknown ids are
    /// skipped. This is the path for evaluating one customer on a real-time trigger.
    pub fn load_customers(conn: &Connection, ids: &[i64]) -> Result<Snapshot, StoreError> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        Self::load_scope(conn, Scope::Only(&ids))
    }

    fn load_scope(conn: &Connection, scope: Scope) -> Result<Snapshot, StoreError> {
        // One read transaction gives every table the same point in time even while a writer
        // commits (WAL); a snapshot mixing two states could count an order's lines twice. A
        // caller already inside a transaction has that guarantee.
        if !conn.is_autocommit() {
            return Self::read_all(conn, scope);
        }
        conn.execute_batch("BEGIN")?;
        let result = Self::read_all(conn, scope);
        let end = conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let snap = result?;
        end?;
        Ok(snap)
    }

    fn read_all(conn: &Connection, scope: Scope) -> Result<Snapshot, StoreError> {
        let mut strings = Interner::default();
        let mut attributes = DynPool::default();
        let mut properties = DynPool::default();
        let customers = Customers::load(conn, scope, &mut strings, &mut attributes)?;
        let products = Products::load(conn, &mut strings)?;
        let ids = &customers.ids;
        let orders = Orders::load(conn, scope, ids, &mut strings)?;
        let items = Items::load(conn, scope, ids, &orders, &products)?;
        let events = Events::load(conn, scope, ids, &mut strings, &mut properties)?;
        let scores = Scores::load(conn, ids, &mut strings)?;
        Ok(Snapshot {
            strings,
            customers,
            attributes,
            products,
            orders,
            items,
            events,
            properties,
            scores,
            identity: Identity::default(),
        })
    }

    /// This snapshot's identity: equal only for the same snapshot with the same data.
    pub fn identity(&self) -> u64 {
        self.identity.0
    }

    /// Reads the stored model scores again, after they were recomputed: the rest of the
    /// snapshot is unchanged by scoring, so there is no need to read it again.
    pub fn reload_scores(&mut self, conn: &Connection) -> Result<(), StoreError> {
        self.scores = Scores::load(conn, &self.customers.ids, &mut self.strings)?;
        self.identity = Identity::default();
        Ok(())
    }

    /// How many customers the snapshot holds.
    pub fn len(&self) -> usize {
        self.customers.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.ids.is_empty()
    }

    /// Internal customer ids, ascending; position `k` is customer index `k`.
    pub fn customer_ids(&self) -> &[i64] {
        &self.customers.ids
    }

    /// The index of the customer with internal id `id`.
    pub fn index_of(&self, id: i64) -> Option<usize> {
        self.customers.ids.binary_search(&id).ok()
    }

    /// The latest time in customer `k`'s data (created, last order, last event), or
    /// `NULL_TIME`. An evaluation before it does not see all of the customer's data yet, so the
    /// daemon evaluates the customer again once that time has come (a client's clock ahead of
    /// ours, a write that raced a pass).
    pub fn latest_time(&self, k: usize) -> i64 {
        fn last(offsets: &[u32], times: &[i64], k: usize) -> i64 {
            let end = offsets.get(k + 1).copied().unwrap_or(0) as usize;
            let start = offsets.get(k).copied().unwrap_or(0) as usize;
            if end > start {
                times.get(end - 1).copied().unwrap_or(NULL_TIME)
            } else {
                NULL_TIME
            }
        }
        let created = self
            .customers
            .created_at
            .get(k)
            .copied()
            .unwrap_or(NULL_TIME);
        created
            .max(last(&self.orders.offsets, &self.orders.placed_at, k))
            .max(last(&self.events.offsets, &self.events.occurred_at, k))
    }

    /// Approximate heap bytes of the larger columns, for reports and benchmarks.
    pub fn heap_bytes(&self) -> usize {
        fn v<T>(x: &Vec<T>) -> usize {
            x.capacity() * std::mem::size_of::<T>()
        }
        let c = &self.customers;
        let o = &self.orders;
        let i = &self.items;
        let e = &self.events;
        v(&c.ids)
            + c.external_id.heap_bytes()
            + c.email.heap_bytes()
            + 8 * v(&c.first_name)
            + 2 * v(&c.created_at)
            + v(&c.accepts_marketing)
            + v(&c.tag_offsets)
            + v(&c.tags)
            + v(&c.attr_offsets)
            + self.attributes.heap_bytes()
            + v(&o.offsets)
            + v(&o.placed_at)
            + o.external_id.heap_bytes()
            + v(&o.total)
            + v(&o.discount)
            + v(&o.status)
            + v(&o.channel)
            + v(&i.offsets)
            + v(&i.placed_at)
            + v(&i.product)
            + v(&i.quantity)
            + v(&i.price)
            + v(&e.offsets)
            + v(&e.occurred_at)
            + v(&e.kind)
            + v(&e.prop_offsets)
            + self.properties.heap_bytes()
    }
}
