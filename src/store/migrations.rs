//! Versioned schema migrations of the SQLite store.
//!
//! Each entry is applied once, in order, inside a transaction, and `PRAGMA user_version` records
//! how many have been applied, so an old database file is brought up to date when it is opened
//! and a newer one is refused rather than misread.

use rusqlite::Connection;

use super::StoreError;

/// The migrations in order; never edit one that has shipped, append a new one instead.
const MIGRATIONS: &[&str] = &[
    // 1: the customer store and segment membership.
    r#"
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    email TEXT,
    first_name TEXT,
    last_name TEXT,
    created_at INTEGER,
    birthday INTEGER,
    gender TEXT,
    country TEXT,
    region TEXT,
    city TEXT,
    zip TEXT,
    timezone TEXT,
    accepts_marketing INTEGER,
    tags TEXT NOT NULL DEFAULT '[]',
    attributes TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    title TEXT,
    category TEXT,
    price INTEGER,
    tags TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    customer INTEGER NOT NULL REFERENCES customers(id),
    placed_at INTEGER NOT NULL,
    total INTEGER NOT NULL,
    discount INTEGER NOT NULL DEFAULT 0,
    status TEXT,
    channel TEXT,
    currency TEXT
);
CREATE INDEX orders_by_customer ON orders(customer, placed_at);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    product INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL DEFAULT 1,
    price INTEGER NOT NULL DEFAULT 0,
    UNIQUE(order_id, product)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    customer INTEGER NOT NULL REFERENCES customers(id),
    type TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    dedup_key TEXT NOT NULL UNIQUE
);
CREATE INDEX events_by_customer ON events(customer, occurred_at);
CREATE TABLE segment_members (
    segment TEXT NOT NULL,
    customer INTEGER NOT NULL REFERENCES customers(id),
    since INTEGER NOT NULL,
    PRIMARY KEY (segment, customer)
) WITHOUT ROWID;
CREATE TABLE segment_changes (
    id INTEGER PRIMARY KEY,
    segment TEXT NOT NULL,
    customer INTEGER NOT NULL REFERENCES customers(id),
    change TEXT NOT NULL CHECK (change IN ('entered', 'exited')),
    at INTEGER NOT NULL
);
CREATE INDEX segment_changes_by_segment ON segment_changes(segment, at);
CREATE TABLE segment_sizes (
    segment TEXT NOT NULL,
    at INTEGER NOT NULL,
    members INTEGER NOT NULL,
    entered INTEGER NOT NULL,
    exited INTEGER NOT NULL,
    PRIMARY KEY (segment, at)
) WITHOUT ROWID;
"#,
    // 2: fitted model parameters and the per-customer scores segments read (`rfm.*`,
    // `lifecycle`, `predicted.*`).
    r#"
CREATE TABLE model_fits (
    id INTEGER PRIMARY KEY,
    fitted_at INTEGER NOT NULL,
    now INTEGER NOT NULL,
    params TEXT NOT NULL,
    diagnostics TEXT NOT NULL
);
CREATE TABLE customer_scores (
    customer INTEGER PRIMARY KEY REFERENCES customers(id),
    computed_at INTEGER NOT NULL,
    rfm_r INTEGER,
    rfm_f INTEGER,
    rfm_m INTEGER,
    rfm_score TEXT,
    rfm_group TEXT,
    lifecycle TEXT NOT NULL,
    p_alive REAL,
    purchases_90d REAL,
    predicted_aov REAL,
    predicted_clv REAL,
    churn_risk REAL
);
"#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to `SCHEMA_VERSION`.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
