//! RFM scoring: recency, frequency and monetary value ranked into quintile scores 1–5, the
//! three-digit RFM code and the customer group that the usual R/F table names.
//!
//! Pure functions over per-customer values, like the rest of `analytics`: the caller summarises
//! orders (only customers with at least one order are scored) and passes one [`RfmValues`] each.
//!
//! # Scores
//!
//! Each dimension is scored on its own over the `n` scored customers. A customer's `rank` is the
//! number of customers with a strictly *worse* value (so equal values share the lowest rank of
//! their run), and `score = 1 + floor(5 · rank / n)`, which lies in 1..=5. Worse means a larger
//! recency (more days since the last order) and a smaller frequency or monetary value. The
//! result depends only on the multiset of values, never on input order.

/// The raw values of one customer with at least one order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmValues {
    /// Days since the last order (lower is better).
    pub recency_days: f64,
    /// Number of orders.
    pub frequency: f64,
    /// Total spent, in currency units.
    pub monetary: f64,
}

/// The scores of one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RfmScore {
    pub r: u8,
    pub f: u8,
    pub m: u8,
}

impl RfmScore {
    /// The three-digit code such as `"545"` (a string, so that it compares as written).
    pub fn code(&self) -> String {
        format!("{}{}{}", self.r, self.f, self.m)
    }

    /// The customer group from the R/F table (see [`GROUPS`]).
    pub fn group(&self) -> &'static str {
        group(self.r, self.f)
    }
}

/// A row of the R/F table: inclusive recency range, inclusive frequency range, group name.
pub type GroupRow = ((u8, u8), (u8, u8), &'static str);

/// The R/F table: the first row whose recency and frequency ranges (inclusive) hold the
/// customer's scores names their group. Every one of the 25 cells is covered.
pub const GROUPS: &[GroupRow] = &[
    ((5, 5), (4, 5), "champions"),
    ((3, 4), (4, 5), "loyal"),
    ((4, 5), (2, 3), "potential loyalist"),
    ((5, 5), (1, 1), "new"),
    ((4, 4), (1, 1), "promising"),
    ((3, 3), (3, 3), "need attention"),
    ((3, 3), (1, 2), "about to sleep"),
    ((1, 2), (5, 5), "can't lose"),
    ((1, 2), (3, 4), "at risk"),
    ((1, 1), (1, 1), "lost"),
    ((1, 2), (1, 2), "hibernating"),
];

/// The group of an R and an F score (each 1..=5); scores outside that range are clamped.
pub fn group(r: u8, f: u8) -> &'static str {
    let (r, f) = (r.clamp(1, 5), f.clamp(1, 5));
    GROUPS
        .iter()
        .find(|((r0, r1), (f0, f1), _)| (*r0..=*r1).contains(&r) && (*f0..=*f1).contains(&f))
        .map_or("hibernating", |(_, _, name)| name)
}

/// Scores every customer, in input order. Non-finite values rank as the worst.
pub fn rfm_scores(customers: &[RfmValues]) -> Vec<RfmScore> {
    // Recency is negated so that, in every dimension, a larger value is better.
    let r = quintiles(customers.iter().map(|c| -c.recency_days));
    let f = quintiles(customers.iter().map(|c| c.frequency));
    let m = quintiles(customers.iter().map(|c| c.monetary));
    (0..customers.len())
        .map(|i| RfmScore {
            r: r[i],
            f: f[i],
            m: m[i],
        })
        .collect()
}

/// `1 + floor(5 · rank / n)` where `rank` counts the strictly smaller values.
fn quintiles(values: impl Iterator<Item = f64>) -> Vec<u8> {
    let values: Vec<f64> = values
        .map(|v| if v.is_nan() { f64::NEG_INFINITY } else { v })
        .collect();
    let mut sorted = values.clone();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    values
        .iter()
        .map(|v| {
            let rank = sorted.partition_point(|s| s < v);
            (1 + 5 * rank / n) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(recency_days: f64, frequency: f64, monetary: f64) -> RfmValues {
        RfmValues {
            recency_days,
            frequency,
            monetary,
        }
    }

    #[test]
    fn quintiles_of_distinct_values_spread_over_one_to_five() {
        let customers: Vec<RfmValues> = (0..10).map(|i| v(i as f64, i as f64, 1.0)).collect();
        let s = rfm_scores(&customers);
        let r: Vec<u8> = s.iter().map(|s| s.r).collect();
        let f: Vec<u8> = s.iter().map(|s| s.f).collect();
        assert_eq!(r, [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
        assert_eq!(f, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // Everyone spent the same, so everyone shares the lowest rank.
        assert!(s.iter().all(|s| s.m == 1));
    }

    #[test]
    fn ties_share_a_score_whatever_the_order() {
        let a = [v(1.0, 3.0, 10.0), v(1.0, 1.0, 20.0), v(9.0, 3.0, 10.0)];
        let b = [a[2], a[0], a[1]];
        let (sa, sb) = (rfm_scores(&a), rfm_scores(&b));
        assert_eq!(sa[0], sb[1]);
        assert_eq!(sa[1], sb[2]);
        assert_eq!(sa[2], sb[0]);
        assert_eq!(sa[0].r, sa[1].r);
        assert_eq!(sa[0].f, sa[2].f);
    }

    #[test]
    fn every_cell_of_the_table_has_a_group() {
        for r in 1..=5 {
            for f in 1..=5 {
                let covering = GROUPS
                    .iter()
                    .filter(|((r0, r1), (f0, f1), _)| {
                        (*r0..=*r1).contains(&r) && (*f0..=*f1).contains(&f)
                    })
                    .count();
                assert!(covering >= 1, "cell r={r} f={f} has no group");
            }
        }
        assert_eq!(group(5, 5), "champions");
        assert_eq!(group(1, 1), "lost");
        assert_eq!(group(2, 4), "at risk");
        assert_eq!(RfmScore { r: 5, f: 4, m: 5 }.code(), "545");
    }
}
