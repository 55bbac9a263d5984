//! The data behind the HTML charts: size histories, the RFM grid, lifecycle counts and CLVs.

use rusqlite::Connection;
use serde::Serialize;

use super::ReportOptions;

/// How many scored customers have recency score `r` and frequency score `f`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RfmCell {
    pub r: i64,
    pub f: i64,
    pub customers: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChartData {
    /// Per segment: (unix ms, members), oldest first; every recorded size, not only the period.
    pub sizes: Vec<(String, Vec<(i64, i64)>)>,
    /// Empty when no customer has scores.
    pub rfm: Vec<RfmCell>,
    pub lifecycle: Vec<(String, u64)>,
    /// Every non-null predicted CLV, in major units of the shop's currency.
    pub clv: Vec<f64>,
}

pub fn chart_data(conn: &Connection, _o: &ReportOptions) -> rusqlite::Result<ChartData> {
    let mut sizes: Vec<(String, Vec<(i64, i64)>)> = Vec::new();
    let mut stmt = conn.prepare("SELECT segment, at, members FROM segment_sizes ORDER BY 1, 2")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (segment, at, members) = row?;
        match sizes.last_mut() {
            Some((s, points)) if *s == segment => points.push((at, members)),
            _ => sizes.push((segment, vec![(at, members)])),
        }
    }
    let rfm = conn
        .prepare(
            "SELECT rfm_r, rfm_f, COUNT(*) FROM customer_scores
             WHERE rfm_r IS NOT NULL AND rfm_f IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
        )?
        .query_map([], |r| {
            Ok(RfmCell {
                r: r.get(0)?,
                f: r.get(1)?,
                customers: r.get::<_, i64>(2)? as u64,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let lifecycle = conn
        .prepare("SELECT lifecycle, COUNT(*) FROM customer_scores GROUP BY 1 ORDER BY 2 DESC, 1")?
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
        .collect::<rusqlite::Result<_>>()?;
    let clv = conn
        .prepare("SELECT predicted_clv FROM customer_scores WHERE predicted_clv IS NOT NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ChartData {
        sizes,
        rfm,
        lifecycle,
        clv,
    })
}
