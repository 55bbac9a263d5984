//! The order in which a report lists segments: by excess at stake, the yearly spend a segment
//! is expected to lose to churn beyond what as many average customers would (both defined in
//! `segments.rs`). The first segment is the one where a retention or win-back campaign saves
//! the most over mailing customers at random. Size alone never wins: a large segment of
//! ordinary customers has about the shop's average at stake, so little excess, while a small
//! one of lapsing big spenders has a lot. Each segment carries the reason for its place in
//! words, beside its rank.

use super::money::Money;
use super::segments::SegmentReport;

/// Sorts `segments` by excess at stake (largest first; segments without one last, then by
/// name) and fills in each one's rank and reason.
pub fn rank(segments: &mut [SegmentReport], currency: &str) {
    segments.sort_by(|a, b| {
        let key = |s: &SegmentReport| s.excess_at_stake.map_or(f64::NEG_INFINITY, Money::major);
        key(b)
            .total_cmp(&key(a))
            .then_with(|| a.segment.cmp(&b.segment))
    });
    for (i, s) in segments.iter_mut().enumerate() {
        s.rank = i as u32 + 1;
        s.reason = reason(s, currency);
    }
}

/// `12 buyers spend 8,400.00 USD a year; 61% of it is at risk of churn, 3,100.00 USD more
/// than 20 average customers`, or why there is no figure.
fn reason(s: &SegmentReport, currency: &str) -> String {
    if s.buyers == 0 {
        return "no member has ordered yet: nothing to lose, everything to win".into();
    }
    let buyers = if s.buyers == 1 {
        "1 buyer spends".to_string()
    } else {
        format!("{} buyers spend", s.buyers)
    };
    let spend = s.yearly_spend.format(currency);
    match s.value_at_stake {
        None => format!("{buyers} {spend} a year; no churn risk yet (run `segflow model fit`)"),
        Some(stake) => {
            let share = if s.yearly_spend.major() > 0.0 {
                stake.major() / s.yearly_spend.major() * 100.0
            } else {
                0.0
            };
            let excess = s.excess_at_stake.unwrap_or_default();
            let (amount, word) = if excess.major() < 0.0 {
                (Money::from_major(-excess.major()), "less")
            } else {
                (excess, "more")
            };
            format!(
                "{buyers} {spend} a year; {share:.0}% of it is at risk of churn, {} {word} than {} average customers",
                amount.format(currency),
                s.members
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment of `2 × buyers` members in a shop whose average customer has 10.00 at stake.
    fn segment(name: &str, buyers: u64, yearly: f64, stake: Option<f64>) -> SegmentReport {
        SegmentReport {
            segment: name.into(),
            members: buyers * 2,
            share: 0.0,
            revenue: Money::default(),
            revenue_share: 0.0,
            orders: 0,
            aov: Money::default(),
            orders_per_customer: 0.0,
            repeat_rate: 0.0,
            avg_predicted_clv: None,
            avg_churn_risk: None,
            open_rate: 0.0,
            click_rate: 0.0,
            open_rate_all: 0.0,
            click_rate_all: 0.0,
            growth: 0.0,
            buyers,
            yearly_spend: Money::from_major(yearly),
            value_at_stake: stake.map(Money::from_major),
            excess_at_stake: stake.map(|x| Money::from_major(x - 10.0 * (buyers * 2) as f64)),
            rank: 0,
            reason: String::new(),
        }
    }

    #[test]
    fn the_largest_excess_ranks_first_not_the_largest_segment() {
        let mut segments = vec![
            // 6,000 members at stake 61,000: only 1,000 above 6,000 average customers.
            segment("ordinary_many", 3000, 900_000.0, Some(61_000.0)),
            segment("unscored", 10, 1_000.0, None),
            segment("lapsing_vips", 40, 96_000.0, Some(72_000.0)),
            segment("prospects", 0, 0.0, Some(0.0)),
        ];
        rank(&mut segments, "USD");
        let order: Vec<_> = segments
            .iter()
            .map(|s| (s.rank, s.segment.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                (1, "lapsing_vips"),
                (2, "ordinary_many"),
                (3, "prospects"),
                (4, "unscored")
            ]
        );
        assert_eq!(
            segments[0].reason,
            "40 buyers spend 96,000.00 USD a year; 75% of it is at risk of churn, 71,200.00 USD more than 80 average customers"
        );
        assert_eq!(
            segments[2].reason,
            "no member has ordered yet: nothing to lose, everything to win"
        );
        assert_eq!(
            segments[3].reason,
            "10 buyers spend 1,000.00 USD a year; no churn risk yet (run `segflow model fit`)"
        );
    }
}
