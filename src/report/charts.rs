//! The data behind the HTML charts: size histories, the RFM grid, lifecycle counts and CLVs.

use rusqlite::Connection;
use serde::Serialize;

use super::ReportOptions;
use crate::store::{membership, scores};

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
    for (segment, at, members) in membership::all_sizes(conn)? {
        match sizes.last_mut() {
            Some((s, points)) if *s == segment => points.push((at, members)),
            _ => sizes.push((segment, vec![(at, members)])),
        }
    }
    let rfm = scores::rfm_grid(conn)?
        .into_iter()
        .map(|(r, f, n)| RfmCell {
            r,
            f,
            customers: n as u64,
        })
        .collect();
    let lifecycle = scores::lifecycle_counts(conn)?
        .into_iter()
        .map(|(stage, n)| (stage, n as u64))
        .collect();
    Ok(ChartData {
        sizes,
        rfm,
        lifecycle,
        clv: scores::predicted_clvs(conn)?,
    })
}
