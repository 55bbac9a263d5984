//! Recognising and mapping Shopify's customers export.
//!
//! Shopify has shipped two layouts. The older one starts `First Name,Last Name,Email,Company,
//! Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts
//! Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt` (some versions begin with
//! `Customer ID`). The newer one is `Customer ID,First Name,Last Name,Email,Accepts Email
//! Marketing,Default Address Company,Default Address Address1,Default Address Address2,Default
//! Address City,Default Address Province Code,Default Address Country Code,Default Address Zip,
//! Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,Tax Exempt,
//! Tags`. Shopify writes ids and zip codes with a leading apostrophe (`'7010259566818`) so that
//! spreadsheets keep them as text; the apostrophe is dropped.

use super::entity::{CellKind, EntityLayout, Field};
use super::header::Header;

/// True when the header is one of Shopify's customers exports.
pub fn is_shopify_customers(header: &Header) -> bool {
    header.has("first name")
        && header.has("last name")
        && header.has("email")
        && (header.has("accepts email marketing") || header.has("accepts marketing"))
}

/// The store column, the cell kind and the Shopify column names that feed it, newest first.
const MAPPING: &[(&str, CellKind, &[&str])] = &[
    ("email", CellKind::Email, &["email"]),
    ("first_name", CellKind::Text, &["first name"]),
    ("last_name", CellKind::Text, &["last name"]),
    (
        "accepts_marketing",
        CellKind::Bool,
        &["accepts email marketing", "accepts marketing"],
    ),
    ("city", CellKind::Text, &["default address city", "city"]),
    (
        "region",
        CellKind::Text,
        &["default address province code", "province code"],
    ),
    (
        "country",
        CellKind::Text,
        &["default address country code", "country code"],
    ),
    ("zip", CellKind::QuotedText, &["default address zip", "zip"]),
    (
        "phone",
        CellKind::QuotedText,
        &["phone", "default address phone"],
    ),
    ("tags", CellKind::Tags, &["tags"]),
];

/// The layout of a Shopify customers export; a row is keyed by its Customer ID, or by its
/// email when the export has no ids. A customer that an orders import created for an order
/// without email under `phone:PHONE` is adopted by the row with that phone.
pub fn shopify_customers_layout(header: &mut Header) -> Result<EntityLayout, Vec<String>> {
    let key = header.find("customer id");
    let mut fields = Vec::new();
    for &(column, kind, names) in MAPPING {
        if let Some(index) = header.find_any(names) {
            fields.push(Field {
                column,
                kind,
                index,
                label: header.name(index).to_owned(),
            });
        }
    }
    let email = header.find("email");
    if key.is_none() && email.is_none() {
        return Err(vec!["Customer ID or Email".to_owned()]);
    }
    Ok(EntityLayout {
        table: "customers",
        key,
        key_fallback: email,
        key_label: "Customer ID and Email (one is needed to identify the customer)",
        fields,
        attributes: Vec::new(),
        adopt_by_email: email.filter(|_| key.is_some()),
        adopt_by_phone: header.find_any(&["phone", "default address phone"]),
    })
}
