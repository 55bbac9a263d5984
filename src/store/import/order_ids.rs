//! Finding the stored order of each line item by the order's external id.
//!
//! An items file usually lists its orders in the order the orders file was imported in, that
//! is by ascending internal id. So besides looking an order up in the `orders_by_external_id`
//! index (a B-tree search comparing strings), the lookup reads the orders ahead in id order, a
//! page of them at a time, and when the row's order is the next one read ahead it takes its id
//! from there. Any other order is looked up in the index, and the reading ahead continues after
//! it; the answer is the index's either way, only cheaper when the file is in sequence.

use rusqlite::{Connection, Statement};

/// Orders read ahead per query.
const AHEAD: i64 = 512;

pub struct OrderIds<'c> {
    lookup: Statement<'c>,
    ahead: Statement<'c>,
    /// Orders after `after` by id, as (external id, id); `next` is the first not yet passed.
    queue: Vec<(String, i64)>,
    filled: usize,
    next: usize,
    /// The id the queue continues from.
    after: i64,
    /// The last read-ahead from `after` found no more orders: not worth repeating until a
    /// lookup moves `after`.
    dry: bool,
}

impl<'c> OrderIds<'c> {
    pub fn new(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(OrderIds {
            lookup: conn.prepare("SELECT id FROM orders WHERE external_id = ?1")?,
            ahead: conn
                .prepare("SELECT external_id, id FROM orders WHERE id > ?1 ORDER BY id LIMIT ?2")?,
            queue: Vec::new(),
            filled: 0,
            next: 0,
            after: 0,
            dry: false,
        })
    }

    /// The id of the stored order with this external id.
    pub fn find(&mut self, external_id: &str) -> rusqlite::Result<Option<i64>> {
        if self.next == self.filled && !self.dry {
            self.fill()?;
        }
        if let Some((expected, id)) = self.queue[..self.filled].get(self.next) {
            if expected == external_id {
                let id = *id;
                self.next += 1;
                return Ok(Some(id));
            }
        }
        let mut rows = self.lookup.query([external_id])?;
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        let id: i64 = row.get(0)?;
        // Read ahead from this order on, as the following rows are likely its successors.
        self.after = id;
        self.filled = 0;
        self.next = 0;
        self.dry = false;
        Ok(Some(id))
    }

    /// Reads the next orders after `after`, reusing the queue's strings.
    fn fill(&mut self) -> rusqlite::Result<()> {
        let mut rows = self.ahead.query((self.after, AHEAD))?;
        let mut filled = 0;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(1)?;
            // An external id that is not text cannot equal a cell; it only ends the read-ahead.
            let Ok(external_id) = row.get_ref(0)?.as_str() else {
                break;
            };
            match self.queue.get_mut(filled) {
                Some(slot) => {
                    slot.0.clear();
                    slot.0.push_str(external_id);
                    slot.1 = id;
                }
                None => self.queue.push((external_id.to_owned(), id)),
            }
            filled += 1;
            self.after = id;
        }
        self.filled = filled;
        self.next = 0;
        self.dry = filled == 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_orders_in_sequence_out_of_sequence_and_missing() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, external_id TEXT);
             CREATE UNIQUE INDEX o ON orders(external_id);",
        )
        .unwrap();
        for i in 1..=2000 {
            conn.execute(
                "INSERT INTO orders (external_id) VALUES (?1)",
                [format!("O{i}")],
            )
            .unwrap();
        }
        let mut ids = OrderIds::new(&conn).unwrap();
        for i in (1..=1500).chain(10..20).chain(1990..=2000).chain(3..5) {
            assert_eq!(ids.find(&format!("O{i}")).unwrap(), Some(i));
        }
        assert_eq!(ids.find("O2001").unwrap(), None);
        assert_eq!(ids.find("O5").unwrap(), Some(5));
    }
}
