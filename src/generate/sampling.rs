//! Small sampling helpers shared by the generators: coin flips, picks from lists, skewed counts
//! and times that follow the shop's seasons.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar;

/// Relative order volume per month (January first): November and December are the peak.
const MONTH_WEIGHTS: [f64; 12] = [0.8, 0.8, 0.9, 0.9, 1.0, 0.9, 0.9, 0.9, 1.0, 1.1, 1.7, 1.9];
const MAX_MONTH_WEIGHT: f64 = 1.9;

/// True with probability `p`.
pub fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A uniformly chosen element of a non-empty list.
pub fn pick<T: Copy>(rng: &mut ChaCha8Rng, list: &[T]) -> T {
    list[rng.random_range(0..list.len())]
}

/// A geometric count (failures before the first success) with the given mean.
pub fn geometric(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    let p = 1.0 / (1.0 + mean);
    let u: f64 = rng.random();
    // 1 - u lies in (0, 1], so the logarithm is finite.
    ((1.0 - u).ln() / (1.0 - p).ln()).floor() as u64
}

/// An exponential duration in seconds with the given mean.
pub fn exponential(rng: &mut ChaCha8Rng, mean_secs: f64) -> i64 {
    let u: f64 = rng.random();
    (-(1.0 - u).ln() * mean_secs) as i64
}

/// A uniform time in `[lo, hi]`.
pub fn uniform_time(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..=hi)
    }
}

/// A time in `[lo, hi]` that falls more often in the busy months. Rejection sampling against the
/// month weights; after a few misses it takes the last draw so the cost stays bounded.
pub fn seasonal_time(rng: &mut ChaCha8Rng, lo: i64, hi: i64) -> i64 {
    let mut t = uniform_time(rng, lo, hi);
    for _ in 0..8 {
        let month = calendar::date_of(t).month as usize;
        if rng.random::<f64>() * MAX_MONTH_WEIGHT < MONTH_WEIGHTS[month - 1] {
            break;
        }
        t = uniform_time(rng, lo, hi);
    }
    t
}
