//! The column layout of a generic customers file and of a products file.

use super::entity::{CellKind, EntityLayout, Field};
use super::header::Header;

/// The optional customer columns, their store column and how their cells are parsed.
const CUSTOMER_FIELDS: &[(&str, CellKind)] = &[
    ("email", CellKind::Email),
    ("first_name", CellKind::Text),
    ("last_name", CellKind::Text),
    ("created_at", CellKind::DateTime),
    ("birthday", CellKind::Day),
    ("gender", CellKind::Text),
    ("country", CellKind::Text),
    ("region", CellKind::Text),
    ("city", CellKind::Text),
    ("zip", CellKind::Text),
    ("phone", CellKind::QuotedText),
    ("timezone", CellKind::Text),
    ("accepts_marketing", CellKind::Bool),
    ("tags", CellKind::Tags),
];

const PRODUCT_FIELDS: &[(&str, CellKind)] = &[
    ("title", CellKind::Text),
    ("category", CellKind::Text),
    ("price", CellKind::Cents),
    ("tags", CellKind::Tags),
];

/// The layout of a generic customers file, or the missing required columns.
pub fn customers_layout(header: &mut Header) -> Result<EntityLayout, Vec<String>> {
    let key = header
        .find("customer_id")
        .ok_or_else(|| vec!["customer_id".to_owned()])?;
    Ok(EntityLayout {
        table: "customers",
        key: Some(key),
        key_fallback: None,
        key_label: "customer_id",
        fields: fields(header, CUSTOMER_FIELDS),
        attributes: header.prefixed("attr."),
        adopt_by_email: None,
        adopt_by_phone: None,
    })
}

/// The layout of a products file, or the missing required columns.
pub fn products_layout(header: &mut Header) -> Result<EntityLayout, Vec<String>> {
    let key = header
        .find("product_id")
        .ok_or_else(|| vec!["product_id".to_owned()])?;
    Ok(EntityLayout {
        table: "products",
        key: Some(key),
        key_fallback: None,
        key_label: "product_id",
        fields: fields(header, PRODUCT_FIELDS),
        attributes: Vec::new(),
        adopt_by_email: None,
        adopt_by_phone: None,
    })
}

fn fields(header: &mut Header, known: &[(&'static str, CellKind)]) -> Vec<Field> {
    known
        .iter()
        .filter_map(|&(column, kind)| {
            let index = header.find(column)?;
            Some(Field {
                column,
                kind,
                index,
                label: header.name(index).to_owned(),
            })
        })
        .collect()
}
