//! Writes the generated shop in the CSV import formats, one row at a time.
//!
//! The column lists here are the import contract: the importer reads exactly these headers.

use std::path::{Path, PathBuf};

use super::activity::Activity;
use super::calendar::{format_date, format_timestamp};
use super::catalog::Catalog;
use super::csv_file::CsvFile;
use super::customer::Customer;
use super::error::GenerateError;
use super::history::History;
use super::vocab::{CATEGORIES, CURRENCY, INTERESTS, TAGS, VALUES};

pub const CUSTOMERS_HEADER: [&str; 18] = [
    "customer_id",
    "email",
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
    "attr.values",
    "attr.interests",
    "attr.nps",
    "attr.loyalty_tier",
];
pub const PRODUCTS_HEADER: [&str; 5] = ["product_id", "title", "category", "price", "tags"];
pub const ORDERS_HEADER: [&str; 8] = [
    "order_id",
    "customer_id",
    "placed_at",
    "total",
    "discount",
    "status",
    "channel",
    "currency",
];
pub const ITEMS_HEADER: [&str; 4] = ["order_id", "product_id", "quantity", "price"];
pub const EVENTS_HEADER: [&str; 9] = [
    "customer_id",
    "type",
    "occurred_at",
    "prop.value",
    "prop.product_id",
    "prop.category",
    "prop.campaign",
    "prop.url",
    "prop.product_ids",
];

/// Row counts per file, in the order customers, products, orders, items, events.
pub struct Written {
    pub files: Vec<PathBuf>,
    pub rows: Vec<usize>,
}

/// The five output files and the running order number.
pub struct ShopWriter {
    customers: CsvFile,
    products: CsvFile,
    orders: CsvFile,
    items: CsvFile,
    events: CsvFile,
    next_order: u64,
    /// Reused for the list cells (tags, JSON arrays).
    list: String,
}

impl ShopWriter {
    pub fn create(dir: &Path) -> Result<ShopWriter, GenerateError> {
        Ok(ShopWriter {
            customers: CsvFile::create(dir, "customers.csv", &CUSTOMERS_HEADER)?,
            products: CsvFile::create(dir, "products.csv", &PRODUCTS_HEADER)?,
            orders: CsvFile::create(dir, "orders.csv", &ORDERS_HEADER)?,
            items: CsvFile::create(dir, "items.csv", &ITEMS_HEADER)?,
            events: CsvFile::create(dir, "events.csv", &EVENTS_HEADER)?,
            next_order: 1,
            list: String::new(),
        })
    }

    pub fn write_catalog(&mut self, catalog: &Catalog) -> Result<(), GenerateError> {
        let out = &mut self.products;
        for (index, product) in catalog.products.iter().enumerate() {
            out.fmt(format_args!("{}", ProductId(index as u32)))?;
            out.field(&product.title)?;
            out.field(CATEGORIES[product.category].name)?;
            out.money(product.price_cents)?;
            out.field(&product.tags)?;
            out.end_row()?;
        }
        Ok(())
    }

    pub fn write_customer(&mut self, c: &Customer) -> Result<(), GenerateError> {
        let out = &mut self.customers;
        out.fmt(format_args!("{}", CustomerId(c.number)))?;
        out.field(&c.email)?;
        out.field(c.first_name)?;
        out.field(c.last_name)?;
        out.field(format_timestamp(c.created_at))?;
        out.opt(c.birthday.map(format_date))?;
        out.field(c.gender)?;
        out.field(c.location.country)?;
        out.field(c.location.region)?;
        out.field(c.location.city)?;
        out.field(&c.zip)?;
        out.field(c.location.timezone)?;
        out.field(if c.accepts_marketing { "true" } else { "false" })?;
        join_mask(&mut self.list, c.tags, &TAGS, false);
        out.field(&self.list)?;
        join_mask(&mut self.list, c.values, &VALUES, true);
        out.field(&self.list)?;
        join_mask(&mut self.list, c.interests, &INTERESTS, true);
        out.field(&self.list)?;
        match c.nps {
            Some(nps) => out.fmt(format_args!("{nps}"))?,
            None => out.field(b"")?,
        }
        out.opt(c.loyalty_tier)?;
        out.end_row()
    }

    pub fn write_history(&mut self, c: &Customer, history: &History) -> Result<(), GenerateError> {
        for order in &history.orders {
            let id = OrderId(self.next_order);
            self.next_order += 1;
            let out = &mut self.orders;
            out.fmt(format_args!("{id}"))?;
            out.fmt(format_args!("{}", CustomerId(c.number)))?;
            out.field(format_timestamp(order.placed_at))?;
            out.money(order.total())?;
            out.money(order.discount)?;
            out.field(order.status)?;
            out.field(order.channel)?;
            out.field(CURRENCY)?;
            out.end_row()?;
            for line in &history.lines[order.items.clone()] {
                let out = &mut self.items;
                out.fmt(format_args!("{id}"))?;
                out.fmt(format_args!("{}", ProductId(line.product)))?;
                out.fmt(format_args!("{}", line.quantity))?;
                out.money(line.price)?;
                out.end_row()?;
            }
        }
        Ok(())
    }

    pub fn write_activity(
        &mut self,
        c: &Customer,
        activity: &Activity,
    ) -> Result<(), GenerateError> {
        let out = &mut self.events;
        for event in &activity.events {
            out.fmt(format_args!("{}", CustomerId(c.number)))?;
            out.field(event.kind.name())?;
            out.field(format_timestamp(event.at))?;
            match event.value {
                Some(cents) => out.money(cents)?,
                None => out.field(b"")?,
            }
            match event.product {
                Some(product) => out.fmt(format_args!("{}", ProductId(product)))?,
                None => out.field(b"")?,
            }
            out.opt(event.category.map(|c| CATEGORIES[c].name))?;
            out.opt(event.campaign)?;
            out.opt(event.url)?;
            if event.cart.is_empty() {
                out.field(b"")?;
            } else {
                // A JSON array, which the importer keeps as an array property.
                let ids: Vec<String> = event
                    .cart
                    .iter()
                    .map(|&p| format!("\"{}\"", ProductId(p)))
                    .collect();
                out.fmt(format_args!("[{}]", ids.join(",")))?;
            }
            out.end_row()?;
        }
        Ok(())
    }

    pub fn finish(self) -> Result<Written, GenerateError> {
        let mut written = Written {
            files: Vec::with_capacity(5),
            rows: Vec::with_capacity(5),
        };
        for file in [
            self.customers,
            self.products,
            self.orders,
            self.items,
            self.events,
        ] {
            let (path, rows) = file.finish()?;
            written.files.push(path);
            written.rows.push(rows);
        }
        Ok(written)
    }
}

/// Writes the names of the set bits of `mask`: comma-separated, or as a JSON array of strings
/// (the vocabulary needs no escaping). No bit set gives an empty cell.
pub fn join_mask(out: &mut String, mask: u8, names: &[&str], json: bool) {
    out.clear();
    if mask == 0 {
        return;
    }
    if json {
        out.push('[');
    }
    for (bit, name) in names.iter().enumerate() {
        if mask & (1 << bit) == 0 {
            continue;
        }
        if out.len() > usize::from(json) {
            out.push(',');
        }
        if json {
            out.push('"');
            out.push_str(name);
            out.push('"');
        } else {
            out.push_str(name);
        }
    }
    if json {
        out.push(']');
    }
}

/// The external id of customer number `n` (1-based), such as `C0000042`.
pub struct CustomerId(pub u64);
/// The external id of product index `n` (0-based), such as `P00042` for the 43rd.
pub struct ProductId(pub u32);
/// The external id of order number `n` (1-based), such as `O00000042`.
pub struct OrderId(pub u64);

impl std::fmt::Display for CustomerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "C{:07}", self.0)
    }
}

impl std::fmt::Display for ProductId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "P{:05}", u64::from(self.0) + 1)
    }
}

impl std::fmt::Display for OrderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "O{:08}", self.0)
    }
}
