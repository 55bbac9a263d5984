//! Recognising and mapping Shopify's orders export.
//!
//! The export has one row per line item: `Name,Email,Financial Status,Paid at,Fulfillment
//! Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,
//! Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,
//! Lineitem compare at price,Lineitem sku,...,Id,Tags,Risk Level,Source,...`. Only the first row
//! of an order carries the order columns (Financial Status, Total, addresses, Id...); each
//! further line item is a continuation row that repeats Name, Email and Created at with its
//! `Lineitem *` columns and leaves the rest empty. A row is an order's first row when its Total
//! or Financial Status is filled; a continuation row takes its order from the first row of the
//! same Name earlier in the file, and is rejected when the file has none (Shopify always writes
//! the first row first, so its absence means the export was cut or edited).
//!
//! Mapping: one order per `Name` (or `Id` when there is no Name); `Created at` → placed_at,
//! `Total` → total, `Discount Amount` → discount, `Financial Status` → status, `Currency`,
//! `Source` → channel, `Refunded Amount` → refunded, `Cancelled at` → cancelled_at (a
//! cancelled or voided order stays an order but counts as no purchase: `store::order_status`). The customer is found by `Email`, else by phone, else a guest customer
//! of the order is made (`shopify_buyer.rs` says how they are keyed). Each row's line item
//! becomes an order item whose product is the one with the `Lineitem sku` as external id, else
//! the one with the `Lineitem name` as external id or title (as a Shopify products export
//! stores them), else a product created under the sku (or the name when it is empty).

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use super::cell::{check_email, parse_cents, parse_datetime, parse_quantity};
use super::entity::strip_quote;
use super::error::RowFailure;
use super::header::{parse_opt, Header, Row};
use super::ids::IdMap;
use super::items::ItemWriter;
use super::orders::{OrderColumns, OrderValues, OrderWriter};
use super::shopify_buyer::Buyers;
use super::upsert::Outcome;

/// True when the header is Shopify's orders export.
pub fn is_shopify_orders(header: &Header) -> bool {
    header.has("name")
        && header.has("financial status")
        && header.has("created at")
        && (header.has("lineitem name") || header.has("lineitem sku"))
}

/// The column indexes of a Shopify orders export.
#[derive(Clone, Copy)]
pub struct ShopifyOrdersLayout {
    name: Option<usize>,
    id: Option<usize>,
    email: usize,
    created_at: usize,
    total: usize,
    discount: Option<usize>,
    status: Option<usize>,
    currency: Option<usize>,
    source: Option<usize>,
    refunded: Option<usize>,
    cancelled_at: Option<usize>,
    item_name: Option<usize>,
    item_sku: Option<usize>,
    item_quantity: Option<usize>,
    item_price: Option<usize>,
    /// The order's `Phone`, `Billing Phone` and `Shipping Phone`, tried in this order.
    phones: [Option<usize>; 3],
}

impl ShopifyOrdersLayout {
    pub fn from_header(header: &mut Header) -> Result<Self, Vec<String>> {
        let name = header.find("name");
        let id = header.find("id");
        let email = header.find("email");
        let created_at = header.find("created at");
        let total = header.find("total");
        let item_name = header.find("lineitem name");
        let item_sku = header.find("lineitem sku");
        let mut missing = Vec::new();
        if name.is_none() && id.is_none() {
            missing.push("Name (or Id)".to_owned());
        }
        for (label, index) in [
            ("Email", email),
            ("Created at", created_at),
            ("Total", total),
        ] {
            if index.is_none() {
                missing.push(label.to_owned());
            }
        }
        if item_name.is_none() && item_sku.is_none() {
            missing.push("Lineitem name (or Lineitem sku)".to_owned());
        }
        let (Some(email), Some(created_at), Some(total), true) =
            (email, created_at, total, missing.is_empty())
        else {
            return Err(missing);
        };
        Ok(ShopifyOrdersLayout {
            name,
            id,
            email,
            created_at,
            total,
            discount: header.find("discount amount"),
            status: header.find("financial status"),
            currency: header.find("currency"),
            source: header.find("source"),
            refunded: header.find("refunded amount"),
            cancelled_at: header.find("cancelled at"),
            item_name,
            item_sku,
            item_quantity: header.find("lineitem quantity"),
            item_price: header.find("lineitem price"),
            phones: [
                header.find("phone"),
                header.find("billing phone"),
                header.find("shipping phone"),
            ],
        })
    }
}

/// Imports a Shopify orders export.
pub struct ShopifyOrdersImporter<'c> {
    layout: ShopifyOrdersLayout,
    orders: OrderWriter<'c>,
    items: ItemWriter<'c>,
    buyers: Buyers<'c>,
    products: IdMap<'c>,
    /// Product title → id, for lines whose sku is empty or unknown.
    titles: HashMap<String, i64>,
    /// Name → order id of every first row read from this file, for its continuation rows.
    first_rows: HashMap<String, i64>,
    /// Names of orders whose first row was rejected, so their further lines say why.
    rejected_first: HashSet<String>,
}

impl<'c> ShopifyOrdersImporter<'c> {
    pub fn new(conn: &'c Connection, layout: ShopifyOrdersLayout) -> rusqlite::Result<Self> {
        let mut titles = HashMap::new();
        let mut select =
            conn.prepare("SELECT title, id FROM products WHERE title IS NOT NULL ORDER BY id")?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            titles.entry(row.get(0)?).or_insert(row.get(1)?);
        }
        let columns = OrderColumns {
            discount: layout.discount.is_some(),
            status: layout.status.is_some(),
            channel: layout.source.is_some(),
            currency: layout.currency.is_some(),
            refunded: layout.refunded.is_some(),
            cancelled_at: layout.cancelled_at.is_some(),
        };
        Ok(ShopifyOrdersImporter {
            orders: OrderWriter::new(conn, columns, false)?,
            items: ItemWriter::new(conn, true, true, false)?,
            buyers: Buyers::load(conn)?,
            products: IdMap::load(conn, "products", Some("title"))?,
            titles,
            first_rows: HashMap::new(),
            rejected_first: HashSet::new(),
            layout,
        })
    }

    pub fn created(&self) -> (u64, u64) {
        (self.buyers.created(), self.products.created)
    }

    pub fn import(&mut self, row: &Row) -> Result<Outcome, RowFailure> {
        let result = self.import_row(row);
        let l = self.layout;
        if let (Err(RowFailure::Reject(_)), Some(name)) = (&result, row.opt(l.name)) {
            if row.opt(Some(l.total)).is_some() || row.opt(l.status).is_some() {
                self.rejected_first.insert(name.to_owned());
            }
        }
        result
    }

    fn import_row(&mut self, row: &Row) -> Result<Outcome, RowFailure> {
        let l = self.layout;
        let external_id = row
            .opt(l.name)
            .or_else(|| row.opt(l.id).map(strip_quote))
            .ok_or_else(|| {
                "column Name is empty (and so is Id); fill in the order number, such as #1001"
                    .to_owned()
            })?;
        let placed_at = parse_opt(row.opt(Some(l.created_at)), "Created at", parse_datetime)?;
        let total = parse_opt(row.opt(Some(l.total)), "Total", parse_cents)?;
        let discount = parse_opt(row.opt(l.discount), "Discount Amount", parse_cents)?;
        let refunded = parse_opt(row.opt(l.refunded), "Refunded Amount", parse_cents)?.unwrap_or(0);
        let cancelled_at = parse_opt(row.opt(l.cancelled_at), "Cancelled at", parse_datetime)?;
        let item_name = row.opt(l.item_name);
        let item_sku = row.opt(l.item_sku);
        let quantity = parse_opt(
            row.opt(l.item_quantity),
            "Lineitem quantity",
            parse_quantity,
        )?;
        let price = parse_opt(row.opt(l.item_price), "Lineitem price", parse_cents)?;

        let mut outcome = Outcome::Unchanged;
        let first_row = total.is_some() || row.opt(l.status).is_some();
        let order = if first_row {
            let placed_at = placed_at.ok_or_else(|| {
                format!("column Created at is empty on the first row of order {external_id}; fill in the order's date, such as 2025-03-20 05:20:57 -0700")
            })?;
            let total = total.ok_or_else(|| {
                format!("column Total is empty on the first row of order {external_id} (the row with its Financial Status); fill in the order total, such as 54.98")
            })?;
            let email = row.opt(Some(l.email));
            if let Some(address) = email {
                check_email(address).map_err(|reason| format!("column Email: {reason}"))?;
            }
            let phone = l.phones.iter().find_map(|&index| row.opt(index));
            let customer = self.buyers.find(email, phone, external_id)?;
            let order = OrderValues {
                external_id,
                customer,
                placed_at,
                total,
                discount: discount.unwrap_or(0),
                status: row.opt(l.status),
                channel: row.opt(l.source),
                currency: row.opt(l.currency),
                refunded,
                cancelled_at,
            };
            let (written, id) = self.orders.write(&order)?;
            outcome = written;
            let id = match id {
                Some(id) => id,
                None => self
                    .orders
                    .id_of(external_id)?
                    .ok_or(rusqlite::Error::QueryReturnedNoRows)?,
            };
            self.first_rows.insert(external_id.to_owned(), id);
            id
        } else {
            if self.rejected_first.contains(external_id) {
                return Err(format!("line item of order {external_id} is not imported because the order's first row was rejected; fix that row as its reason says and import the file again").into());
            }
            *self.first_rows.get(external_id).ok_or_else(|| {
                format!("line item of order {external_id} has no first row above it in this file (the row of that Name with Financial Status and Total); export the order again with all its rows, or move its first row above this one")
            })?
        };
        if let Some(product) = self.product(item_sku, item_name)? {
            let item =
                self.items
                    .write(order, product, quantity.unwrap_or(1), price.unwrap_or(0))?;
            outcome = outcome.merge(item);
        }
        Ok(outcome)
    }

    /// The product of a line: by its sku when it has one (variants of one title differ only
    /// there), else by its name as external id or as title; created when not found.
    fn product(&mut self, sku: Option<&str>, name: Option<&str>) -> rusqlite::Result<Option<i64>> {
        let found = match (sku, name) {
            (Some(_), _) | (None, None) => None,
            (None, Some(name)) => self
                .products
                .get(name)
                .or_else(|| self.titles.get(name).copied()),
        };
        match (found, sku.or(name)) {
            (Some(id), _) => Ok(Some(id)),
            (None, Some(key)) => Ok(Some(self.products.get_or_create(key, name)?)),
            (None, None) => Ok(None),
        }
    }
}
