//! Shopify webhook deliveries seen, by `X-Shopify-Webhook-Id`. Shopify delivers at least once
//! and retries for up to 48 hours, sometimes after a newer webhook about the same customer or
//! order; storing a redelivery again could put back data the newer one replaced. The first
//! delivery of an id is written, every later one is acknowledged and dropped.
//!
//! This module owns the `shopify_deliveries` table; ids older than a week are forgotten.

use rusqlite::{params, Connection};

/// How long a delivery id is remembered: well past Shopify's 48 hours of retries.
const KEEP_MS: i64 = 7 * 86_400_000;

/// Records delivery `id` of `topic` at `now`; `false` when it was recorded before (a
/// redelivery, whose writes must be skipped).
pub fn record(tx: &Connection, id: &str, topic: &str, now: i64) -> rusqlite::Result<bool> {
    tx.prepare_cached("DELETE FROM shopify_deliveries WHERE received_at < ?1")?
        .execute([now - KEEP_MS])?;
    let fresh = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO shopify_deliveries (webhook_id, topic, received_at)
             VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, topic, now])?;
    Ok(fresh == 1)
}
