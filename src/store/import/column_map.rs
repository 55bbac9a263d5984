//! `segflow import KIND FILE --map MAP.toml`: a small column map, so an export from another
//! platform (WooCommerce, Wix, a spreadsheet) imports without editing the CSV. The map names,
//! for segflow's own columns, the file's column that holds them:
//!
//! ```toml
//! [columns]
//! order_id = "Order Number"
//! customer_id = "Billing Email Address"
//! placed_at = "Order Date"
//! total = "Order Total Amount"
//! ```
//!
//! The file's columns are renamed before the layout is recognised, so everything else (cells,
//! rejects, summaries) works as for a file written with segflow's names. A mapped column the
//! file does not have, or a name segflow does not know for the kind, stops the import before
//! anything is read, with the map file and what to write instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::header::Header;
use super::ImportKind;

/// A loaded column map: segflow's column name → the file's column name.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMap {
    pub path: PathBuf,
    columns: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    columns: BTreeMap<String, String>,
}

/// segflow's column names per kind (README, "Importing data"); `attr.NAME` and `prop.NAME` are
/// allowed where the kind has them.
fn known(kind: ImportKind) -> (&'static [&'static str], Option<&'static str>) {
    match kind {
        ImportKind::Customers => (
            &[
                "customer_id",
                "email",
                "phone",
                "first_name",
                "last_name",
                "created_at",
                "birthday",
                "gender",
                "country",
                "region",
                "city",
                "zip",
                "timezone",
                "accepts_marketing",
                "tags",
            ],
            Some("attr."),
        ),
        ImportKind::Orders => (
            &[
                "order_id",
                "customer_id",
                "placed_at",
                "total",
                "discount",
                "status",
                "channel",
                "currency",
                "refunded",
                "cancelled_at",
            ],
            None,
        ),
        ImportKind::Items => (&["order_id", "product_id", "quantity", "price"], None),
        ImportKind::Products => (&["product_id", "title", "category", "price", "tags"], None),
        ImportKind::Events => (
            &["customer_id", "type", "occurred_at", "event_id"],
            Some("prop."),
        ),
    }
}

/// What is wrong with a column map, or with a file it is applied to.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("cannot read the column map {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}\nwrite the map as a [columns] table of `segflow_name = \"File column\"` lines", .path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("{}: `{name}` is not one of segflow's {kind} columns; map one of: {known}", .path.display())]
    Unknown {
        path: PathBuf,
        name: String,
        kind: &'static str,
        known: String,
    },
    #[error("{}: `{name}` maps to an empty column name; write the file's column, such as {name} = \"Order Date\"", .path.display())]
    Empty { path: PathBuf, name: String },
    #[error("{}: `{name}` maps to the column \"{source_column}\", which the file does not have; its columns are: {columns}", .path.display())]
    NotInFile {
        path: PathBuf,
        name: String,
        source_column: String,
        columns: String,
    },
}

impl ColumnMap {
    /// Reads and checks a map for `kind`.
    pub fn load(path: &Path, kind: ImportKind) -> Result<ColumnMap, MapError> {
        let text = std::fs::read_to_string(path).map_err(|source| MapError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let raw: RawMap = toml::from_str(&text).map_err(|e| MapError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let (names, prefix) = known(kind);
        for (name, source) in &raw.columns {
            let ok = names.contains(&name.as_str())
                || prefix.is_some_and(|p| name.len() > p.len() && name.starts_with(p));
            if !ok {
                let mut list = names.join(", ");
                if let Some(p) = prefix {
                    list.push_str(&format!(", {p}NAME"));
                }
                return Err(MapError::Unknown {
                    path: path.to_path_buf(),
                    name: name.clone(),
                    kind: kind.name(),
                    known: list,
                });
            }
            if source.trim().is_empty() {
                return Err(MapError::Empty {
                    path: path.to_path_buf(),
                    name: name.clone(),
                });
            }
        }
        Ok(ColumnMap {
            path: path.to_path_buf(),
            columns: raw.columns,
        })
    }

    /// Renames the file's columns to segflow's names. A column that already bears one of the
    /// mapped names (WooCommerce's own `order_id` when the map takes `order_number` as the
    /// order id) is set aside, so the mapped column is the one that counts.
    pub fn apply(&self, header: &mut Header) -> Result<(), MapError> {
        for (name, source) in &self.columns {
            let source = source.trim().to_lowercase();
            if source != *name {
                header.rename(name, &format!("{name} (set aside by the column map)"));
            }
        }
        for (name, source) in &self.columns {
            if !header.rename(&source.trim().to_lowercase(), name) {
                return Err(MapError::NotInFile {
                    path: self.path.clone(),
                    name: name.clone(),
                    source_column: source.clone(),
                    columns: header.names().join(", "),
                });
            }
        }
        Ok(())
    }
}
