//! The stored model scores (`customer_scores`) as columns aligned with the customers, so the
//! evaluator reads `rfm.*`, `lifecycle` and `predicted.*` like any other customer field.
//!
//! When no scores were computed the columns stay empty and every read is null.

use rusqlite::Connection;

use super::interner::{Interner, Sym, NONE};
use super::StoreError;

/// The columns `read_row` reads, in its order.
const COLUMNS: &str = "SELECT customer, rfm_r, rfm_f, rfm_m, rfm_score, rfm_group, lifecycle, p_alive, purchases_90d, predicted_aov, predicted_clv, churn_risk FROM customer_scores";

/// Up to this many customers, scores are looked up by key instead of read in one scan.
const BY_KEY: usize = 1024;

/// Score columns indexed by customer position; numbers are `NaN` when null (stored null), RFM
/// digits `0` when null, strings `NONE` when null.
#[derive(Default, Debug)]
pub struct Scores {
    /// `[r, f, m]` per customer.
    pub rfm: Vec<[u8; 3]>,
    pub rfm_score: Vec<Sym>,
    pub rfm_group: Vec<Sym>,
    pub lifecycle: Vec<Sym>,
    /// `[p_alive, purchases_90d, predicted_aov, predicted_clv, churn_risk]` per customer.
    pub predicted: Vec<[f64; 5]>,
}

impl Scores {
    /// Reads the scores of the customers in `ids` (ascending internal ids); rows of other
    /// customers are skipped.
    pub fn load(
        conn: &Connection,
        ids: &[i64],
        strings: &mut Interner,
    ) -> Result<Scores, StoreError> {
        let mut scores = Scores::default();
        // A database not yet migrated to the scores schema simply has no scores.
        let exists: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'customer_scores'",
            [],
            |r| r.get(0),
        )?;
        if exists == 0 {
            return Ok(scores);
        }
        // A few customers (an overlay chunk of the daemon) are looked up by key; a whole shop
        // is read in one scan.
        if ids.len() <= BY_KEY {
            let mut stmt = conn.prepare_cached(&format!("{COLUMNS} WHERE customer = ?1"))?;
            for &id in ids {
                let mut rows = stmt.query([id])?;
                while let Some(row) = rows.next()? {
                    scores.read_row(row, ids, strings)?;
                }
            }
        } else {
            let mut stmt = conn.prepare(COLUMNS)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                scores.read_row(row, ids, strings)?;
            }
        }
        Ok(scores)
    }

    /// Stores one `customer_scores` row (`COLUMNS`) at its customer's position.
    fn read_row(
        &mut self,
        row: &rusqlite::Row,
        ids: &[i64],
        strings: &mut Interner,
    ) -> rusqlite::Result<()> {
        let customer: i64 = row.get(0)?;
        let Ok(k) = ids.binary_search(&customer) else {
            return Ok(());
        };
        if self.rfm.is_empty() {
            let n = ids.len();
            self.rfm = vec![[0; 3]; n];
            self.rfm_score = vec![NONE; n];
            self.rfm_group = vec![NONE; n];
            self.lifecycle = vec![NONE; n];
            self.predicted = vec![[f64::NAN; 5]; n];
        }
        for d in 0..3 {
            let digit: Option<i64> = row.get(1 + d)?;
            self.rfm[k][d] = digit.map_or(0, |v| v.clamp(0, 9) as u8);
        }
        let mut text = |idx: usize| -> rusqlite::Result<Sym> {
            let s: Option<String> = row.get(idx)?;
            Ok(s.map_or(NONE, |s| strings.intern(&s)))
        };
        self.rfm_score[k] = text(4)?;
        self.rfm_group[k] = text(5)?;
        self.lifecycle[k] = text(6)?;
        for p in 0..5 {
            let v: Option<f64> = row.get(7 + p)?;
            self.predicted[k][p] = v.unwrap_or(f64::NAN);
        }
        Ok(())
    }

    /// RFM digit `d` (0 = r, 1 = f, 2 = m) of customer `k`, if scored.
    #[inline]
    pub fn rfm(&self, k: usize, d: usize) -> Option<f64> {
        let v = self.rfm.get(k)?[d];
        (v != 0).then_some(f64::from(v))
    }

    /// Prediction `p` (in the order of [`Scores::predicted`]) of customer `k`, if computed.
    #[inline]
    pub fn predicted(&self, k: usize, p: usize) -> Option<f64> {
        let v = self.predicted.get(k)?[p];
        (!v.is_nan()).then_some(v)
    }

    /// A string column of customer `k` (`NONE` if unscored).
    #[inline]
    pub fn sym(column: &[Sym], k: usize) -> Sym {
        column.get(k).copied().unwrap_or(NONE)
    }
}
