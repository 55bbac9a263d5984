//! The import loop: reads the file record by record, checks each row's shape and encoding,
//! hands it to the importer of its kind inside one transaction, routes bad rows to the reject
//! file, and commits (or, in strict mode with bad rows, rolls back).

use std::fs::File;
use std::path::Path;

use csv::ByteRecord;
use indicatif::{ProgressBar, ProgressStyle};
use rusqlite::Connection;

use super::detect::{layout, Layout, LayoutError};
use super::entity::EntityImporter;
use super::error::{ImportError, RowFailure};
use super::events::EventsImporter;
use super::header::{Header, Row};
use super::items::ItemsImporter;
use super::orders::OrdersImporter;
use super::pragmas::SavedPragmas;
use super::reader::{ReadRow, RecordReader};
use super::rejects::RejectSink;
use super::shopify_orders::ShopifyOrdersImporter;
use super::shopify_products::ShopifyProductsImporter;
use super::summary::ImportSummary;
use super::upsert::Outcome;
use super::{ImportKind, ImportOptions};

/// How many rows pass between progress bar updates.
const PROGRESS_EVERY: u64 = 16_384;

enum Importer<'c> {
    Entity(Box<EntityImporter<'c>>),
    Orders(Box<OrdersImporter<'c>>),
    Items(Box<ItemsImporter<'c>>),
    Events(Box<EventsImporter<'c>>),
    ShopifyOrders(Box<ShopifyOrdersImporter<'c>>),
    ShopifyProducts(Box<ShopifyProductsImporter<'c>>),
}

impl<'c> Importer<'c> {
    fn new(conn: &'c Connection, layout: Layout, bulk: bool) -> rusqlite::Result<Self> {
        Ok(match layout {
            Layout::Entity(l) => Importer::Entity(Box::new(EntityImporter::new(conn, l, bulk)?)),
            Layout::Orders(l) => Importer::Orders(Box::new(OrdersImporter::new(conn, l, bulk)?)),
            Layout::Items(l) => Importer::Items(Box::new(ItemsImporter::new(conn, l, bulk)?)),
            Layout::Events(l) => Importer::Events(Box::new(EventsImporter::new(conn, l, bulk)?)),
            Layout::ShopifyOrders(l) => {
                Importer::ShopifyOrders(Box::new(ShopifyOrdersImporter::new(conn, l)?))
            }
            Layout::ShopifyProducts(l) => {
                Importer::ShopifyProducts(Box::new(ShopifyProductsImporter::new(conn, l)?))
            }
        })
    }

    fn import(&mut self, row: &Row) -> Result<Outcome, RowFailure> {
        match self {
            Importer::Entity(i) => i.import(row),
            Importer::Orders(i) => i.import(row),
            Importer::Items(i) => i.import(row),
            Importer::Events(i) => i.import(row),
            Importer::ShopifyOrders(i) => i.import(row),
            Importer::ShopifyProducts(i) => i.import(row),
        }
    }

    /// The kind of file that must be imported before this one, when some row referred to a
    /// record of that kind the store lacks (a line item whose order is unknown).
    fn import_first(&self) -> Option<&'static str> {
        match self {
            Importer::Items(i) if i.missing_orders > 0 => Some("orders"),
            _ => None,
        }
    }

    /// True when the importer may have written orders whose `counted` is out of date, so the
    /// import ends with `order_status::recount_all`. A bulk load of orders writes `counted` with
    /// each row, and line items never change an order.
    fn needs_recount(&self) -> bool {
        match self {
            Importer::Orders(i) => !i.counted_itself(),
            Importer::ShopifyOrders(_) => true,
            _ => false,
        }
    }

    /// Customers and products created as a side effect.
    fn created(&self) -> (u64, u64) {
        match self {
            Importer::Entity(_) | Importer::ShopifyProducts(_) => (0, 0),
            Importer::Orders(i) => (i.customers_created(), 0),
            Importer::Items(i) => (0, i.products_created()),
            Importer::Events(i) => (i.customers_created(), 0),
            Importer::ShopifyOrders(i) => i.created(),
        }
    }
}

/// The most columns a file may have; import time is linear in them (`store::merge_patch`).
pub const MAX_COLUMNS: usize = 100_000;

pub fn run(
    conn: &mut Connection,
    kind: ImportKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let saved = SavedPragmas::apply(conn, kind.table()).map_err(|source| ImportError::Sqlite {
        path: path.to_path_buf(),
        line: 0,
        source,
    })?;
    let result = run_in_transaction(conn, kind, path, opts);
    saved.restore(conn);
    result
}

fn run_in_transaction(
    conn: &mut Connection,
    kind: ImportKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let read_error = |source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let mut record = ByteRecord::new();
    let has_header = reader
        .read_byte_record(&mut record)
        .map_err(|e| read_error(csv_io(e)))?;
    let mut header = Header::from_record(&record);
    if !has_header || header.names().iter().all(String::is_empty) {
        return Err(ImportError::Empty {
            path: path.to_path_buf(),
        });
    }
    if header.len() > MAX_COLUMNS {
        return Err(ImportError::TooManyColumns {
            path: path.to_path_buf(),
            count: header.len(),
            max: MAX_COLUMNS,
        });
    }
    if let Some(map) = &opts.map {
        map.apply(&mut header).map_err(ImportError::Map)?;
    }
    let (format, layout) = layout(kind, &mut header).map_err(|error| match error {
        LayoutError::Missing(missing) => ImportError::MissingColumns {
            path: path.to_path_buf(),
            kind: kind.name(),
            missing,
            found: header.names().to_vec(),
        },
        LayoutError::WrongKind { detected, expected } => ImportError::WrongKind {
            path: path.to_path_buf(),
            detected,
            expected,
            requested: kind.name(),
        },
    })?;
    let mut summary = ImportSummary::new(path.to_path_buf(), format);
    summary.ignored_columns = header.ignored();
    let mut rejects = RejectSink::new(path, opts.reject_dir.as_deref(), &record);
    let progress = progress_bar(opts.progress, size);

    let sqlite_error = |line, source| ImportError::Sqlite {
        path: path.to_path_buf(),
        line,
        source,
    };
    let tx = conn.transaction().map_err(|e| sqlite_error(0, e))?;
    let import_first;
    let recount;
    let table = layout.main_table();
    let (deferred, bulk) =
        defer_indexes(&tx, table, layout.supports_bulk()).map_err(|e| sqlite_error(0, e))?;
    {
        let mut importer = Importer::new(&tx, layout, bulk).map_err(|e| sqlite_error(0, e))?;
        let width = header.len();
        let rows = RecordReader::spawn(reader);
        while let Some(batch) = rows.next_batch() {
            let batch = batch.map_err(|e| read_error(csv_io(e)))?;
            let mut spent: Vec<ReadRow> = Vec::with_capacity(batch.len());
            for row in batch {
                // A row that is not UTF-8 takes its line from its bytes below.
                let position = row.as_ref().ok().and_then(|text| text.position());
                let line = position.map_or(0, |p| p.line());
                summary.rows_read += 1;
                if summary.rows_read.is_multiple_of(PROGRESS_EVERY) {
                    progress.set_position(position.map_or(0, |p| p.byte()));
                }
                let text = match row {
                    Ok(text) => text,
                    Err(error) => {
                        let field = error.utf8_error().field();
                        let record = error.into_byte_record();
                        let line = record.position().map_or(0, |p| p.line());
                        let reason = if record.len() != width {
                            wrong_width(width, record.len())
                        } else {
                            format!(
                                "column {} is not valid UTF-8 text; save the file as UTF-8",
                                header.name(field)
                            )
                        };
                        rejects.reject(&record, width, line, reason)?;
                        continue;
                    }
                };
                if text.len() != width {
                    let reason = wrong_width(width, text.len());
                    rejects.reject(text.as_byte_record(), width, line, reason)?;
                } else {
                    match importer.import(&Row { record: &text }) {
                        Ok(Outcome::Inserted) => summary.inserted += 1,
                        Ok(Outcome::Updated) => summary.updated += 1,
                        Ok(Outcome::Unchanged) => summary.unchanged += 1,
                        Err(RowFailure::Reject(reason)) => {
                            rejects.reject(text.as_byte_record(), width, line, reason)?
                        }
                        Err(RowFailure::Db(source)) => return Err(sqlite_error(line, source)),
                    }
                }
                spent.push(Ok(text));
            }
            rows.recycle(spent);
        }
        (summary.customers_created, summary.products_created) = importer.created();
        import_first = importer.import_first();
        recount = importer.needs_recount();
    }
    progress.finish_and_clear();
    summary.rejected = rejects.count;
    if opts.strict && rejects.count > 0 {
        drop(tx);
        let first = std::mem::take(&mut rejects.first);
        let count = rejects.count;
        let reject_file = rejects.finish()?;
        return Err(ImportError::Strict {
            path: path.to_path_buf(),
            count,
            first,
            reject_file,
        });
    }
    // A file of which no row could be imported is a mistake to stop on (the wrong file, or
    // lines imported before their orders), not a success with a reject file nobody reads.
    if summary.rows_read > 0 && rejects.count == summary.rows_read {
        drop(tx);
        let first = rejects.first.first().cloned();
        let count = rejects.count;
        let reject_file = rejects.finish()?;
        return Err(ImportError::AllRejected {
            path: path.to_path_buf(),
            count,
            first,
            import_first,
            reject_file,
        });
    }
    for sql in deferred {
        tx.execute_batch(&sql).map_err(|e| sqlite_error(0, e))?;
    }
    // The imported orders' status and cancellation decide whether they count as purchases.
    if recount {
        crate::store::order_status::recount_all(&tx).map_err(|e| sqlite_error(0, e))?;
    }
    tx.commit().map_err(|e| sqlite_error(0, e))?;
    summary.first_rejects = std::mem::take(&mut rejects.first);
    summary.reject_file = rejects.finish()?;
    Ok(summary)
}

/// Drops the explicitly created indexes of `table` when it is empty, returning the statements
/// that recreate them at the end of the transaction, and whether the load is a bulk load:
/// building an index once from the finished table (SQLite sorts it first) is much faster than
/// growing it one random insert at a time. Unique indexes are dropped too when the importer
/// `can_bulk` load (it then detects repeated keys in memory, see `bulk`); otherwise they stay,
/// as the upserts rely on them. A unique constraint SQLite cannot drop (one written inline in
/// a table definition) keeps the load an ordinary one.
fn defer_indexes(
    conn: &Connection,
    table: &str,
    can_bulk: bool,
) -> rusqlite::Result<(Vec<String>, bool)> {
    let empty: bool = conn.query_row(
        &format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"),
        [],
        |r| r.get(0),
    )?;
    if !empty {
        return Ok((Vec::new(), false));
    }
    let mut stmt = conn.prepare(
        "SELECT l.name, m.sql, l.\"unique\" FROM pragma_index_list(?1) l \
         LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name",
    )?;
    let indexes: Vec<(String, Option<String>, bool)> = stmt
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let fixed_unique = indexes
        .iter()
        .any(|(_, sql, unique)| *unique && sql.is_none());
    let bulk = can_bulk && !fixed_unique;
    let mut deferred = Vec::new();
    // The change journal's per-row triggers would double the work of a bulk load; one NULL row
    // ("everything changed") tells the daemon to reload its snapshot instead.
    for (name, sql) in crate::store::change_triggers(conn, table)? {
        conn.execute_batch(&format!("DROP TRIGGER \"{}\"", name.replace('"', "\"\"")))?;
        deferred.push(sql);
    }
    if !deferred.is_empty() {
        deferred.push("INSERT INTO store_changes (customer) VALUES (NULL)".to_string());
    }
    for (name, sql, unique) in indexes {
        let Some(sql) = sql else { continue };
        if unique && !bulk {
            continue;
        }
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
        deferred.push(sql);
    }
    Ok((deferred, bulk))
}

fn wrong_width(width: usize, found: usize) -> String {
    format!("expected {width} fields as in the header, found {found}; a cell holding a comma, a quote or a line break must be in double quotes, with quotes inside doubled (\"Notebook, \"\"dotted\"\"\")")
}

/// The reader of byte records only fails on I/O.
fn csv_io(error: csv::Error) -> std::io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

fn progress_bar(enabled: bool, size: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}
