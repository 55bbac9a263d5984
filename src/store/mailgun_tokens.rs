//! The tokens of the Mailgun webhooks accepted. Mailgun signs `timestamp` + `token`, and a
//! signature alone cannot tell a replay from the original: anyone who once saw a signed body
//! could post it again. Mailgun's documented defence is to refuse a token seen before and a
//! timestamp too far from the receiver's clock; this table is the memory of the first half,
//! kept in the store so a restart of the daemon does not open the window again.
//!
//! This module owns `mailgun_tokens`. A token is forgotten once its signing time lies more
//! than the accepted window in the past, because a body with that timestamp is refused as
//! stale anyway.

use rusqlite::{params, Connection};

/// Records `token`, signed at `signed_at` (unix ms), at `now`, after forgetting the tokens
/// older than `window` ms; `false` when the token was recorded before (a replay).
pub fn record(
    tx: &Connection,
    token: &str,
    signed_at: i64,
    now: i64,
    window: i64,
) -> rusqlite::Result<bool> {
    tx.prepare_cached("DELETE FROM mailgun_tokens WHERE signed_at < ?1")?
        .execute([now.saturating_sub(window)])?;
    let fresh = tx
        .prepare_cached("INSERT OR IGNORE INTO mailgun_tokens (token, signed_at) VALUES (?1, ?2)")?
        .execute(params![token, signed_at])?;
    Ok(fresh == 1)
}

/// How many tokens are remembered (for tests and diagnostics).
pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM mailgun_tokens", [], |r| r.get(0))
}
