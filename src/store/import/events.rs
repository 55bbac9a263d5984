//! Importing behavioural events (`customer_id,type,occurred_at`, optional `event_id`, and
//! `prop.NAME` property columns).
//!
//! Each event needs a `dedup_key`: the file's `event_id` when given (stored as TEXT), otherwise
//! a stable 128-bit hash of the event's content stored as a 16-byte BLOB, so importing the same
//! file twice adds nothing. A BLOB never equals a TEXT value, so an `event_id` can never clash
//! with a content hash. The hash is kept at 128 bits rather than shortened to a 64-bit INTEGER
//! key: with tens of millions of events a 64-bit key makes an accidental collision (which would
//! silently drop a distinct event as a duplicate) merely unlikely rather than negligible, while
//! the 16-byte BLOB already makes the unique index less than half the size of the former hex
//! text and compares with a single `memcmp`.

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::bulk::Key;
use super::cell::{parse_datetime, typed_value};
use super::error::RowFailure;
use super::header::{parse_req, Header, Row};
use super::ids::IdMap;
use super::upsert::{Col, Outcome, Upsert};

/// The column indexes of an events file.
pub struct EventsLayout {
    customer: usize,
    kind: usize,
    occurred_at: usize,
    event_id: Option<usize>,
    properties: Vec<(String, usize)>,
}

impl EventsLayout {
    pub fn from_header(header: &mut Header) -> Result<Self, Vec<String>> {
        let required = ["customer_id", "type", "occurred_at"].map(|n| (n, header.find(n)));
        let missing: Vec<String> = required
            .iter()
            .filter(|(_, i)| i.is_none())
            .map(|(n, _)| (*n).to_owned())
            .collect();
        let [Some(customer), Some(kind), Some(occurred_at)] = required.map(|(_, i)| i) else {
            return Err(missing);
        };
        Ok(EventsLayout {
            customer,
            kind,
            occurred_at,
            event_id: header.find("event_id"),
            properties: header.prefixed("prop."),
        })
    }
}

pub struct EventsImporter<'c> {
    layout: EventsLayout,
    upsert: Upsert<'c>,
    customers: IdMap<'c>,
}

impl<'c> EventsImporter<'c> {
    /// `bulk`: the events table is empty and has no unique index for the duration of the load.
    pub fn new(conn: &'c Connection, layout: EventsLayout, bulk: bool) -> rusqlite::Result<Self> {
        let cols = ["dedup_key", "customer", "type", "occurred_at", "properties"].map(Col::plain);
        Ok(EventsImporter {
            upsert: if bulk {
                Upsert::bulk(conn, "events", &["dedup_key"], &cols)?
            } else {
                Upsert::new(conn, "events", &["dedup_key"], &cols)?
            },
            customers: IdMap::load(conn, "customers", None)?,
            layout,
        })
    }

    pub fn customers_created(&self) -> u64 {
        self.customers.created
    }

    pub fn import(&mut self, row: &Row) -> Result<Outcome, RowFailure> {
        let l = &self.layout;
        let customer_id = row.required(l.customer, "customer_id")?;
        let kind = row.required(l.kind, "type")?;
        let occurred_at = parse_req(
            row.required(l.occurred_at, "occurred_at"),
            "occurred_at",
            parse_datetime,
        )?;
        let mut properties = Map::new();
        for (name, index) in &l.properties {
            if let Some(cell) = row.opt(Some(*index)) {
                properties.insert(name.clone(), typed_value(cell));
            }
        }
        let properties = Value::Object(properties).to_string();
        let hash;
        let key = match row.opt(l.event_id) {
            Some(event_id) => Key::Text(event_id),
            None => {
                let time = occurred_at.to_string();
                hash = content_hash(&[customer_id, kind, &time, &properties]).to_be_bytes();
                Key::Blob(&hash)
            }
        };
        let customer = self.customers.get_or_create(customer_id, None)?;
        let written = self.upsert.write(key, |b| {
            match key {
                Key::Text(text) => b.bind(text)?,
                Key::Blob(bytes) => b.bind(bytes)?,
                Key::Line(..) => b,
            }
            .bind(customer)?
            .bind(kind)?
            .bind(occurred_at)?
            .bind(&properties)?;
            Ok(())
        })?;
        Ok(written.0)
    }
}

/// FNV-1a (128 bit) over the parts, each followed by a zero byte so that part boundaries count.
/// The function is fixed forever: changing it would make re-imports duplicate old events.
pub fn content_hash(parts: &[&str]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut hash = OFFSET;
    for part in parts {
        for &byte in part.as_bytes().iter().chain(std::iter::once(&0)) {
            hash ^= u128::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::content_hash;

    #[test]
    fn hash_is_stable_and_separates_parts() {
        assert_ne!(content_hash(&["ab", "c"]), content_hash(&["a", "bc"]));
        assert_eq!(content_hash(&["x"]), content_hash(&["x"]));
        assert_ne!(content_hash(&["x"]), content_hash(&["y"]));
    }
}
