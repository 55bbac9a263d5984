//! Importing orders: the generic orders file, and the order upsert the Shopify orders import
//! shares. Each order needs its customer; an unknown customer id creates a bare customer.

use rusqlite::{Connection, Statement};

use super::bulk::Key;
use super::cell::{parse_cents, parse_datetime};
use super::error::RowFailure;
use super::header::{parse_opt, parse_req, Header, Row};
use super::ids::IdMap;
use super::upsert::{Col, Outcome, Upsert};
use crate::store::order_status;

/// Which optional order columns a file provides; absent ones are never overwritten.
#[derive(Debug, Clone, Copy)]
pub struct OrderColumns {
    pub discount: bool,
    pub status: bool,
    pub channel: bool,
    pub currency: bool,
    pub refunded: bool,
    pub cancelled_at: bool,
}

/// The values of one order row.
pub struct OrderValues<'a> {
    pub external_id: &'a str,
    pub customer: i64,
    pub placed_at: i64,
    pub total: i64,
    pub discount: i64,
    pub status: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub currency: Option<&'a str>,
    /// Minor units refunded so far.
    pub refunded: i64,
    pub cancelled_at: Option<i64>,
}

/// The prepared upsert of orders.
pub struct OrderWriter<'c> {
    upsert: Upsert<'c>,
    lookup: Statement<'c>,
    columns: OrderColumns,
    /// During a bulk load, the statuses the shop does not count: each order's `counted` is then
    /// written with the row (`order_status::counts`), so the finished table needs no recount.
    uncounted: Option<Vec<String>>,
}

impl<'c> OrderWriter<'c> {
    /// `bulk`: the orders table is empty and has no unique index for the duration of the load.
    pub fn new(conn: &'c Connection, columns: OrderColumns, bulk: bool) -> rusqlite::Result<Self> {
        let mut cols = vec![
            Col::plain("external_id"),
            Col::plain("customer"),
            Col::plain("placed_at"),
            Col::plain("total"),
        ];
        let optional = [
            (columns.discount, "discount"),
            (columns.status, "status"),
            (columns.channel, "channel"),
            (columns.currency, "currency"),
            (columns.refunded, "refunded"),
            (columns.cancelled_at, "cancelled_at"),
        ];
        cols.extend(
            optional
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, name)| Col::plain(name)),
        );
        let uncounted = if bulk {
            cols.push(Col::plain("counted"));
            Some(order_status::uncounted(conn)?)
        } else {
            None
        };
        Ok(OrderWriter {
            upsert: if bulk {
                Upsert::bulk(conn, "orders", &["external_id"], &cols)?
            } else {
                Upsert::new(conn, "orders", &["external_id"], &cols)?
            },
            lookup: conn.prepare("SELECT id FROM orders WHERE external_id = ?1")?,
            columns,
            uncounted,
        })
    }

    /// True when `write` sets `counted` itself, so the import needs no `recount_all`.
    pub fn counts_itself(&self) -> bool {
        self.uncounted.is_some()
    }

    /// Upserts one order; returns what happened and the order's id when it was written.
    pub fn write(&mut self, order: &OrderValues) -> rusqlite::Result<(Outcome, Option<i64>)> {
        let c = self.columns;
        // In a bulk load every stored column of the order comes from this row (the table was
        // empty), so whether it counts follows from the row alone.
        let counted = self
            .uncounted
            .as_deref()
            .map(|list| order_status::counts(order.status, order.cancelled_at, list));
        self.upsert.write(Key::Text(order.external_id), |b| {
            b.bind(order.external_id)?
                .bind(order.customer)?
                .bind(order.placed_at)?
                .bind(order.total)?;
            if c.discount {
                b.bind(order.discount)?;
            }
            if c.status {
                b.bind(order.status)?;
            }
            if c.channel {
                b.bind(order.channel)?;
            }
            if c.currency {
                b.bind(order.currency)?;
            }
            if c.refunded {
                b.bind(order.refunded)?;
            }
            if c.cancelled_at {
                b.bind(order.cancelled_at)?;
            }
            if let Some(counted) = counted {
                b.bind(counted)?;
            }
            Ok(())
        })
    }

    /// The id of a stored order.
    pub fn id_of(&mut self, external_id: &str) -> rusqlite::Result<Option<i64>> {
        let mut rows = self.lookup.query([external_id])?;
        match rows.next()? {
            Some(row) => Ok(Some(row.get(0)?)),
            None => Ok(None),
        }
    }
}

/// The column indexes of a generic orders file.
pub struct OrdersLayout {
    order: usize,
    customer: usize,
    placed_at: usize,
    total: usize,
    discount: Option<usize>,
    status: Option<usize>,
    channel: Option<usize>,
    currency: Option<usize>,
    refunded: Option<usize>,
    cancelled_at: Option<usize>,
}

impl OrdersLayout {
    pub fn from_header(header: &mut Header) -> Result<Self, Vec<String>> {
        let required =
            ["order_id", "customer_id", "placed_at", "total"].map(|n| (n, header.find(n)));
        let missing: Vec<String> = required
            .iter()
            .filter(|(_, i)| i.is_none())
            .map(|(n, _)| (*n).to_owned())
            .collect();
        let [Some(order), Some(customer), Some(placed_at), Some(total)] = required.map(|(_, i)| i)
        else {
            return Err(missing);
        };
        Ok(OrdersLayout {
            order,
            customer,
            placed_at,
            total,
            discount: header.find("discount"),
            status: header.find("status"),
            channel: header.find("channel"),
            currency: header.find("currency"),
            refunded: header.find("refunded"),
            cancelled_at: header.find("cancelled_at"),
        })
    }
}

/// Imports a generic orders file.
pub struct OrdersImporter<'c> {
    layout: OrdersLayout,
    writer: OrderWriter<'c>,
    customers: IdMap<'c>,
}

impl<'c> OrdersImporter<'c> {
    pub fn new(conn: &'c Connection, layout: OrdersLayout, bulk: bool) -> rusqlite::Result<Self> {
        let columns = OrderColumns {
            discount: layout.discount.is_some(),
            status: layout.status.is_some(),
            channel: layout.channel.is_some(),
            currency: layout.currency.is_some(),
            refunded: layout.refunded.is_some(),
            cancelled_at: layout.cancelled_at.is_some(),
        };
        Ok(OrdersImporter {
            writer: OrderWriter::new(conn, columns, bulk)?,
            customers: IdMap::load(conn, "customers", None)?,
            layout,
        })
    }

    pub fn customers_created(&self) -> u64 {
        self.customers.created
    }

    /// True when the orders' `counted` was written with them (a bulk load).
    pub fn counted_itself(&self) -> bool {
        self.writer.counts_itself()
    }

    pub fn import(&mut self, row: &Row) -> Result<Outcome, RowFailure> {
        let l = &self.layout;
        let external_id = row.required(l.order, "order_id")?;
        let customer_id = row.required(l.customer, "customer_id")?;
        let placed_at = parse_req(
            row.required(l.placed_at, "placed_at"),
            "placed_at",
            parse_datetime,
        )?;
        let total = parse_req(row.required(l.total, "total"), "total", parse_cents)?;
        let discount = parse_opt(row.opt(l.discount), "discount", parse_cents)?.unwrap_or(0);
        let refunded = parse_opt(row.opt(l.refunded), "refunded", parse_cents)?.unwrap_or(0);
        let cancelled_at = parse_opt(row.opt(l.cancelled_at), "cancelled_at", parse_datetime)?;
        // The customer is resolved only once the row is known to be valid, so a rejected row
        // never leaves a customer behind.
        let customer = self.customers.get_or_create(customer_id, None)?;
        let order = OrderValues {
            external_id,
            customer,
            placed_at,
            total,
            discount,
            status: row.opt(l.status),
            channel: row.opt(l.channel),
            currency: row.opt(l.currency),
            refunded,
            cancelled_at,
        };
        Ok(self.writer.write(&order)?.0)
    }
}
