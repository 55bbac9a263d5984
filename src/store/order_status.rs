//! Which orders count as purchases. A cancelled or voided order, or one with a cancellation
//! time, is still an order (rules see it in `orders` with its `status`), but it is no revenue:
//! derived fields (`orders_count`, `total_spent`, `aov`, first and last order), the models and
//! the report count only orders whose `counted` column is 1, net of `refunded`.
//!
//! This module owns the `counted` column of `orders` and the `uncounted_order_statuses` table,
//! the statuses the shop does not count (`[shop] uncounted_statuses`, default cancelled and
//! voided). `counted` is a stored column rather than an expression so that both evaluators, the
//! SQL and the report read one value; every write of orders calls [`recount`] for what it
//! wrote, and [`sync`] recounts everything when the shop's list changes.

use rusqlite::{params, Connection};

/// Whether the order aliased `o` counts, as SQL over its own columns and the status table.
const COUNTS: &str = "(o.cancelled_at IS NULL AND lower(trim(COALESCE(o.status, ''))) NOT IN \
     (SELECT status FROM uncounted_order_statuses))";

/// The statuses as stored: trimmed, lower-case, without duplicates, sorted.
fn normalized(statuses: &[String]) -> Vec<String> {
    let mut out: Vec<String> = statuses
        .iter()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Makes the stored list of uncounted statuses equal to `statuses` and, when it changed,
/// recounts every order. Returns whether anything changed.
pub fn sync(conn: &mut Connection, statuses: &[String]) -> rusqlite::Result<bool> {
    let wanted = normalized(statuses);
    let stored: Vec<String> = conn
        .prepare("SELECT status FROM uncounted_order_statuses ORDER BY status")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if stored == wanted {
        return Ok(false);
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM uncounted_order_statuses", [])?;
    for status in &wanted {
        tx.execute(
            "INSERT INTO uncounted_order_statuses (status) VALUES (?1)",
            [status],
        )?;
    }
    recount_all(&tx)?;
    tx.commit()?;
    Ok(true)
}

/// Recounts every order whose `counted` is out of date (after an import, or a change of the
/// status list); returns the number of orders changed.
pub fn recount_all(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute(
        &format!("UPDATE orders AS o SET counted = {COUNTS} WHERE o.counted IS NOT {COUNTS}"),
        [],
    )
}

/// The stored list of statuses the shop does not count, for a writer that computes `counted`
/// itself with [`counts`] (the bulk load of an empty orders table, which then needs no
/// [`recount_all`] scan of the finished table).
pub fn uncounted(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare("SELECT status FROM uncounted_order_statuses")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// Whether an order with this status and cancellation time counts, exactly as the SQL of
/// `COUNTS` decides: SQLite's `trim` removes spaces only and its `lower` folds ASCII letters
/// only, so both are done here the same way (a test compares the two on awkward statuses).
pub fn counts(status: Option<&str>, cancelled_at: Option<i64>, uncounted: &[String]) -> bool {
    if cancelled_at.is_some() {
        return false;
    }
    let status = status.unwrap_or("").trim_matches(' ').to_ascii_lowercase();
    !uncounted.contains(&status)
}

/// Recounts the order with internal id `id` (after the API or a webhook wrote it).
pub fn recount(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.execute(
        &format!("UPDATE orders AS o SET counted = {COUNTS} WHERE o.id = ?1 AND o.counted IS NOT {COUNTS}"),
        params![id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(conn: &Connection, id: i64, status: Option<&str>, cancelled_at: Option<i64>) {
        conn.execute(
            "INSERT INTO orders (id, external_id, customer, placed_at, total, status, cancelled_at)
             VALUES (?1, ?2, 1, 0, 100, ?3, ?4)",
            params![id, format!("o{id}"), status, cancelled_at],
        )
        .unwrap();
        recount(conn, id).unwrap();
    }

    fn counted_ids(conn: &Connection) -> Vec<i64> {
        conn.prepare("SELECT id FROM orders WHERE counted = 1 ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn cancelled_voided_and_cancellation_times_do_not_count() {
        let mut conn = crate::store::open_in_memory().unwrap();
        conn.execute(
            "INSERT INTO customers (id, external_id) VALUES (1, 'c1')",
            [],
        )
        .unwrap();
        order(&conn, 1, Some("paid"), None);
        order(&conn, 2, Some(" Cancelled "), None);
        order(&conn, 3, Some("voided"), None);
        order(&conn, 4, None, None);
        order(&conn, 5, Some("paid"), Some(10));
        order(&conn, 6, Some("pending"), None);
        assert_eq!(counted_ids(&conn), [1, 4, 6]);
        // The shop also leaves pending orders out: everything is recounted once.
        let list = ["cancelled", "voided", "Pending"].map(String::from);
        assert!(sync(&mut conn, &list).unwrap());
        assert_eq!(counted_ids(&conn), [1, 4]);
        assert!(
            !sync(&mut conn, &list).unwrap(),
            "an unchanged list recounts nothing"
        );
        assert!(sync(&mut conn, &[]).unwrap());
        assert_eq!(counted_ids(&conn), [1, 2, 3, 4, 6]);
    }

    #[test]
    fn counts_in_rust_decides_as_the_sql_does() {
        let conn = crate::store::open_in_memory().unwrap();
        let mut list = vec![
            "cancelled".to_string(),
            "voided".to_string(),
            "é".to_string(),
        ];
        list.sort();
        let statuses = [
            None,
            Some("paid"),
            Some("cancelled"),
            Some(" CANCELLED "),
            Some("\tcancelled"),
            Some("Voided"),
            Some("É"),
            Some("é"),
            Some("cancelled\n"),
            Some(""),
        ];
        for status in statuses {
            for cancelled_at in [None, Some(5)] {
                let sql: bool = conn
                    .query_row(
                        &format!(
                            "SELECT {} FROM (SELECT ?1 AS status, ?2 AS cancelled_at) AS o",
                            COUNTS.replace(
                                "(SELECT status FROM uncounted_order_statuses)",
                                "('cancelled', 'voided', 'é')"
                            )
                        ),
                        params![status, cancelled_at],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(
                    counts(status, cancelled_at, &list),
                    sql,
                    "{status:?} {cancelled_at:?}"
                );
            }
        }
        let mut stored = uncounted(&conn).unwrap();
        stored.sort();
        assert_eq!(stored, ["cancelled", "voided"]);
    }
}
