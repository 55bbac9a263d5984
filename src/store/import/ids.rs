//! An in-memory map from external ids to internal ids for customers or products, preloaded from
//! the store, so that resolving the customer of each of millions of orders is a hash lookup and
//! an unknown one is created on the spot with only its external id.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rusqlite::{Connection, Statement};

use super::upsert::Binder;

pub struct IdMap<'c> {
    map: HashMap<String, i64, BuildHasherDefault<FxHasher>>,
    conn: &'c Connection,
    insert: Statement<'c>,
    /// The last id resolved: the rows of one customer (or product) are often adjacent in an
    /// export, and comparing with the last one avoids a cache miss in a large map.
    last: (String, i64),
    /// How many rows this map inserted.
    pub created: u64,
}

impl<'c> IdMap<'c> {
    /// Loads every external id of `table`; `extra` names one more column set when creating
    /// (the email of a customer created from a Shopify order, the title of a product).
    pub fn load(conn: &'c Connection, table: &str, extra: Option<&str>) -> rusqlite::Result<Self> {
        // Sized up front: growing a map of a million ids rehashes it some twenty times.
        let count: i64 =
            conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        let mut map = HashMap::with_capacity_and_hasher(
            usize::try_from(count).unwrap_or(0),
            BuildHasherDefault::default(),
        );
        let mut select = conn.prepare(&format!("SELECT external_id, id FROM {table}"))?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            map.insert(row.get(0)?, row.get(1)?);
        }
        let insert = match extra {
            Some(col) => conn.prepare(&format!(
                "INSERT INTO {table} (external_id, {col}) VALUES (?1, ?2)"
            ))?,
            None => conn.prepare(&format!("INSERT INTO {table} (external_id) VALUES (?1)"))?,
        };
        Ok(IdMap {
            map,
            conn,
            insert,
            last: (String::new(), 0),
            created: 0,
        })
    }

    pub fn get(&self, external_id: &str) -> Option<i64> {
        self.map.get(external_id).copied()
    }

    /// The id of `external_id`, inserting a bare row when it is unknown.
    pub fn get_or_create(
        &mut self,
        external_id: &str,
        extra: Option<&str>,
    ) -> rusqlite::Result<i64> {
        if !external_id.is_empty() && self.last.0 == external_id {
            return Ok(self.last.1);
        }
        let id = match self.get(external_id) {
            Some(id) => id,
            None => self.create(external_id, extra)?,
        };
        self.last.0.clear();
        self.last.0.push_str(external_id);
        self.last.1 = id;
        Ok(id)
    }

    /// Records that the row `id` now has the external id `new` instead of `old` (a customer
    /// adopted under another key).
    pub fn rename(&mut self, old: &str, new: &str, id: i64) {
        self.map.remove(old);
        self.map.insert(new.to_owned(), id);
        if self.last.0 == old {
            self.last.0.clear();
        }
    }

    fn create(&mut self, external_id: &str, extra: Option<&str>) -> rusqlite::Result<i64> {
        let has_extra = self.insert.parameter_count() > 1;
        let mut binder = Binder::new(&mut self.insert);
        binder.bind(external_id)?;
        if has_extra {
            binder.bind(extra)?;
        }
        // A plain insert and the connection's last rowid: `RETURNING` costs a temporary table
        // per statement.
        self.insert.raw_execute()?;
        let id = self.conn.last_insert_rowid();
        self.created += 1;
        self.map.insert(external_id.to_owned(), id);
        Ok(id)
    }
}

/// The Fx hash (as used inside rustc). External ids come from the merchant's own files, so
/// resistance to hash flooding buys nothing here, and SipHash was a visible share of the time
/// of a large import.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut word = [0u8; 8];
        let rest = chunks.remainder();
        word[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}
