//! Importing order line items: the generic items file, and the item upsert the Shopify orders
//! import shares. An item's order must already be stored; its product is created when unknown.
//!
//! An order may hold two lines for one product (two sizes of one shirt, a line split by a
//! discount), so a line is keyed by (order, product, line), where `line` counts the earlier
//! rows of the same order and product in the file. Importing the same file again writes the
//! same keys and changes nothing; a duplicate row is a second line, never merged into the first.

use rusqlite::{Connection, Statement};

use super::bulk::Key;
use super::cell::{parse_cents, parse_quantity};
use super::error::RowFailure;
use super::header::{parse_opt, Header, Row};
use super::ids::IdMap;
use super::lines::BulkLines;
use super::order_ids::OrderIds;
use super::upsert::{insert_sql, Binder, Col, Outcome, Upsert};
use crate::store::orders::LineNumbers;

/// The prepared upsert of line items, keyed by (order, product, line).
pub struct ItemWriter<'c> {
    writes: Writes<'c>,
    quantity: bool,
    price: bool,
}

/// How lines are numbered and written.
enum Writes<'c> {
    /// Each line of a product within its order numbered as the API's writes do, and upserted.
    Upsert(Box<Upsert<'c>>, LineNumbers),
    /// A bulk load into the empty table: every (order, product, line) of the file is new, as
    /// `line` counts the file's own earlier lines, so each row is a plain insert.
    Bulk(Statement<'c>, BulkLines<'c>),
}

const KEY: &[&str] = &["order_id", "product", "line"];

impl<'c> ItemWriter<'c> {
    /// `quantity` and `price` say whether the file provides them; absent ones are not updated.
    /// `bulk`: the items table is empty and has no unique index for the duration of the load.
    pub fn new(
        conn: &'c Connection,
        quantity: bool,
        price: bool,
        bulk: bool,
    ) -> rusqlite::Result<Self> {
        let mut cols = vec![
            Col::plain("order_id"),
            Col::plain("product"),
            Col::plain("line"),
        ];
        if quantity {
            cols.push(Col::plain("quantity"));
        }
        if price {
            cols.push(Col::plain("price"));
        }
        let writes = if bulk {
            Writes::Bulk(
                conn.prepare(&insert_sql("order_items", &cols))?,
                BulkLines::new(conn),
            )
        } else {
            Writes::Upsert(
                Box::new(Upsert::new(conn, "order_items", KEY, &cols)?),
                LineNumbers::default(),
            )
        };
        Ok(ItemWriter {
            writes,
            quantity,
            price,
        })
    }

    pub fn write(
        &mut self,
        order: i64,
        product: i64,
        quantity: i64,
        price: i64,
    ) -> rusqlite::Result<Outcome> {
        let (with_quantity, with_price) = (self.quantity, self.price);
        let bind = |b: &mut Binder, line: i64| -> rusqlite::Result<()> {
            b.bind(order)?.bind(product)?.bind(line)?;
            if with_quantity {
                b.bind(quantity)?;
            }
            if with_price {
                b.bind(price)?;
            }
            Ok(())
        };
        match &mut self.writes {
            Writes::Upsert(upsert, lines) => {
                let line = lines.next(order, product);
                let key = Key::Line(order, product, line);
                Ok(upsert.write(key, |b| bind(b, line))?.0)
            }
            Writes::Bulk(insert, lines) => {
                let line = lines.next(order, product)?;
                bind(&mut Binder::for_insert(insert), line)?;
                insert.raw_execute()?;
                Ok(Outcome::Inserted)
            }
        }
    }
}

/// The column indexes of a generic items file.
pub struct ItemsLayout {
    order: usize,
    product: usize,
    quantity: Option<usize>,
    price: Option<usize>,
}

impl ItemsLayout {
    pub fn from_header(header: &mut Header) -> Result<Self, Vec<String>> {
        let order = header.find("order_id");
        let product = header.find("product_id");
        match (order, product) {
            (Some(order), Some(product)) => Ok(ItemsLayout {
                order,
                product,
                quantity: header.find("quantity"),
                price: header.find("price"),
            }),
            _ => Err([("order_id", order), ("product_id", product)]
                .iter()
                .filter(|(_, i)| i.is_none())
                .map(|(n, _)| (*n).to_owned())
                .collect()),
        }
    }
}

/// Imports a generic items file.
pub struct ItemsImporter<'c> {
    layout: ItemsLayout,
    writer: ItemWriter<'c>,
    orders: OrderIds<'c>,
    products: IdMap<'c>,
    /// The last order resolved; the items of one order are usually adjacent.
    last_order: (String, i64),
    /// Rows rejected because their order is not in the store.
    pub missing_orders: u64,
}

impl<'c> ItemsImporter<'c> {
    pub fn new(conn: &'c Connection, layout: ItemsLayout, bulk: bool) -> rusqlite::Result<Self> {
        Ok(ItemsImporter {
            writer: ItemWriter::new(
                conn,
                layout.quantity.is_some(),
                layout.price.is_some(),
                bulk,
            )?,
            orders: OrderIds::new(conn)?,
            products: IdMap::load(conn, "products", None)?,
            layout,
            last_order: (String::new(), 0),
            missing_orders: 0,
        })
    }

    pub fn products_created(&self) -> u64 {
        self.products.created
    }

    pub fn import(&mut self, row: &Row) -> Result<Outcome, RowFailure> {
        let l = &self.layout;
        let order_id = row.required(l.order, "order_id")?;
        let product_id = row.required(l.product, "product_id")?;
        let quantity = parse_opt(row.opt(l.quantity), "quantity", parse_quantity)?.unwrap_or(1);
        let price = parse_opt(row.opt(l.price), "price", parse_cents)?.unwrap_or(0);
        let order = if self.last_order.0 == order_id {
            self.last_order.1
        } else {
            let Some(id) = self.orders.find(order_id)? else {
                self.missing_orders += 1;
                return Err(format!("column order_id: order `{order_id}` is not in the store; import the orders file first").into());
            };
            self.last_order.0.clear();
            self.last_order.0.push_str(order_id);
            self.last_order.1 = id;
            id
        };
        let product = self.products.get_or_create(product_id, None)?;
        Ok(self.writer.write(order, product, quantity, price)?)
    }
}
