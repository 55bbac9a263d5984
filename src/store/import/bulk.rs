//! Duplicate detection for a bulk load into an empty table whose unique indexes were dropped
//! for the load (they are rebuilt from the finished table at the end of the transaction).
//!
//! Without the index, the database can no longer tell whether a row's key was already written
//! by an earlier row of the same file, so `KeyIndex` remembers every key written so far. To
//! keep memory small for files of many millions of rows it stores only a 64-bit hash of each
//! key with the row's id; a hash that is seen again is confirmed by reading the stored key of
//! that row back by its id (a primary-key lookup), so a hash collision between two different
//! keys can never merge them: the colliding key goes to a small exact overflow map instead.
//!
//! Most exports list their rows in key order. While every key is greater than the one before,
//! it is certainly new and only the last key is kept; the first key out of order loads the keys
//! written so far into the hash map (one scan of the table) and the map takes over.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Statement};

use super::ids::FxHasher;

/// The unique key of one row, borrowed from the row being imported.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    Text(&'a str),
    Blob(&'a [u8]),
    /// Three integer columns: an order line's (order, product, line).
    Line(i64, i64, i64),
}

impl Key<'_> {
    fn owned(self) -> OwnedKey {
        match self {
            Key::Text(text) => OwnedKey::Text(text.to_owned()),
            Key::Blob(bytes) => OwnedKey::Blob(bytes.to_vec()),
            Key::Line(a, b, c) => OwnedKey::Line(a, b, c),
        }
    }

    /// A well-mixed 64-bit hash; the variant is hashed too, as SQLite never equates a TEXT
    /// value with a BLOB of the same bytes.
    fn hash64(self) -> u64 {
        let mut hasher = FxHasher::default();
        match self {
            Key::Text(text) => {
                hasher.write_u8(1);
                hasher.write(text.as_bytes());
            }
            Key::Blob(bytes) => {
                hasher.write_u8(2);
                hasher.write(bytes);
            }
            Key::Line(a, b, c) => {
                hasher.write_u8(3);
                hasher.write_i64(a);
                hasher.write_i64(b);
                hasher.write_i64(c);
            }
        }
        // The murmur3 finaliser, so that keys differing only in their last bytes spread over
        // all 64 bits.
        let mut h = hasher.finish();
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    /// True when this key sorts after `last`, in an order that is total within each variant.
    fn is_after(self, last: &OwnedKey) -> bool {
        match (self, last) {
            (Key::Text(text), OwnedKey::Text(last)) => text.as_bytes() > last.as_bytes(),
            (Key::Blob(blob), OwnedKey::Blob(last)) => blob > last.as_slice(),
            (Key::Line(a, b, c), OwnedKey::Line(x, y, z)) => (a, b, c) > (*x, *y, *z),
            _ => false,
        }
    }

    /// Overwrites `last` with this key, reusing its buffer.
    fn store_in(self, last: &mut OwnedKey) {
        match (self, last) {
            (Key::Text(text), OwnedKey::Text(buffer)) => {
                buffer.clear();
                buffer.push_str(text);
            }
            (Key::Blob(blob), OwnedKey::Blob(buffer)) => {
                buffer.clear();
                buffer.extend_from_slice(blob);
            }
            (key, last) => *last = key.owned(),
        }
    }

    /// True when the stored key columns of a row equal this key.
    fn matches(self, stored: &[ValueRef]) -> bool {
        match (self, stored) {
            (Key::Text(text), [ValueRef::Text(bytes)]) => text.as_bytes() == *bytes,
            (Key::Blob(blob), [ValueRef::Blob(bytes)]) => blob == *bytes,
            (
                Key::Line(a, b, c),
                [ValueRef::Integer(x), ValueRef::Integer(y), ValueRef::Integer(z)],
            ) => (a, b, c) == (*x, *y, *z),
            _ => false,
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
enum OwnedKey {
    Text(String),
    Blob(Vec<u8>),
    Line(i64, i64, i64),
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The keys written to one table during a bulk load, each with its row id.
pub struct KeyIndex<'c> {
    /// Whether the keys so far ascend, so that only the last one needs keeping.
    order: Order,
    by_hash: FxMap<u64, i64>,
    /// Keys whose hash equals that of a different, earlier key.
    overflow: FxMap<OwnedKey, i64>,
    fetch: Statement<'c>,
    /// Every key and id of the table, for switching from ascending keys to the map.
    scan: String,
    conn: &'c Connection,
}

/// Whether the keys written so far ascend.
enum Order {
    Empty,
    Ascending(OwnedKey),
    /// Keys are out of order: the hash map holds them all.
    Mapped,
}

impl<'c> KeyIndex<'c> {
    /// An empty index for `table`, whose key is made of the columns `key`.
    pub fn new(conn: &'c Connection, table: &str, key: &[&str]) -> rusqlite::Result<Self> {
        let fetch = conn.prepare(&format!(
            "SELECT {} FROM {table} WHERE id = ?1",
            key.join(", ")
        ))?;
        Ok(KeyIndex {
            order: Order::Empty,
            by_hash: FxMap::default(),
            overflow: FxMap::default(),
            fetch,
            scan: format!("SELECT {}, id FROM {table}", key.join(", ")),
            conn,
        })
    }

    /// The id of the row written earlier under `key`, if any.
    pub fn find(&mut self, key: Key) -> rusqlite::Result<Option<i64>> {
        match &self.order {
            Order::Empty => return Ok(None),
            Order::Ascending(last) if key.is_after(last) => return Ok(None),
            Order::Ascending(_) => self.load()?,
            Order::Mapped => {}
        }
        let Some(&id) = self.by_hash.get(&key.hash64()) else {
            return Ok(None);
        };
        if self.stored_key_is(id, key)? {
            return Ok(Some(id));
        }
        Ok(self.overflow.get(&key.owned()).copied())
    }

    /// Records the id of a row just written under `key`, which `find` did not know.
    pub fn add(&mut self, key: Key, id: i64) {
        match &mut self.order {
            Order::Empty => self.order = Order::Ascending(key.owned()),
            Order::Ascending(last) => key.store_in(last),
            Order::Mapped => self.map(key, id),
        }
    }

    fn map(&mut self, key: Key, id: i64) {
        let hash = key.hash64();
        match self.by_hash.entry(hash) {
            Entry::Occupied(_) => {
                self.overflow.insert(key.owned(), id);
            }
            Entry::Vacant(slot) => {
                slot.insert(id);
            }
        }
    }

    /// Switches to the hash map, loading the keys written so far.
    fn load(&mut self) -> rusqlite::Result<()> {
        self.order = Order::Mapped;
        let mut scan = self.conn.prepare(&self.scan)?;
        let mut rows = scan.query([])?;
        while let Some(row) = rows.next()? {
            let stored = row.as_ref().column_count() - 1;
            let id: i64 = row.get(stored)?;
            let key = match (row.get_ref(0)?, stored) {
                (ValueRef::Text(_), 1) => Key::Text(row.get_ref(0)?.as_str()?),
                (ValueRef::Blob(bytes), 1) => Key::Blob(bytes),
                (_, 3) => Key::Line(row.get(0)?, row.get(1)?, row.get(2)?),
                // Other values cannot be keys this importer wrote; they can never match one.
                _ => continue,
            };
            self.map(key, id);
        }
        Ok(())
    }

    fn stored_key_is(&mut self, id: i64, key: Key) -> rusqlite::Result<bool> {
        let mut rows = self.fetch.query([id])?;
        let Some(row) = rows.next()? else {
            return Ok(false);
        };
        let width = row.as_ref().column_count();
        let mut stored = Vec::with_capacity(width);
        for i in 0..width {
            stored.push(row.get_ref(i)?);
        }
        Ok(key.matches(&stored))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_written_keys_and_keeps_text_apart_from_blobs() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, k)")
            .unwrap();
        let mut index = KeyIndex::new(&conn, "t", &["k"]).unwrap();
        conn.execute("INSERT INTO t (k) VALUES ('abc')", [])
            .unwrap();
        index.add(Key::Text("abc"), conn.last_insert_rowid());
        assert_eq!(index.find(Key::Text("abc")).unwrap(), Some(1));
        assert_eq!(index.find(Key::Text("abd")).unwrap(), None);
        assert_eq!(index.find(Key::Blob(b"abc")).unwrap(), None);
    }

    #[test]
    fn ascending_keys_switch_to_the_map_at_the_first_key_out_of_order() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, k)")
            .unwrap();
        let mut index = KeyIndex::new(&conn, "t", &["k"]).unwrap();
        for key in ["a1", "a2", "b"] {
            assert_eq!(index.find(Key::Text(key)).unwrap(), None);
            conn.execute("INSERT INTO t (k) VALUES (?1)", [key])
                .unwrap();
            index.add(Key::Text(key), conn.last_insert_rowid());
        }
        assert!(matches!(index.order, Order::Ascending(_)));
        assert_eq!(index.find(Key::Text("a2")).unwrap(), Some(2));
        assert!(matches!(index.order, Order::Mapped));
        assert_eq!(index.find(Key::Text("b")).unwrap(), Some(3));
        assert_eq!(index.find(Key::Text("a3")).unwrap(), None);
        conn.execute("INSERT INTO t (k) VALUES ('a3')", []).unwrap();
        index.add(Key::Text("a3"), 4);
        assert_eq!(index.find(Key::Text("a3")).unwrap(), Some(4));
    }

    #[test]
    fn a_hash_collision_goes_to_the_exact_overflow_map() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)")
            .unwrap();
        conn.execute("INSERT INTO t (a, b) VALUES (1, 2), (3, 4)", [])
            .unwrap();
        let mut index = KeyIndex::new(&conn, "t", &["a", "b"]).unwrap();
        index.order = Order::Mapped;
        // Force a collision: file row 2 under the hash of key (1, 2), as a colliding key would.
        index.by_hash.insert(Key::Line(1, 2, 0).hash64(), 2);
        assert_eq!(index.find(Key::Line(1, 2, 0)).unwrap(), None);
        index.add(Key::Line(1, 2, 0), 1);
        assert_eq!(index.find(Key::Line(1, 2, 0)).unwrap(), Some(1));
        assert_eq!(index.overflow.len(), 1);
    }
}
