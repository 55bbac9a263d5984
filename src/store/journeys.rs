//! Read-only figures over `journeys` for the daemon's gauges and wake-ups and for
//! `segflow workflows status`; the journey engine (`workflow::engine`) writes the table.

use rusqlite::Connection;

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
