//! The prioritisation score that orders segments by how much they are worth working on.

/// `members × average value × (1 + growth)`, with growth floored at -1 so that a shrinking
/// segment scores at least 0 and never negative.
///
/// `average_value` is the average predicted CLV of the members when scores exist, else their
/// revenue per member over the period (both in minor units); `growth` is the relative change
/// of the segment's size over the period (0.25 for +25%).
pub fn priority_score(members: u64, average_value: f64, growth: f64) -> f64 {
    let growth = if growth.is_finite() {
        growth.max(-1.0)
    } else {
        0.0
    };
    let value = if average_value.is_finite() {
        average_value
    } else {
        0.0
    };
    members as f64 * value * (1.0 + growth)
}
