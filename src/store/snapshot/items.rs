//! Products and order lines. Each customer's lines are sorted by the order's placed_at and then
//! the line id, and point at their product, whose fields are stored once.

use rusqlite::Connection;

use super::dynamic::push_string_list;
use super::interner::{Interner, Sym, NONE};
use super::read::{for_each_row, offset, opt_str, req_i64, At, Offsets, Scope};
use super::text::TextColumn;
use crate::store::StoreError;

/// Every product of the store, in ascending internal id order.
#[derive(Default, Debug)]
pub struct Products {
    pub ids: Vec<i64>,
    pub external_id: TextColumn,
    pub title: TextColumn,
    pub category: Vec<Sym>,
    /// Product `p`'s tags are `tags[tag_offsets[p]..tag_offsets[p + 1]]`.
    pub tag_offsets: Vec<u32>,
    pub tags: Vec<Sym>,
}

impl Products {
    #[inline]
    pub fn tags_of(&self, p: usize) -> &[Sym] {
        &self.tags[self.tag_offsets[p] as usize..self.tag_offsets[p + 1] as usize]
    }

    pub(super) fn load(conn: &Connection, strings: &mut Interner) -> Result<Products, StoreError> {
        let mut p = Products {
            tag_offsets: vec![0],
            ..Products::default()
        };
        let sql = "SELECT id, external_id, title, category, tags FROM products ORDER BY id";
        for_each_row(conn, Scope::All, sql, sql, |row| {
            let id: i64 = row.get(0)?;
            let at = At {
                table: "products",
                row: id,
            };
            p.ids.push(id);
            p.external_id.push(opt_str(row, 1, at, "external_id")?);
            p.title.push(opt_str(row, 2, at, "title")?);
            let category = opt_str(row, 3, at, "category")?;
            p.category
                .push(category.map_or(NONE, |s| strings.intern(s)));
            let tags = opt_str(row, 4, at, "tags")?.unwrap_or("[]");
            push_string_list(tags, strings, &mut p.tags)
                .map_err(|e| at.bad("tags", format!("not a JSON array of strings ({e})")))?;
            p.tag_offsets.push(offset(p.tags.len(), "products")?);
            Ok(())
        })?;
        Ok(p)
    }
}

/// Order lines joined with their order's customer and placed_at.
#[derive(Default, Debug)]
pub struct Items {
    /// Customer `k`'s lines are rows `offsets[k]..offsets[k + 1]`.
    pub offsets: Vec<u32>,
    /// The order's placed_at.
    pub placed_at: Vec<i64>,
    /// Index into `Products`.
    pub product: Vec<u32>,
    pub quantity: Vec<i64>,
    /// Cents: the unit price on the line.
    pub price: Vec<i64>,
}

const SELECT: &str = "SELECT i.id, o.customer, o.placed_at, i.product, i.quantity, i.price \
    FROM orders o JOIN order_items i ON i.order_id = o.id";

impl Items {
    pub(super) fn load(
        conn: &Connection,
        scope: Scope,
        customers: &[i64],
        orders: &super::orders::Orders,
        products: &Products,
    ) -> Result<Items, StoreError> {
        if matches!(scope, Scope::All) {
            return super::items_bulk::load_all(conn, orders, products);
        }
        let mut it = Items::default();
        let mut offsets = Offsets::new(customers);
        // Orders are walked in index order (customer, placed_at); only lines of orders placed at
        // the same instant need SQLite's small "right part" sort by line id.
        let sql_all = format!("{SELECT} ORDER BY o.customer, o.placed_at, i.id");
        let sql_one = format!("{SELECT} WHERE o.customer = ?1 ORDER BY o.placed_at, i.id");
        for_each_row(conn, scope, &sql_all, &sql_one, |row| {
            let id: i64 = row.get(0)?;
            let at = At {
                table: "order_items",
                row: id,
            };
            let customer = req_i64(row, 1, at, "customer")?;
            let product = req_i64(row, 3, at, "product")?;
            // A line whose product is gone (possible only with foreign keys off) is dropped, as
            // an inner join with products would drop it.
            let Ok(p) = products.ids.binary_search(&product) else {
                return Ok(());
            };
            if !offsets.accept(customer) {
                return Ok(());
            }
            it.placed_at.push(req_i64(row, 2, at, "placed_at")?);
            it.product.push(offset(p, "products")?);
            it.quantity.push(req_i64(row, 4, at, "quantity")?);
            it.price.push(req_i64(row, 5, at, "price")?);
            Ok(())
        })?;
        it.offsets = offsets.finish("order_items")?;
        Ok(it)
    }
}
