//! The dashboard's figures: the overview per week and month against a year earlier
//! (`overview.rs`), monthly acquisition cohorts (`cohorts.rs`) and how segments overlap
//! (`overlap.rs`), in the shop's calendar
//! (`calendar.rs`). They are computed here, from the counted orders `store::reports::dashboard`
//! reads, so that the pages of `segflow run`'s `/dashboard` and of `segflow report --html DIR`
//! only render them, and tests check them against SQL written on its own.

pub mod calendar;
pub mod cohorts;
pub mod overlap;
pub mod overview;
pub mod segment_profile;

use rusqlite::Connection;

use crate::store::reports::dashboard::{purchases, Purchase};

pub use calendar::Calendar;
pub use cohorts::{cohorts, Cohort, Cohorts};
pub use overlap::{overlap, Overlap};
pub use overview::{overview, Figures, Overview, OverviewOptions, Period};
pub use segment_profile::{segment_profile, SegmentProfile, MIN_SUPPORT};

/// One counted order with its place among its customer's orders (1 for their first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub at: i64,
    pub customer: i64,
    pub amount: i64,
    pub ordinal: u32,
}

/// Every counted order up to a time, in time order, numbered per customer.
#[derive(Debug, Clone, Default)]
pub struct Purchases {
    by_time: Vec<Placed>,
}

impl Purchases {
    /// Reads every counted order placed at or before `until`.
    pub fn load(conn: &Connection, until: i64) -> rusqlite::Result<Purchases> {
        Ok(Purchases::from_rows(&purchases(conn, until)?))
    }

    /// Numbers rows given by customer, then time (as `store::reports::dashboard` reads them).
    pub fn from_rows(rows: &[Purchase]) -> Purchases {
        let mut by_time = Vec::with_capacity(rows.len());
        let mut previous = None;
        let mut ordinal = 0u32;
        for p in rows {
            ordinal = if previous == Some(p.customer) {
                ordinal + 1
            } else {
                1
            };
            previous = Some(p.customer);
            by_time.push(Placed {
                at: p.at,
                customer: p.customer,
                amount: p.amount,
                ordinal,
            });
        }
        // Stable, so one customer's orders at the same millisecond keep their order.
        by_time.sort_by_key(|p| p.at);
        Purchases { by_time }
    }

    /// The orders placed in `[start, end)`.
    pub fn between(&self, start: i64, end: i64) -> &[Placed] {
        let a = self.by_time.partition_point(|p| p.at < start);
        let b = self.by_time.partition_point(|p| p.at < end).max(a);
        &self.by_time[a..b]
    }

    /// Every order, in time order.
    pub fn all(&self) -> &[Placed] {
        &self.by_time
    }
}

/// Reads and computes one segment's profile beside every customer's.
pub fn load_segment_profile(
    conn: &Connection,
    segment: &str,
    now: i64,
) -> rusqlite::Result<SegmentProfile> {
    use crate::store::reports::segment_profile as q;
    let (members, everyone) = (q::people(conn, Some(segment))?, q::people(conn, None)?);
    let (bought, all) = (
        q::product_buyers(conn, Some(segment), now)?,
        q::product_buyers(conn, None, now)?,
    );
    Ok(segment_profile(
        segment,
        (&members, &everyone),
        (&bought, &all),
        now,
    ))
}
