//! The owner of `journeys`, `journey_log` and `workflow_cursors`: every statement the journey
//! engine (`workflow::engine`) runs to start, advance, put to sleep and end journeys and to
//! move its trigger cursors, and the figures the daemon's gauges and wake-ups and
//! `segflow workflows status` read. The engine decides; this module only stores.

use rusqlite::{params, Connection, OptionalExtension};

/// How many journeys of one workflow stand at one step in one state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepCount {
    pub workflow: String,
    /// The step of a journey still running; `-` for one that ended.
    pub step: String,
    pub state: String,
    pub journeys: i64,
}

/// The earliest wake-up of a running journey, if any.
pub fn next_wake(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(wake_at) FROM journeys WHERE state IN ('active', 'waiting')",
        [],
        |r| r.get(0),
    )
}

/// How many journeys are running (active or waiting).
pub fn running(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM journeys WHERE state IN ('active', 'waiting')",
        [],
        |r| r.get(0),
    )
}

/// Journeys per workflow, step and state, of one workflow or of all.
pub fn step_counts(conn: &Connection, workflow: Option<&str>) -> rusqlite::Result<Vec<StepCount>> {
    let mut stmt = conn.prepare(
        "SELECT workflow,
                CASE WHEN state IN ('active', 'waiting') THEN COALESCE(step_path, '-') ELSE '-' END,
                state, COUNT(*) FROM journeys
         WHERE ?1 IS NULL OR workflow = ?1 GROUP BY 1, 2, 3 ORDER BY 1, 3, 2",
    )?;
    let rows = stmt.query_map([workflow], |r| {
        Ok(StepCount {
            workflow: r.get(0)?,
            step: r.get(1)?,
            state: r.get(2)?,
            journeys: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// A running journey that is due.
#[derive(Clone, Debug)]
pub struct JourneyRow {
    pub id: i64,
    pub workflow: String,
    pub customer: i64,
    pub run: i64,
    pub step: Option<String>,
    pub waiting: bool,
    pub timeout_at: Option<i64>,
    pub entered_at: i64,
    pub trigger_event: Option<serde_json::Value>,
}

/// Up to `limit` running journeys whose wake-up is at or before `now`, earliest first.
pub fn due(conn: &Connection, now: i64, limit: usize) -> rusqlite::Result<Vec<JourneyRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, workflow, customer, run, step_path, state, timeout_at, entered_at, trigger_event
         FROM journeys WHERE state IN ('active', 'waiting') AND wake_at <= ?1
         ORDER BY wake_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        let trigger: Option<String> = r.get(8)?;
        Ok(JourneyRow {
            id: r.get(0)?,
            workflow: r.get(1)?,
            customer: r.get(2)?,
            run: r.get(3)?,
            step: r.get(4)?,
            waiting: r.get::<_, String>(5)? == "waiting",
            timeout_at: r.get(6)?,
            entered_at: r.get(7)?,
            trigger_event: trigger.and_then(|t| serde_json::from_str(&t).ok()),
        })
    })?;
    rows.collect()
}

/// The earliest wake-up of a running journey strictly after `t`.
pub fn next_wake_after(conn: &Connection, t: i64) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT MIN(wake_at) FROM journeys WHERE state IN ('active', 'waiting') AND wake_at > ?1",
        [t],
        |r| r.get(0),
    )
}

/// Appends one line to the journey's log.
pub fn log(
    conn: &Connection,
    journey: i64,
    step: Option<&str>,
    action: &str,
    at: i64,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO journey_log (journey, step, action, at, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![journey, step, action, at, detail])?;
    Ok(())
}

/// Ends a journey in the final `state` (done, converted, exited).
pub fn finish(
    conn: &Connection,
    journey: i64,
    state: &str,
    reason: Option<&str>,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE journeys SET state = ?2, wake_at = NULL, timeout_at = NULL, exit_reason = ?3, updated_at = ?4 WHERE id = ?1")?
        .execute(params![journey, state, reason, now])?;
    Ok(())
}

/// Ends every running journey of `workflow` for `customer` as `exited` with `reason`, each
/// with a line in its log; how many there were.
pub fn exit_running(
    conn: &Connection,
    workflow: &str,
    customer: i64,
    reason: &str,
    now: i64,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT INTO journey_log (journey, step, action, at, detail)
         SELECT id, step_path, 'exited', ?3, ?4 FROM journeys
         WHERE workflow = ?1 AND customer = ?2 AND state IN ('active', 'waiting')",
    )?
    .execute(params![workflow, customer, now, reason])?;
    conn.prepare_cached(
        "UPDATE journeys SET state = 'exited', wake_at = NULL, timeout_at = NULL,
             exit_reason = ?4, updated_at = ?3
         WHERE workflow = ?1 AND customer = ?2 AND state IN ('active', 'waiting')",
    )?
    .execute(params![workflow, customer, now, reason])
}

/// Puts a journey to sleep on `step` until `wake_at`.
pub fn sleep(
    conn: &Connection,
    journey: i64,
    step: Option<&str>,
    wake_at: i64,
    timeout_at: Option<i64>,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE journeys SET step_path = ?2, state = 'waiting', wake_at = ?3, timeout_at = ?4, updated_at = ?5 WHERE id = ?1")?
        .execute(params![journey, step, wake_at, timeout_at, now])?;
    Ok(())
}

/// Moves a journey on to `step`, due at once.
pub fn advance(
    conn: &Connection,
    journey: i64,
    step: Option<&str>,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE journeys SET step_path = ?2, state = 'active', wake_at = ?3, timeout_at = NULL, updated_at = ?3 WHERE id = ?1")?
        .execute(params![journey, step, now])?;
    Ok(())
}

/// The journey's split assignments as stored (a JSON object), if any.
pub fn variants(conn: &Connection, journey: i64) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT variant FROM journeys WHERE id = ?1",
            [journey],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// Replaces the journey's split assignments (a JSON object).
pub fn set_variants(conn: &Connection, journey: i64, json: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE journeys SET variant = ?2 WHERE id = ?1",
        params![journey, json],
    )?;
    Ok(())
}

/// The latest run of a workflow for one customer: (run, state, entered_at).
pub fn last_run(
    conn: &Connection,
    workflow: &str,
    customer: i64,
) -> rusqlite::Result<Option<(i64, String, i64)>> {
    conn.prepare_cached(
        "SELECT run, state, entered_at FROM journeys WHERE workflow = ?1 AND customer = ?2 ORDER BY run DESC LIMIT 1",
    )?
    .query_row(params![workflow, customer], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
    .optional()
}

/// The trigger event (JSON text) of the customer's latest run of a workflow; `None` without a
/// run, `Some(None)` for a run without an event.
pub fn last_trigger_event(
    conn: &Connection,
    workflow: &str,
    customer: i64,
) -> rusqlite::Result<Option<Option<String>>> {
    conn.query_row(
        "SELECT trigger_event FROM journeys WHERE workflow = ?1 AND customer = ?2
         ORDER BY run DESC LIMIT 1",
        params![workflow, customer],
        |r| r.get(0),
    )
    .optional()
}

/// Starts run `run` of a workflow for a customer at its first step; returns the journey's id.
pub fn insert(
    conn: &Connection,
    workflow: &str,
    customer: i64,
    run: i64,
    first_step: &str,
    now: i64,
    trigger_event: Option<&str>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO journeys (workflow, customer, run, step_path, state, wake_at, entered_at, trigger_event, updated_at)
         VALUES (?1, ?2, ?3, ?4, 'active', ?5, ?5, ?6, ?5)",
    )?
    .execute(params![workflow, customer, run, first_step, now, trigger_event])?;
    Ok(conn.last_insert_rowid())
}

/// A workflow's position in one trigger source (`segment_changes`, `events`, `schedule`,
/// `activated`).
pub fn cursor(conn: &Connection, workflow: &str, source: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT position FROM workflow_cursors WHERE workflow = ?1 AND source = ?2",
    )?
    .query_row(params![workflow, source], |r| r.get(0))
    .optional()
}

pub fn set_cursor(
    conn: &Connection,
    workflow: &str,
    source: &str,
    position: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO workflow_cursors (workflow, source, position) VALUES (?1, ?2, ?3)
         ON CONFLICT (workflow, source) DO UPDATE SET position = excluded.position",
    )?
    .execute(params![workflow, source, position])?;
    Ok(())
}

/// Whether the workflow has any cursor (it consumed triggers before).
pub fn has_cursor(conn: &Connection, workflow: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM workflow_cursors WHERE workflow = ?1)",
        [workflow],
        |r| r.get(0),
    )
}

/// A journey's entry, conversion or exit as the journey log has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub id: i64,
    pub workflow: String,
    pub customer: i64,
    pub run: i64,
    /// `entered`, `converted` or `exited`.
    pub action: String,
    pub at: i64,
    pub detail: Option<String>,
}

/// Up to `limit` entries, conversions and exits after log id `after`, in id order.
pub fn milestones_after(
    conn: &Connection,
    after: i64,
    limit: i64,
) -> rusqlite::Result<Vec<Milestone>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, j.workflow, j.customer, j.run, l.action, l.at, l.detail
         FROM journey_log l JOIN journeys j ON j.id = l.journey
         WHERE l.id > ?1 AND l.action IN ('entered', 'converted', 'exited')
         ORDER BY l.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok(Milestone {
            id: r.get(0)?,
            workflow: r.get(1)?,
            customer: r.get(2)?,
            run: r.get(3)?,
            action: r.get(4)?,
            at: r.get(5)?,
            detail: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// The id of the latest journey log entry, 0 without any.
pub fn last_log_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(id), 0) FROM journey_log", [], |r| {
        r.get(0)
    })
}
