//! Importing rows that describe one stored entity each, keyed by its external id: customers
//! (generic or Shopify layout) and products. A layout says which file column feeds which
//! store column and how its cells are parsed; the importer turns each row into one upsert.

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, Statement};

use super::bulk::Key;
use super::cell;
use super::error::RowFailure;
use super::header::Row;
use super::json_text;
use super::upsert::{Col, Outcome, Upsert};

/// How the cells of a column are parsed; an empty cell is always NULL (or `[]` for tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    Text,
    /// One email address (`cell::check_email`); a list or a line break rejects the row.
    Email,
    /// Text that Shopify prefixes with an apostrophe to keep spreadsheets from mangling it.
    QuotedText,
    DateTime,
    /// A date stored as unix ms at midnight UTC.
    Day,
    Bool,
    Cents,
    Tags,
}

/// One file column written to one store column.
pub struct Field {
    pub column: &'static str,
    pub kind: CellKind,
    pub index: usize,
    /// The column's name in the file, for messages.
    pub label: String,
}

/// How a file maps onto an entity table.
pub struct EntityLayout {
    pub table: &'static str,
    /// The column holding the external id, and a column used when that cell is empty.
    pub key: Option<usize>,
    pub key_fallback: Option<usize>,
    /// What a row without an external id lacks, for the reject reason.
    pub key_label: &'static str,
    pub fields: Vec<Field>,
    /// `attr.NAME` columns merged into `customers.attributes`.
    pub attributes: Vec<(String, usize)>,
    /// Shopify: before importing a customer under its Shopify id, adopt a customer that an
    /// orders import created under its lower-cased email (this column), so the two do not split.
    pub adopt_by_email: Option<usize>,
    /// Shopify: likewise adopt a customer an orders import created under `phone:PHONE` for an
    /// order without email (`shopify_buyer.rs`), with the phone of this column.
    pub adopt_by_phone: Option<usize>,
}

pub struct EntityImporter<'c> {
    layout: EntityLayout,
    upsert: Upsert<'c>,
    adopt: Option<Statement<'c>>,
    /// The attribute columns in the order their object is written (`json_text`).
    attributes: Vec<(String, usize)>,
    /// Reused buffers: the JSON of each tags field, the attributes patch, and the attributes
    /// object a new row stores (the patch without its nulls).
    tags: Vec<Vec<u8>>,
    patch: Vec<u8>,
    object: Vec<u8>,
}

impl<'c> EntityImporter<'c> {
    /// `bulk`: the table is empty and has no unique index for the duration of the load.
    pub fn new(
        conn: &'c Connection,
        mut layout: EntityLayout,
        bulk: bool,
    ) -> rusqlite::Result<Self> {
        if bulk {
            // A bulk load starts from an empty table, so no `phone:` customer exists to adopt,
            // and without its index each adoption would scan the table.
            layout.adopt_by_phone = None;
        }
        let mut cols = vec![Col::plain("external_id")];
        cols.extend(layout.fields.iter().map(|f| Col::plain(f.column)));
        if !layout.attributes.is_empty() {
            // A merge patch: set keys are replaced, keys whose cell is empty (null) are removed,
            // and attributes from other files are kept.
            cols.push(Col {
                name: "attributes",
                insert: "segflow_merge_patch('{}', $)",
                update: Some("segflow_merge_patch(customers.attributes, $)"),
                // A new row stores the patch applied to `{}`, which the importer writes itself.
                plain_insert: Some("$"),
            });
        }
        let upsert = if bulk {
            Upsert::bulk(conn, layout.table, &["external_id"], &cols)?
        } else {
            Upsert::new(conn, layout.table, &["external_id"], &cols)?
        };
        let adopt = match layout.adopt_by_email.or(layout.adopt_by_phone) {
            Some(_) => Some(conn.prepare(
                "UPDATE customers SET external_id = ?1 WHERE external_id = ?2 \
                 AND NOT EXISTS (SELECT 1 FROM customers WHERE external_id = ?1)",
            )?),
            None => None,
        };
        Ok(EntityImporter {
            attributes: json_text::object_columns(&layout.attributes),
            tags: layout.fields.iter().map(|_| Vec::new()).collect(),
            patch: Vec::new(),
            object: Vec::new(),
            layout,
            upsert,
            adopt,
        })
    }

    pub fn import(&mut self, row: &Row) -> Result<Outcome, RowFailure> {
        let layout = &self.layout;
        let key = row
            .opt(layout.key)
            .or_else(|| row.opt(layout.key_fallback))
            .map(strip_quote)
            .ok_or_else(|| {
                format!(
                    "missing {}; fill it in, as every row needs one",
                    layout.key_label
                )
            })?;
        if let (Some(adopt), Some(email)) = (&mut self.adopt, row.opt(layout.adopt_by_email)) {
            let email_key = email.to_lowercase();
            if row.opt(layout.key).is_some() && email_key != key {
                adopt.execute((key, email_key))?;
            }
        }
        if let (Some(adopt), Some(phone)) = (&mut self.adopt, row.opt(layout.adopt_by_phone)) {
            if let Some(phone) = cell::phone_key(phone) {
                adopt.execute((key, format!("phone:{phone}")))?;
            }
        }
        for (field, buf, cell) in layout
            .fields
            .iter()
            .zip(&mut self.tags)
            .map(|(f, b)| (f, b, row.opt(Some(f.index))))
        {
            if field.kind == CellKind::Tags {
                json_text::write_tags(buf, cell.unwrap_or(""));
            }
        }
        let has_attributes = !self.attributes.is_empty();
        if has_attributes {
            json_text::write_object(&mut self.patch, row, &self.attributes, true);
            json_text::write_object(&mut self.object, row, &self.attributes, false);
        }
        let mut values: Vec<ToSqlOutput> = Vec::with_capacity(layout.fields.len() + 1);
        values.push(text(Some(key)));
        for (field, tags) in layout.fields.iter().zip(&self.tags) {
            let cell = row.opt(Some(field.index));
            let failed = |source: cell::CellError| cell::ColumnError::Cell {
                label: field.label.to_string(),
                source,
            };
            let value: ToSqlOutput = match field.kind {
                CellKind::Text => text(cell),
                CellKind::Email => {
                    if let Some(address) = cell {
                        cell::check_email(address).map_err(failed)?;
                    }
                    text(cell)
                }
                CellKind::QuotedText => text(cell.map(strip_quote)),
                CellKind::DateTime => int(parsed(cell, cell::parse_datetime).map_err(failed)?),
                CellKind::Day => int(parsed(cell, cell::parse_datetime)
                    .map_err(failed)?
                    .map(|ms| ms.div_euclid(86_400_000) * 86_400_000)),
                CellKind::Bool => int(parsed(cell, cell::parse_bool)
                    .map_err(failed)?
                    .map(i64::from)),
                CellKind::Cents => int(parsed(cell, cell::parse_cents).map_err(failed)?),
                CellKind::Tags => ToSqlOutput::Borrowed(ValueRef::Text(tags)),
            };
            values.push(value);
        }
        let (patch, object) = (&self.patch, &self.object);
        let (outcome, _) = self.upsert.write(Key::Text(key), |b| {
            for value in &values {
                b.bind(value)?;
            }
            if has_attributes {
                let json = if b.new_row() { object } else { patch };
                b.bind(ToSqlOutput::Borrowed(ValueRef::Text(json)))?;
            }
            Ok(())
        })?;
        Ok(outcome)
    }
}

fn text(cell: Option<&str>) -> ToSqlOutput<'_> {
    match cell {
        Some(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
        None => ToSqlOutput::Owned(SqlValue::Null),
    }
}

fn int(value: Option<i64>) -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(value.map_or(SqlValue::Null, SqlValue::Integer))
}

fn parsed<T>(
    cell: Option<&str>,
    parse: fn(&str) -> Result<T, cell::CellError>,
) -> Result<Option<T>, cell::CellError> {
    cell.map(parse).transpose()
}

/// Removes the apostrophe Shopify puts before ids and zip codes.
pub fn strip_quote(text: &str) -> &str {
    text.strip_prefix('\'').unwrap_or(text)
}
