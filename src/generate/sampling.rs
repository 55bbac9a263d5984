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

/// A Gamma(shape, 1) draw (Marsaglia and Tsang, with the boost for shapes below one).
pub fn gamma(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u: f64 = rng.random();
        return gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let z = normal(rng);
        let v = (1.0 + c * z).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.random();
        if u.ln() < 0.5 * z * z + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A Beta(a, b) draw, as a ratio of gamma draws.
pub fn beta(rng: &mut ChaCha8Rng, a: f64, b: f64) -> f64 {
    let x = gamma(rng, a);
    let y = gamma(rng, b);
    if x + y > 0.0 {
        x / (x + y)
    } else {
        0.5
    }
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The season's weight of the month `t` (unix seconds) falls in, relative to the busiest month.
pub fn season_weight(t: i64) -> f64 {
    MONTH_WEIGHTS[calendar::date_of(t).month as usize - 1] / MAX_MONTH_WEIGHT
}

/// The mean of the month weights relative to the busiest month.
pub fn mean_season_weight() -> f64 {
    MONTH_WEIGHTS.iter().sum::<f64>() / 12.0 / MAX_MONTH_WEIGHT
}
