//! Loading every order line at once without asking SQLite to join and sort them.
//!
//! Joining 10 M order lines to their orders and sorting them by (customer, placed_at, id) is
//! the slowest query of a snapshot. The orders are already loaded in exactly that order, so the
//! lines are read in rowid order (a sequential scan) and placed with a stable counting sort on
//! their order's position. Lines of one order stay in id order; lines of two orders of one
//! customer placed at the same instant are merged by id afterwards, so the element order is
//! (time, line id) as the IR requires.

use rusqlite::Connection;

use super::items::{Items, Products};
use super::orders::Orders;
use super::read::{offset, req_i64, At};
use crate::store::StoreError;

/// Finds an order's position in the snapshot from its internal id.
enum OrderPositions {
    /// Position + 1 by id (0: not in the snapshot), when ids are dense enough.
    Dense(Vec<u32>),
    /// (id, position) sorted by id.
    Sparse(Vec<(i64, u32)>),
}

impl OrderPositions {
    fn new(ids: &[i64]) -> OrderPositions {
        let max = ids.iter().copied().max().unwrap_or(0);
        let min = ids.iter().copied().min().unwrap_or(0);
        if min >= 0 && (max as u64) <= 4 * ids.len() as u64 + 1024 {
            let mut dense = vec![0u32; max as usize + 1];
            for (p, &id) in ids.iter().enumerate() {
                dense[id as usize] = p as u32 + 1;
            }
            OrderPositions::Dense(dense)
        } else {
            let mut pairs: Vec<(i64, u32)> = ids
                .iter()
                .enumerate()
                .map(|(p, &id)| (id, p as u32))
                .collect();
            pairs.sort_unstable();
            OrderPositions::Sparse(pairs)
        }
    }

    fn get(&self, id: i64) -> Option<u32> {
        match self {
            OrderPositions::Dense(v) => usize::try_from(id)
                .ok()
                .and_then(|i| v.get(i))
                .and_then(|&p| p.checked_sub(1)),
            OrderPositions::Sparse(v) => v
                .binary_search_by_key(&id, |&(i, _)| i)
                .ok()
                .map(|k| v[k].1),
        }
    }
}

/// The lines of every order in `orders`, in the snapshot's order.
pub(super) fn load_all(
    conn: &Connection,
    orders: &Orders,
    products: &Products,
) -> Result<Items, StoreError> {
    let positions = OrderPositions::new(&orders.ids);
    let (mut pos, mut ids, mut product, mut quantity, mut price) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut stmt =
        conn.prepare("SELECT id, order_id, product, quantity, price FROM order_items ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let at = At {
            table: "order_items",
            row: id,
        };
        // A line of an order outside the snapshot, or whose product is gone (possible only with
        // foreign keys off), is dropped, as the inner joins of the SQL evaluator drop it.
        let Some(p) = positions.get(req_i64(row, 1, at, "order_id")?) else {
            continue;
        };
        let Ok(pi) = products.ids.binary_search(&req_i64(row, 2, at, "product")?) else {
            continue;
        };
        pos.push(p);
        ids.push(id);
        product.push(offset(pi, "products")?);
        quantity.push(req_i64(row, 3, at, "quantity")?);
        price.push(req_i64(row, 4, at, "price")?);
    }
    offset(pos.len(), "order_items")?;
    let n_orders = orders.ids.len();
    // start[p] is the first line of the order at position p; lines are read in id order, so
    // placing each at its order's cursor keeps them in id order within the order.
    let mut start = vec![0u32; n_orders + 1];
    for &p in &pos {
        start[p as usize + 1] += 1;
    }
    for i in 0..n_orders {
        start[i + 1] += start[i];
    }
    let mut cursor = start.clone();
    let dest: Vec<u32> = pos
        .iter()
        .map(|&p| {
            let d = cursor[p as usize];
            cursor[p as usize] += 1;
            d
        })
        .collect();
    drop(cursor);
    let placed: Vec<i64> = pos.iter().map(|&p| orders.placed_at[p as usize]).collect();
    drop(pos);
    let mut it = Items {
        offsets: orders.offsets.iter().map(|&o| start[o as usize]).collect(),
        placed_at: scatter(&placed, &dest),
        product: scatter(&product, &dest),
        quantity: scatter(&quantity, &dest),
        price: scatter(&price, &dest),
    };
    let ids = scatter(&ids, &dest);
    merge_ties(orders, &start, &ids, &mut it);
    Ok(it)
}

fn scatter<T: Copy + Default>(column: &[T], dest: &[u32]) -> Vec<T> {
    let mut out = vec![T::default(); column.len()];
    for (value, &d) in column.iter().zip(dest) {
        out[d as usize] = *value;
    }
    out
}

/// Orders of one customer with the same placed_at are adjacent; their lines are re-sorted by id.
fn merge_ties(orders: &Orders, start: &[u32], ids: &[i64], it: &mut Items) {
    for c in 0..orders.offsets.len().saturating_sub(1) {
        let (lo, hi) = (orders.offsets[c] as usize, orders.offsets[c + 1] as usize);
        let mut i = lo;
        while i < hi {
            let mut j = i + 1;
            while j < hi && orders.placed_at[j] == orders.placed_at[i] {
                j += 1;
            }
            if j - i > 1 {
                let (s, e) = (start[i] as usize, start[j] as usize);
                let mut idx: Vec<usize> = (s..e).collect();
                idx.sort_by_key(|&k| ids[k]);
                permute(&mut it.product[s..e], &idx, s);
                permute(&mut it.quantity[s..e], &idx, s);
                permute(&mut it.price[s..e], &idx, s);
            }
            i = j;
        }
    }
}

fn permute<T: Copy>(range: &mut [T], idx: &[usize], base: usize) {
    let sorted: Vec<T> = idx.iter().map(|&k| range[k - base]).collect();
    range.copy_from_slice(&sorted);
}
