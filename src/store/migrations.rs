//! Versioned schema migrations of the SQLite store.
//!
//! Each entry is applied once, in order, inside a transaction, and `PRAGMA user_version` records
//! how many have been applied, so an old database file is brought up to date when it is opened
//! and a newer one is refused rather than misread.

use rusqlite::Connection;

use super::StoreError;

/// The migrations in order; never edit one that has shipped, append a new one instead.
///
/// Unique keys are separately named `CREATE UNIQUE INDEX` statements rather than inline
/// `UNIQUE` constraints (which SQLite cannot drop): a bulk import into an empty table drops
/// them and rebuilds them from the finished table, which is far faster than growing them one
/// random insert at a time. They mean exactly what the inline constraints meant.
const MIGRATIONS: &[&str] = &[
    // 1: the customer store and segment membership. An event's `dedup_key` is its `event_id`
    // as TEXT, or a 16-byte BLOB hash of its content when the file has no id; a BLOB never
    // equals a TEXT value, so the two kinds cannot collide, and the column has no type
    // affinity so that neither is converted.
    r#"
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL,
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
CREATE UNIQUE INDEX customers_by_external_id ON customers(external_id);
CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL,
    title TEXT,
    category TEXT,
    price INTEGER,
    tags TEXT NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX products_by_external_id ON products(external_id);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL,
    customer INTEGER NOT NULL REFERENCES customers(id),
    placed_at INTEGER NOT NULL,
    total INTEGER NOT NULL,
    discount INTEGER NOT NULL DEFAULT 0,
    status TEXT,
    channel TEXT,
    currency TEXT
);
CREATE UNIQUE INDEX orders_by_external_id ON orders(external_id);
CREATE INDEX orders_by_customer ON orders(customer, placed_at);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    product INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL DEFAULT 1,
    price INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX order_items_by_order_product ON order_items(order_id, product);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    customer INTEGER NOT NULL REFERENCES customers(id),
    type TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    dedup_key BLOB NOT NULL
);
CREATE UNIQUE INDEX events_by_dedup_key ON events(dedup_key);
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
    // 2: workflow journeys, their log, trigger cursors and schedule slots.
    r#"
CREATE TABLE journeys (
    id INTEGER PRIMARY KEY,
    workflow TEXT NOT NULL,
    customer INTEGER NOT NULL REFERENCES customers(id),
    run INTEGER NOT NULL,
    step_path TEXT,
    state TEXT NOT NULL CHECK (state IN ('active', 'waiting', 'done', 'converted', 'exited')),
    wake_at INTEGER,
    timeout_at INTEGER,
    variant TEXT,
    entered_at INTEGER NOT NULL,
    trigger_event TEXT,
    exit_reason TEXT,
    updated_at INTEGER NOT NULL,
    UNIQUE (workflow, customer, run)
);
CREATE INDEX journeys_due ON journeys(state, wake_at);
CREATE INDEX journeys_by_customer ON journeys(workflow, customer, run);
CREATE TABLE journey_log (
    id INTEGER PRIMARY KEY,
    journey INTEGER NOT NULL REFERENCES journeys(id),
    step TEXT,
    action TEXT NOT NULL,
    at INTEGER NOT NULL,
    detail TEXT
);
CREATE INDEX journey_log_by_journey ON journey_log(journey);
CREATE TABLE workflow_cursors (
    workflow TEXT NOT NULL,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (workflow, source)
) WITHOUT ROWID;
CREATE TABLE schedule_slots (
    job TEXT NOT NULL,
    slot INTEGER NOT NULL,
    UNIQUE (job, slot)
);
"#,
    // 3: the email outbox (one row per intended send, keyed for idempotency) and suppressions.
    r#"
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    workflow TEXT NOT NULL,
    step TEXT NOT NULL,
    customer INTEGER NOT NULL,
    run INTEGER NOT NULL,
    template TEXT NOT NULL,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_html TEXT NOT NULL,
    body_text TEXT NOT NULL,
    unsubscribe_url TEXT,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'held', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_by_customer ON outbox(customer, created_at);
CREATE TABLE suppressions (
    email TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // 4: fitted model parameters and the per-customer scores segments read (`rfm.*`,
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
    // 5: membership looked up by customer (a journey's template context lists the customer's
    // segments); the primary key (segment, customer) cannot serve that without a full scan.
    r#"
CREATE INDEX segment_members_by_customer ON segment_members(customer);
"#,
    // 6: the daemon. A slot is claimed (`started_at`) before its job runs and completed
    // (`done_at`) after, so a restart resumes an unfinished slot once instead of skipping or
    // repeating finished ones. `store_changes` journals which customers any writer touched
    // (triggers, so CSV imports and the HTTP API are both seen); the daemon's warm snapshot
    // reloads just those customers; AUTOINCREMENT because the daemon deletes what it applied and
    // a reused sequence number would hide a change. A NULL customer means "everything" (a bulk load, which
    // drops these triggers for speed). `daemon_state` is what `segflow status` reads.
    r#"
ALTER TABLE schedule_slots ADD COLUMN started_at INTEGER;
ALTER TABLE schedule_slots ADD COLUMN done_at INTEGER;
CREATE TABLE store_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    customer INTEGER
);
CREATE TRIGGER customers_changed_insert AFTER INSERT ON customers
BEGIN INSERT INTO store_changes (customer) VALUES (NEW.id); END;
CREATE TRIGGER customers_changed_update AFTER UPDATE ON customers
BEGIN INSERT INTO store_changes (customer) VALUES (NEW.id); END;
CREATE TRIGGER orders_changed_insert AFTER INSERT ON orders
BEGIN INSERT INTO store_changes (customer) VALUES (NEW.customer); END;
CREATE TRIGGER orders_changed_update AFTER UPDATE ON orders
BEGIN
    INSERT INTO store_changes (customer) VALUES (NEW.customer);
    INSERT INTO store_changes (customer) SELECT OLD.customer WHERE OLD.customer <> NEW.customer;
END;
CREATE TRIGGER order_items_changed_insert AFTER INSERT ON order_items
BEGIN INSERT INTO store_changes (customer) SELECT customer FROM orders WHERE id = NEW.order_id; END;
CREATE TRIGGER order_items_changed_update AFTER UPDATE ON order_items
BEGIN INSERT INTO store_changes (customer) SELECT customer FROM orders WHERE id = NEW.order_id; END;
CREATE TRIGGER events_changed_insert AFTER INSERT ON events
BEGIN INSERT INTO store_changes (customer) VALUES (NEW.customer); END;
CREATE TABLE daemon_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // 7: outbox rows looked up by address per workflow step, so that customers sharing one
    // email (a re-created Shopify customer) get one message per step; the expression is the
    // one `workflow::mail_dispatch` compares with, so SQLite can use the index.
    r#"
CREATE INDEX outbox_by_address ON outbox(workflow, step, lower(trim(to_email)));
"#,
    // 8: a customer's phone number, so that a Shopify order without an email (cash on delivery,
    // phone-only shops) finds its customer by phone. Written by `store::import` (customers
    // files and the orders import's phone and guest customers); compared normalised in memory.
    r#"
ALTER TABLE customers ADD COLUMN phone TEXT;
"#,
    // 9: order status and refunds. `refunded` (minor units) and `cancelled_at` come from the
    // merchant; `counted` says whether the order counts as a purchase (derived fields, models,
    // report revenue) and is kept by `store::order_status` from the statuses the shop does not
    // count (`[shop] uncounted_statuses`), which live in `uncounted_order_statuses`.
    r#"
ALTER TABLE orders ADD COLUMN refunded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN cancelled_at INTEGER;
ALTER TABLE orders ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
CREATE TABLE uncounted_order_statuses (status TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO uncounted_order_statuses (status) VALUES ('cancelled'), ('voided');
UPDATE orders SET counted = 0
WHERE lower(trim(COALESCE(status, ''))) IN (SELECT status FROM uncounted_order_statuses);
"#,
    // 10: Shopify webhook deliveries already stored, so a redelivery is stored once
    // (`ingest::shopify_delivery`).
    r#"
CREATE TABLE shopify_deliveries (
    webhook_id TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX shopify_deliveries_by_time ON shopify_deliveries(received_at);
"#,
    // 11: an order may hold several lines for one product; `line` numbers them (0, 1, …) in
    // the order they were sent, so each keeps its own quantity and price
    // (`store::import::items`, `ingest::write`).
    r#"
ALTER TABLE order_items ADD COLUMN line INTEGER NOT NULL DEFAULT 0;
DROP INDEX order_items_by_order_product;
CREATE UNIQUE INDEX order_items_by_order_line ON order_items(order_id, product, line);
"#,
    // 12: bounces and complaints reported after sending (`store::mail_feedback`), each tied to
    // its outbox row when the report names the message's Message-ID (`outbox` NULL when it
    // does not) and recorded once per original message, address and kind (`dedup_key`).
    // `suppressed` says whether this report put the address on the suppression list. Outbox
    // rows are looked up by Message-ID (also by every open and click, `mail::engagement`),
    // which needs its own index.
    r#"
CREATE TABLE mail_feedback (
    id INTEGER PRIMARY KEY,
    dedup_key TEXT NOT NULL,
    outbox INTEGER REFERENCES outbox(id),
    customer INTEGER NOT NULL REFERENCES customers(id),
    email TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint')),
    status TEXT,
    diagnostic TEXT,
    original_message_id TEXT,
    received_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mail_feedback_by_dedup_key ON mail_feedback(dedup_key);
CREATE INDEX mail_feedback_by_email ON mail_feedback(email, kind, received_at);
CREATE INDEX mail_feedback_by_outbox ON mail_feedback(outbox);
CREATE INDEX outbox_by_message_id ON outbox(message_id);
"#,
    // 13: outgoing webhooks, queued before they are called like the outbox's mail
    // (`store::webhooks`), and how far each journal has been read into them.
    r#"
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook TEXT NOT NULL,
    key TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'delivered', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (webhook, key)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX outbox_sent_by_time ON outbox(sent_at) WHERE sent_at IS NOT NULL;
CREATE TABLE webhook_cursors (
    source TEXT PRIMARY KEY,
    position INTEGER NOT NULL
) WITHOUT ROWID;
"#,
    // 14: the tokens of Mailgun webhooks accepted, by the time they were signed, so a replayed
    // signature is refused after a restart too (`store::mailgun_tokens`).
    r#"
CREATE TABLE mailgun_tokens (
    token TEXT PRIMARY KEY,
    signed_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX mailgun_tokens_by_time ON mailgun_tokens(signed_at);
"#,
];

/// The journal triggers of `table` (migration 6), by name and SQL, so that a bulk load can drop
/// them and recreate them afterwards.
pub fn change_triggers(conn: &Connection, table: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1 AND name LIKE '%_changed_%'",
    )?;
    let rows = stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

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
