//! An in-memory map from external ids to internal ids for customers or products, preloaded from
//! the store, so that resolving the customer of each of millions of orders is a hash lookup and
//! an unknown one is created on the spot with only its external id.

use std::collections::HashMap;

use rusqlite::{Connection, Statement};

use super::upsert::Binder;

pub struct IdMap<'c> {
    map: HashMap<String, i64>,
    insert: Statement<'c>,
    /// How many rows this map inserted.
    pub created: u64,
}

impl<'c> IdMap<'c> {
    /// Loads every external id of `table`; `extra` names one more column set when creating
    /// (the email of a customer created from a Shopify order, the title of a product).
    pub fn load(conn: &'c Connection, table: &str, extra: Option<&str>) -> rusqlite::Result<Self> {
        let mut map = HashMap::new();
        let mut select = conn.prepare(&format!("SELECT external_id, id FROM {table}"))?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            map.insert(row.get(0)?, row.get(1)?);
        }
        let insert = match extra {
            Some(col) => conn.prepare(&format!(
                "INSERT INTO {table} (external_id, {col}) VALUES (?1, ?2) RETURNING id"
            ))?,
            None => conn.prepare(&format!(
                "INSERT INTO {table} (external_id) VALUES (?1) RETURNING id"
            ))?,
        };
        Ok(IdMap {
            map,
            insert,
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
        if let Some(id) = self.get(external_id) {
            return Ok(id);
        }
        let has_extra = self.insert.parameter_count() > 1;
        let mut binder = Binder::new(&mut self.insert);
        binder.bind(external_id)?;
        if has_extra {
            binder.bind(extra)?;
        }
        let id = binder
            .returning_id()?
            .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        self.created += 1;
        self.map.insert(external_id.to_owned(), id);
        Ok(id)
    }
}
