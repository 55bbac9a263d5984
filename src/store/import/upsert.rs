//! Building and running the idempotent upserts every importer uses.
//!
//! Each statement is `INSERT ... ON CONFLICT (key) DO UPDATE SET ... WHERE <a column differs>
//! RETURNING id`, so re-importing the same file writes nothing. The outcome of a row follows
//! from the returned id: no row means the stored values were already equal (unchanged);
//! `Classifier` tells a new row from an updated one. Only the columns present in the file are written, so importing a file with fewer
//! columns never erases values another file set.

use rusqlite::types::ToSql;
use rusqlite::{Connection, Statement};

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

impl Outcome {
    /// Combines the outcomes of the writes one row caused: any insert wins, then any update.
    pub fn merge(self, other: Outcome) -> Outcome {
        match (self, other) {
            (Outcome::Inserted, _) | (_, Outcome::Inserted) => Outcome::Inserted,
            (Outcome::Updated, _) | (_, Outcome::Updated) => Outcome::Updated,
            _ => Outcome::Unchanged,
        }
    }
}

/// One written column: its name and the SQL expressions for insert and for update, where `$`
/// stands for the column's bound parameter.
pub struct Col {
    pub name: &'static str,
    pub insert: &'static str,
    pub update: Option<&'static str>,
}

impl Col {
    /// A column written as the bound value, both on insert and on update.
    pub const fn plain(name: &'static str) -> Col {
        Col {
            name,
            insert: "$",
            update: None,
        }
    }
}

/// Builds the upsert statement text; parameters are numbered in the order of `cols`.
pub fn upsert_sql(table: &str, key: &[&str], cols: &[Col]) -> String {
    let mut names = Vec::new();
    let mut values = Vec::new();
    let mut sets = Vec::new();
    let mut differs = Vec::new();
    for (i, col) in cols.iter().enumerate() {
        let param = format!("?{}", i + 1);
        names.push(col.name.to_owned());
        values.push(col.insert.replace('$', &param));
        if key.contains(&col.name) {
            continue;
        }
        let update = match col.update {
            Some(expr) => expr.replace('$', &param),
            None => format!("excluded.{}", col.name),
        };
        differs.push(format!("{table}.{} IS NOT {update}", col.name));
        sets.push(format!("{} = {update}", col.name));
    }
    let action = if sets.is_empty() {
        "NOTHING".to_owned()
    } else {
        format!(
            "UPDATE SET {} WHERE {}",
            sets.join(", "),
            differs.join(" OR ")
        )
    };
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO {action} RETURNING id",
        names.join(", "),
        values.join(", "),
        key.join(", ")
    )
}

/// Binds parameters of a statement in order, starting at 1, without building a parameter list.
pub struct Binder<'s, 'c> {
    stmt: &'s mut Statement<'c>,
    next: usize,
}

impl<'s, 'c> Binder<'s, 'c> {
    pub fn new(stmt: &'s mut Statement<'c>) -> Self {
        Binder { stmt, next: 0 }
    }

    pub fn bind<T: ToSql>(&mut self, value: T) -> rusqlite::Result<&mut Self> {
        self.next += 1;
        self.stmt.raw_bind_parameter(self.next, value)?;
        Ok(self)
    }

    /// Runs the statement and returns the id it reported, if any.
    pub fn returning_id(self) -> rusqlite::Result<Option<i64>> {
        let mut rows = self.stmt.raw_query();
        match rows.next()? {
            Some(row) => Ok(Some(row.get(0)?)),
            None => Ok(None),
        }
    }
}

/// Tells inserts from updates by the ids an upsert returns. SQLite gives a new row an id above
/// every id in the table, so an id above the highest seen so far (starting from the table's
/// largest id before the import) is a new row; any other returned id is an update, including a
/// second row of the same file updating a row this import inserted.
pub struct Classifier {
    high: i64,
}

impl Classifier {
    pub fn new(conn: &Connection, table: &str) -> rusqlite::Result<Self> {
        let high = conn.query_row(
            &format!("SELECT coalesce(max(id), 0) FROM {table}"),
            [],
            |r| r.get(0),
        )?;
        Ok(Classifier { high })
    }

    pub fn outcome(&mut self, returned: Option<i64>) -> Outcome {
        match returned {
            None => Outcome::Unchanged,
            Some(id) if id > self.high => {
                self.high = id;
                Outcome::Inserted
            }
            Some(_) => Outcome::Updated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_updates_only_when_a_column_differs() {
        let sql = upsert_sql(
            "products",
            &["external_id"],
            &[Col::plain("external_id"), Col::plain("title")],
        );
        assert_eq!(
            sql,
            "INSERT INTO products (external_id, title) VALUES (?1, ?2) ON CONFLICT (external_id) \
             DO UPDATE SET title = excluded.title WHERE products.title IS NOT excluded.title RETURNING id"
        );
        let only_key = upsert_sql("products", &["external_id"], &[Col::plain("external_id")]);
        assert!(only_key.contains("DO NOTHING RETURNING id"));
    }
}
