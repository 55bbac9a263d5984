//! Numbering the lines of each (order, product) during a bulk load of line items.
//!
//! A line's key is (order, product, line), where `line` counts the earlier rows of the same
//! order and product in the file (`items.rs`). A map of every (order, product) of a file of
//! millions of lines costs a hash lookup with a cache miss per row, while an export usually
//! lists the lines of each order together and the orders in the order they were imported. So
//! while the orders' ids never decrease, only the current order's products are counted; the
//! first row that goes back to an earlier order, or an order of very many products, switches
//! to the full map, loaded from the lines written so far. That is exact because the table was
//! empty when the load began, so its rows are exactly this file's lines numbered so far.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rusqlite::Connection;

use super::ids::FxHasher;

/// Products of one order counted in a list before switching to the map (a linear search).
const MAX_LISTED: usize = 64;

enum State {
    /// The current order and how many lines of each of its products were numbered.
    Current {
        order: i64,
        products: Vec<(i64, i64)>,
    },
    /// Lines numbered per (order, product), for files whose orders are not in sequence.
    Mapped(HashMap<(i64, i64), i64, BuildHasherDefault<FxHasher>>),
}

/// The line numbers of a bulk load into the empty `order_items` table.
pub struct BulkLines<'c> {
    state: State,
    conn: &'c Connection,
}

impl<'c> BulkLines<'c> {
    pub fn new(conn: &'c Connection) -> Self {
        BulkLines {
            state: State::Current {
                order: i64::MIN,
                products: Vec::new(),
            },
            conn,
        }
    }

    /// The number of the next line of `product` in `order`.
    pub fn next(&mut self, order: i64, product: i64) -> rusqlite::Result<i64> {
        if let State::Current {
            order: current,
            products,
        } = &mut self.state
        {
            if order > *current {
                *current = order;
                products.clear();
            }
            if order == *current {
                if let Some((_, count)) = products.iter_mut().find(|(p, _)| *p == product) {
                    *count += 1;
                    return Ok(*count - 1);
                }
                if products.len() < MAX_LISTED {
                    products.push((product, 1));
                    return Ok(0);
                }
            }
            self.state = State::Mapped(self.load()?);
        }
        let State::Mapped(map) = &mut self.state else {
            unreachable!("switched to the map above");
        };
        let count = map.entry((order, product)).or_insert(0);
        *count += 1;
        Ok(*count - 1)
    }

    /// The lines written so far, per (order, product).
    fn load(&self) -> rusqlite::Result<HashMap<(i64, i64), i64, BuildHasherDefault<FxHasher>>> {
        let mut map = HashMap::default();
        let mut select = self
            .conn
            .prepare("SELECT order_id, product, count(*) FROM order_items GROUP BY 1, 2")?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            map.insert((row.get(0)?, row.get(1)?), row.get(2)?);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers `rows` as the importer does, inserting each line as it is numbered.
    fn number(rows: &[(i64, i64)]) -> Vec<i64> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE order_items (order_id, product, line)")
            .unwrap();
        let mut lines = BulkLines::new(&conn);
        rows.iter()
            .map(|&(order, product)| {
                let line = lines.next(order, product).unwrap();
                conn.execute(
                    "INSERT INTO order_items VALUES (?1, ?2, ?3)",
                    (order, product, line),
                )
                .unwrap();
                line
            })
            .collect()
    }

    #[test]
    fn counts_earlier_rows_of_the_same_order_and_product_in_any_row_order() {
        assert_eq!(
            number(&[(1, 7), (1, 8), (1, 7), (2, 7), (2, 7)]),
            [0, 0, 1, 0, 1]
        );
        // Order 1 comes back after order 2: its earlier lines are found in the table.
        assert_eq!(
            number(&[(1, 7), (2, 7), (1, 7), (1, 8), (2, 7), (3, 7)]),
            [0, 0, 1, 0, 1, 0]
        );
    }

    #[test]
    fn an_order_of_many_products_switches_to_the_map() {
        let mut rows: Vec<(i64, i64)> = (0..100).map(|p| (1, p)).collect();
        rows.extend((0..100).map(|p| (1, p)));
        let lines = number(&rows);
        assert!(lines[..100].iter().all(|&l| l == 0));
        assert!(lines[100..].iter().all(|&l| l == 1));
    }
}
