//! Building and running the idempotent upserts every importer uses.
//!
//! Each statement is `INSERT ... ON CONFLICT (key) DO UPDATE SET ... WHERE <a column differs>
//! RETURNING id`, so re-importing the same file writes nothing. The outcome of a row follows
//! from the returned id: no row means the stored values were already equal (unchanged);
//! `Classifier` tells a new row from an updated one. Only the columns present in the file are written, so importing a file with fewer
//! columns never erases values another file set.

use rusqlite::types::ToSql;
use rusqlite::{Connection, Statement};

use super::bulk::{Key, KeyIndex};

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
    /// The expression of the plain `INSERT` tried first (`insert_sql`), when it differs from
    /// `insert`: that statement only ever writes a new row, and its binder says so
    /// (`Binder::new_row`), so the value bound can already be the one to store.
    pub plain_insert: Option<&'static str>,
}

impl Col {
    /// A column written as the bound value, both on insert and on update.
    pub const fn plain(name: &'static str) -> Col {
        Col {
            name,
            insert: "$",
            update: None,
            plain_insert: None,
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

/// The plain insert of the same columns, tried first while rows are new (see `Upsert`).
pub fn insert_sql(table: &str, cols: &[Col]) -> String {
    let names: Vec<&str> = cols.iter().map(|c| c.name).collect();
    let values: Vec<String> = (1..=cols.len())
        .zip(cols)
        .map(|(i, c)| {
            c.plain_insert
                .unwrap_or(c.insert)
                .replace('$', &format!("?{i}"))
        })
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        values.join(", ")
    )
}

/// The update of the row with a known id to the bound values, only when a column differs;
/// used for a repeated key during a bulk load, where there is no unique index to conflict on.
/// The row id is the parameter after the columns; `None` when every column is part of the key.
pub fn update_sql(table: &str, key: &[&str], cols: &[Col]) -> Option<String> {
    let mut sets = Vec::new();
    let mut differs = Vec::new();
    for (i, col) in cols.iter().enumerate() {
        if key.contains(&col.name) {
            continue;
        }
        let param = format!("?{}", i + 1);
        let value = col.update.unwrap_or(col.insert).replace('$', &param);
        differs.push(format!("{table}.{} IS NOT {value}", col.name));
        sets.push(format!("{} = {value}", col.name));
    }
    if sets.is_empty() {
        return None;
    }
    Some(format!(
        "UPDATE {table} SET {} WHERE id = ?{} AND ({})",
        sets.join(", "),
        cols.len() + 1,
        differs.join(" OR ")
    ))
}

/// A bulk load's replacement for the unique index: the keys written so far, and the update
/// that a repeated key turns into.
struct Bulk<'c> {
    keys: KeyIndex<'c>,
    update: Option<Statement<'c>>,
}

/// A prepared upsert of one table with its outcome accounting.
///
/// While most rows are new (the usual bulk load into an empty or growing table), a row is
/// first written with a plain `INSERT`, falling back to the upsert only when the key exists:
/// SQLite runs an upsert with a statement journal and `RETURNING` through a temporary table,
/// which made it several times slower than a plain insert. When most rows turn out to exist
/// (a re-import), the upsert is used directly.
pub struct Upsert<'c> {
    conn: &'c Connection,
    insert: Statement<'c>,
    conflicts_with: Conflicts<'c>,
    classifier: Classifier,
    insert_first: bool,
    /// Rows written since the last choice, and how many of them had an existing key.
    tries: u32,
    conflicts: u32,
}

/// How a row whose key exists is written.
enum Conflicts<'c> {
    /// The upsert, which relies on the table's unique index.
    Upsert(Statement<'c>),
    /// During a bulk load, which has dropped the unique index.
    Bulk(Bulk<'c>),
}

/// How many rows are looked at before choosing between insert-first and upsert-first again.
const WINDOW: u32 = 1024;

impl<'c> Upsert<'c> {
    pub fn new(
        conn: &'c Connection,
        table: &str,
        key: &[&str],
        cols: &[Col],
    ) -> rusqlite::Result<Self> {
        let upsert = conn.prepare(&upsert_sql(table, key, cols))?;
        Upsert::with(conn, table, cols, Conflicts::Upsert(upsert))
    }

    fn with(
        conn: &'c Connection,
        table: &str,
        cols: &[Col],
        conflicts_with: Conflicts<'c>,
    ) -> rusqlite::Result<Self> {
        Ok(Upsert {
            conn,
            insert: conn.prepare(&insert_sql(table, cols))?,
            conflicts_with,
            classifier: Classifier::new(conn, table)?,
            insert_first: true,
            tries: 0,
            conflicts: 0,
        })
    }

    /// Like `new`, for a bulk load into `table` while it has no unique index (see `bulk`):
    /// every row is a plain insert, and a key repeated within the file updates the row it
    /// first created, exactly as the upsert would.
    pub fn bulk(
        conn: &'c Connection,
        table: &str,
        key: &[&str],
        cols: &[Col],
    ) -> rusqlite::Result<Self> {
        let update = match update_sql(table, key, cols) {
            Some(sql) => Some(conn.prepare(&sql)?),
            None => None,
        };
        let bulk = Bulk {
            keys: KeyIndex::new(conn, table, key)?,
            update,
        };
        Upsert::with(conn, table, cols, Conflicts::Bulk(bulk))
    }

    /// Writes one row whose parameters `bind` sets and whose key columns hold `key`; returns
    /// the outcome and the row's id when it was written (not when it was unchanged).
    pub fn write(
        &mut self,
        key: Key,
        bind: impl Fn(&mut Binder) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<(Outcome, Option<i64>)> {
        let (outcome, id) = match &mut self.conflicts_with {
            Conflicts::Bulk(bulk) => {
                return write_bulk(bulk, self.conn, &mut self.insert, key, bind)
            }
            Conflicts::Upsert(_) => self.write_row(bind)?,
        };
        self.tries += 1;
        if outcome != Outcome::Inserted {
            self.conflicts += 1;
        }
        if self.tries >= WINDOW {
            // Insert-first pays off while fewer than half the rows have existing keys.
            self.insert_first = self.conflicts * 2 < self.tries;
            self.tries = 0;
            self.conflicts = 0;
        }
        Ok((outcome, id))
    }

    fn write_row(
        &mut self,
        bind: impl Fn(&mut Binder) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<(Outcome, Option<i64>)> {
        if self.insert_first {
            bind(&mut Binder::for_insert(&mut self.insert))?;
            match self.insert.raw_execute() {
                Ok(_) => {
                    let id = self.conn.last_insert_rowid();
                    self.classifier.seen(id);
                    return Ok((Outcome::Inserted, Some(id)));
                }
                Err(error) if is_unique_violation(&error) => {}
                Err(error) => return Err(error),
            }
        }
        let Conflicts::Upsert(upsert) = &mut self.conflicts_with else {
            return Ok((Outcome::Unchanged, None));
        };
        let mut binder = Binder::new(upsert);
        bind(&mut binder)?;
        let id = binder.returning_id()?;
        Ok((self.classifier.outcome(id), id))
    }
}

/// Writes one row of a bulk load: a plain insert for a new key, the update of the row the key
/// created for a repeated one. Every id the insert creates is a new row, so no classifier is
/// needed.
fn write_bulk(
    bulk: &mut Bulk,
    conn: &Connection,
    insert: &mut Statement,
    key: Key,
    bind: impl Fn(&mut Binder) -> rusqlite::Result<()>,
) -> rusqlite::Result<(Outcome, Option<i64>)> {
    if let Some(id) = bulk.keys.find(key)? {
        let Some(update) = &mut bulk.update else {
            return Ok((Outcome::Unchanged, None));
        };
        let mut binder = Binder::new(update);
        bind(&mut binder)?;
        binder.bind(id)?;
        return Ok(match binder.execute()? {
            0 => (Outcome::Unchanged, None),
            _ => (Outcome::Updated, Some(id)),
        });
    }
    bind(&mut Binder::for_insert(insert))?;
    insert.raw_execute()?;
    let id = conn.last_insert_rowid();
    bulk.keys.add(key, id);
    Ok((Outcome::Inserted, Some(id)))
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

/// Binds parameters of a statement in order, starting at 1, without building a parameter list.
pub struct Binder<'s, 'c> {
    stmt: &'s mut Statement<'c>,
    next: usize,
    new_row: bool,
}

impl<'s, 'c> Binder<'s, 'c> {
    pub fn new(stmt: &'s mut Statement<'c>) -> Self {
        Binder {
            stmt,
            next: 0,
            new_row: false,
        }
    }

    /// A binder for the plain insert built by `insert_sql`, which writes only new rows.
    pub fn for_insert(stmt: &'s mut Statement<'c>) -> Self {
        Binder {
            new_row: true,
            ..Binder::new(stmt)
        }
    }

    /// True when the statement writes a new row with the columns' `plain_insert` expressions.
    pub fn new_row(&self) -> bool {
        self.new_row
    }

    pub fn bind<T: ToSql>(&mut self, value: T) -> rusqlite::Result<&mut Self> {
        self.next += 1;
        self.stmt.raw_bind_parameter(self.next, value)?;
        Ok(self)
    }

    /// Runs the statement and returns how many rows it changed.
    pub fn execute(self) -> rusqlite::Result<usize> {
        self.stmt.raw_execute()
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

    /// Records the id of a row inserted by a plain insert.
    pub fn seen(&mut self, id: i64) {
        self.high = self.high.max(id);
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
