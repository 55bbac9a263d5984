//! CSV import into the store: customers, orders, order items, products and events, in
//! segflow's generic layouts or as Shopify exports.
//!
//! # File formats
//!
//! Every file starts with a header line. Column names are matched trimmed and
//! case-insensitively; columns not listed here are ignored (the summary names them). Files may
//! start with a UTF-8 byte order mark, use CRLF line ends, and quote cells (`"Smith, Jr."`,
//! `"say ""hi"""`). Cells are trimmed. An empty cell means "no value".
//!
//! - **customers**: `customer_id,email,first_name,last_name,created_at,birthday,gender,country,
//!   region,city,zip,timezone,accepts_marketing,tags`. Only `customer_id` is required.
//!   `tags` is a comma-separated list inside the cell (`"vip, wholesale"`). `accepts_marketing`
//!   is true/false/yes/no/1/0 in any case. `birthday` is a date, stored as midnight UTC. Any
//!   `attr.NAME` column sets the custom attribute NAME: a cell that parses as a JSON array, a
//!   number or true/false keeps that type, anything else is a string, and an empty cell removes
//!   the attribute. Attributes not named in the file are kept.
//! - **orders**: `order_id,customer_id,placed_at,total` required; `discount,status,channel,
//!   currency` optional. Money is a decimal amount in major units (`49.99`, at most two
//!   decimals), stored exactly as integer cents. An unknown `customer_id` creates a customer
//!   with only that id.
//! - **items**: `order_id,product_id` required; `quantity` (default 1) and `price` (default 0)
//!   optional. The order must already be stored (otherwise the row is rejected); an unknown
//!   product is created with only its id. One item per (order, product).
//! - **products**: `product_id` required; `title,category,price,tags` optional.
//! - **events**: `customer_id,type,occurred_at` required; optional `event_id`; any `prop.NAME`
//!   column becomes the property NAME (typed like attributes; empty cells are left out). An
//!   event is identified by its `event_id`, or else by a hash of its customer, type, time and
//!   properties, so importing the same file twice adds nothing. An unknown customer is created.
//! - **Dates**: `2024-03-05`, `2024-03-05 14:22:10` (UTC), RFC 3339 such as
//!   `2024-03-05T14:22:10+01:00` or `...Z` (fractions of a second are truncated to ms), and
//!   Shopify's `2024-03-05 14:22:10 -0500`.
//! - **Shopify**: a customers export (older `Accepts Marketing` or newer `Accepts Email
//!   Marketing` layout) imported as `customers`, and an orders export imported as `orders`,
//!   are recognised by their headers; see the `shopify_customers` and `shopify_orders`
//!   modules for the mapping.
//!
//! # Behaviour
//!
//! Rows are upserted by their external id and only columns present in the file are written, so
//! importing the same file again changes nothing and reports every row as unchanged. A
//! malformed row (bad date or number, missing required value, wrong number of fields, bytes
//! that are not UTF-8) is skipped and written to `NAME.rejects.csv` beside the input (or in
//! `ImportOptions::reject_dir`) with a `reason` and a `line` column; the rest is imported. With
//! `strict`, any bad row makes the import write nothing and fail, listing the first bad rows.
//! A file is imported in one transaction.
//!
//! # Bulk loads
//!
//! A generic file loaded into an EMPTY table is a bulk load (see `bulk`, `pragmas`): the
//! table's indexes, unique ones included, are dropped and rebuilt from the finished table
//! inside the same transaction, repeated keys within the file are found in memory (about 17
//! bytes per row unless the keys arrive in ascending order) and written as the upsert would,
//! and the database uses the rollback journal instead of WAL while the load runs. Line items
//! need no such memory (each line's key is new by construction, `lines`), and orders get their
//! `counted` with the row rather than from a recount of the finished table. The result, the
//! summary and strict mode are exactly those of a row-by-row import.

mod bulk;
pub mod cell;
mod column_map;
mod customers;
mod detect;
mod entity;
mod error;
pub(crate) mod events;
mod header;
mod ids;
mod items;
mod json_text;
mod lines;
mod order_ids;
pub(crate) mod orders;
mod pragmas;
mod reader;
mod rejects;
mod run;
mod shopify_buyer;
mod shopify_customers;
mod shopify_orders;
mod shopify_products;
mod summary;
mod upsert;

use std::fmt;
use std::path::{Path, PathBuf};

pub use column_map::ColumnMap;
pub use error::{ImportError, Rejection};
pub use summary::{DetectedFormat, ImportSummary};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    Customers,
    Orders,
    Items,
    Products,
    Events,
}

impl ImportKind {
    /// The kind's name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ImportKind::Customers => "customers",
            ImportKind::Orders => "orders",
            ImportKind::Items => "items",
            ImportKind::Products => "products",
            ImportKind::Events => "events",
        }
    }
}

impl ImportKind {
    /// The table a file of this kind is loaded into.
    pub(crate) fn table(self) -> &'static str {
        match self {
            ImportKind::Customers => "customers",
            ImportKind::Orders => "orders",
            ImportKind::Items => "order_items",
            ImportKind::Products => "products",
            ImportKind::Events => "events",
        }
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Write nothing at all when any row is bad.
    pub strict: bool,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Where `NAME.rejects.csv` goes; by default beside the input file.
    pub reject_dir: Option<PathBuf>,
    /// Renames the file's columns to segflow's (`--map`).
    pub map: Option<ColumnMap>,
}

/// Imports the CSV file at `path` as `kind` into the store behind `conn`.
pub fn import_csv(
    conn: &mut rusqlite::Connection,
    kind: ImportKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    run::run(conn, kind, path, opts)
}
