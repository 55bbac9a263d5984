//! The result of an import, counted per data row, and its short human rendering.

use std::fmt;
use std::path::PathBuf;

use super::error::Rejection;

/// How the file was read: the documented generic columns or a recognised Shopify export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectedFormat {
    Generic,
    ShopifyCustomers,
    ShopifyOrders,
    ShopifyProducts,
}

impl fmt::Display for DetectedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DetectedFormat::Generic => "generic",
            DetectedFormat::ShopifyCustomers => "Shopify customers export",
            DetectedFormat::ShopifyOrders => "Shopify orders export",
            DetectedFormat::ShopifyProducts => "Shopify products export",
        })
    }
}

/// What an import did. Every data row read ends in exactly one of inserted, updated, unchanged
/// or rejected; a Shopify orders row counts as inserted when its order or its line item was new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub file: PathBuf,
    pub format: DetectedFormat,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Customers created only because an order or event referred to them.
    pub customers_created: u64,
    /// Products created only because a line item referred to them.
    pub products_created: u64,
    /// Columns present in the file that this import does not use.
    pub ignored_columns: Vec<String>,
    /// The reject file, written when at least one row was rejected.
    pub reject_file: Option<PathBuf>,
    /// The first rejected rows (line and reason), quoted in the rendering so a merchant sees
    /// what to fix without opening the reject file.
    pub first_rejects: Vec<Rejection>,
}

impl ImportSummary {
    pub(super) fn new(file: PathBuf, format: DetectedFormat) -> Self {
        ImportSummary {
            file,
            format,
            rows_read: 0,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            rejected: 0,
            customers_created: 0,
            products_created: 0,
            ignored_columns: Vec::new(),
            reject_file: None,
            first_rejects: Vec::new(),
        }
    }
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "imported {} ({}): {} rows read",
            self.file.display(),
            self.format,
            self.rows_read
        )?;
        write!(
            f,
            "  {} inserted, {} updated, {} unchanged, {} rejected",
            self.inserted, self.updated, self.unchanged, self.rejected
        )?;
        if let Some(path) = &self.reject_file {
            write!(f, " (see {})", path.display())?;
        }
        for rejection in &self.first_rejects {
            write!(
                f,
                "\n  {} line {}: {}",
                self.file.display(),
                rejection.line,
                rejection.reason
            )?;
        }
        if self.rejected > self.first_rejects.len() as u64 && !self.first_rejects.is_empty() {
            write!(
                f,
                "\n  ... and {} more rejected rows",
                self.rejected - self.first_rejects.len() as u64
            )?;
        }
        if self.customers_created > 0 || self.products_created > 0 {
            write!(
                f,
                "\n  created {} new customers and {} new products referred to by the rows",
                self.customers_created, self.products_created
            )?;
        }
        if !self.ignored_columns.is_empty() {
            write!(
                f,
                "\n  ignored columns: {}",
                self.ignored_columns.join(", ")
            )?;
        }
        Ok(())
    }
}
