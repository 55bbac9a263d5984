//! The customer columns of the snapshot and their loader.

use rusqlite::Connection;

use super::dynamic::{push_string_list, DynPool};
use super::interner::{Interner, Sym, NONE};
use super::read::{for_each_row, offset, opt_i64, opt_str, At, Scope};
use super::text::TextColumn;
use super::NULL_TIME;
use crate::store::StoreError;

/// One entry per customer, in ascending internal id order.
#[derive(Default, Debug)]
pub struct Customers {
    pub ids: Vec<i64>,
    pub external_id: TextColumn,
    pub email: TextColumn,
    pub first_name: Vec<Sym>,
    pub last_name: Vec<Sym>,
    /// Unix milliseconds, `NULL_TIME` when missing.
    pub created_at: Vec<i64>,
    /// Unix milliseconds (midnight UTC), `NULL_TIME` when missing.
    pub birthday: Vec<i64>,
    pub gender: Vec<Sym>,
    pub country: Vec<Sym>,
    pub region: Vec<Sym>,
    pub city: Vec<Sym>,
    pub zip: Vec<Sym>,
    pub timezone: Vec<Sym>,
    pub accepts_marketing: Vec<Option<bool>>,
    /// Customer `k`'s tags are `tags[tag_offsets[k]..tag_offsets[k + 1]]`.
    pub tag_offsets: Vec<u32>,
    pub tags: Vec<Sym>,
    /// Customer `k`'s attributes are `attributes.entries[attr_offsets[k]..attr_offsets[k + 1]]`.
    pub attr_offsets: Vec<u32>,
}

const COLUMNS: &str = "id, external_id, email, first_name, last_name, created_at, birthday, \
    gender, country, region, city, zip, timezone, accepts_marketing, tags, attributes";

impl Customers {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The tags of customer `k`.
    #[inline]
    pub fn tags_of(&self, k: usize) -> &[Sym] {
        &self.tags[self.tag_offsets[k] as usize..self.tag_offsets[k + 1] as usize]
    }

    pub(super) fn load(
        conn: &Connection,
        scope: Scope,
        strings: &mut Interner,
        attributes: &mut DynPool,
    ) -> Result<Customers, StoreError> {
        let mut c = Customers {
            tag_offsets: vec![0],
            attr_offsets: vec![0],
            ..Customers::default()
        };
        let sql_all = format!("SELECT {COLUMNS} FROM customers ORDER BY id");
        let sql_one = format!("SELECT {COLUMNS} FROM customers WHERE id = ?1");
        for_each_row(conn, scope, &sql_all, &sql_one, |row| {
            let id: i64 = row.get(0)?;
            let at = At {
                table: "customers",
                row: id,
            };
            let mut sym = |idx: usize, column: &'static str| -> Result<Sym, StoreError> {
                Ok(opt_str(row, idx, at, column)?.map_or(NONE, |s| strings.intern(s)))
            };
            c.first_name.push(sym(3, "first_name")?);
            c.last_name.push(sym(4, "last_name")?);
            c.gender.push(sym(7, "gender")?);
            c.country.push(sym(8, "country")?);
            c.region.push(sym(9, "region")?);
            c.city.push(sym(10, "city")?);
            c.zip.push(sym(11, "zip")?);
            c.timezone.push(sym(12, "timezone")?);
            c.ids.push(id);
            c.external_id
                .push(Some(opt_str(row, 1, at, "external_id")?.unwrap_or("")));
            c.email.push(opt_str(row, 2, at, "email")?);
            c.created_at
                .push(opt_i64(row, 5, at, "created_at")?.unwrap_or(NULL_TIME));
            c.birthday
                .push(opt_i64(row, 6, at, "birthday")?.unwrap_or(NULL_TIME));
            c.accepts_marketing
                .push(opt_i64(row, 13, at, "accepts_marketing")?.map(|v| v != 0));
            let tags = opt_str(row, 14, at, "tags")?.unwrap_or("[]");
            push_string_list(tags, strings, &mut c.tags)
                .map_err(|e| at.bad("tags", format!("not a JSON array of strings ({e})")))?;
            c.tag_offsets.push(offset(c.tags.len(), "customers")?);
            let attrs = opt_str(row, 15, at, "attributes")?.unwrap_or("{}");
            attributes
                .push_object(attrs, strings)
                .map_err(|e| at.bad("attributes", format!("not a JSON object ({e})")))?;
            c.attr_offsets
                .push(offset(attributes.entries.len(), "customers")?);
            Ok(())
        })?;
        Ok(c)
    }
}
