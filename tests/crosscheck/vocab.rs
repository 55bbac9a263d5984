//! The small vocabularies that the shop and the expressions share, so that random literals
//! actually meet the stored values: equal strings, equal amounts, times on a window's edge.

use super::choices::Choices;

pub const DAY: i64 = 86_400_000;
pub const HOUR: i64 = 3_600_000;

/// Unix milliseconds of midnight UTC on a date.
pub fn date(y: i32, m: u32, d: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0)
}

/// The evaluation time of every case: Monday 2026-06-15 12:00 UTC.
pub fn now() -> i64 {
    date(2026, 6, 15) + 12 * HOUR
}

/// Strings with case variants, non-ASCII letters (for `lower`/`upper`/`len`), the empty string
/// and strings that look like other types.
pub const WORDS: &[&str] = &[
    "a",
    "A",
    "ab",
    "vip",
    "VIP",
    "US",
    "us",
    "",
    "é",
    "É",
    "Straße",
    "x y",
    "10",
    "true",
    "null",
    "running shoes",
];

/// Keys of attributes and event properties; any key may hold any JSON type.
pub const KEYS: &[&str] = &["a", "n", "s", "flag", "list", "x y"];

pub const EVENT_TYPES: &[&str] = &["view", "checkout_started", "VIEW", "a", ""];
pub const STATUSES: &[&str] = &["paid", "refunded", "pending", "a", "cancelled", " Voided"];
pub const CHANNELS: &[&str] = &["web", "pos", "app", "A"];
pub const CATEGORIES: &[&str] = &["shoes", "running shoes", "hats", "Shoes", ""];

/// Amounts in cents; literals use the same amounts in major units.
pub const CENTS: &[i64] = &[0, 1, 99, 100, 1234, 4999, 5000, 10_000, 123_456];

/// Whole days that sit on or next to the usual windows.
const DAYS: &[i64] = &[0, 1, 7, 29, 30, 31, 89, 90, 91, 364, 365, 366, 730];

pub fn word(c: &mut Choices) -> String {
    c.pick(WORDS).to_string()
}

pub fn cents(c: &mut Choices) -> i64 {
    if c.chance(30) {
        c.range(0, 200_000)
    } else {
        c.pick(CENTS)
    }
}

/// A time near `now`, mostly in the past, often exactly on a day boundary relative to `now` so
/// that `within` windows and `now - 30d` comparisons meet their edges.
pub fn time_near(c: &mut Choices) -> i64 {
    let days = if c.chance(30) {
        c.range(0, 800)
    } else {
        c.pick(DAYS)
    };
    let jitter = c.pick(&[0, 0, 1, -1, HOUR, -HOUR, 13 * HOUR, 12 * HOUR + 1]);
    let sign = if c.chance(10) { 1 } else { -1 };
    now() + sign * days * DAY + jitter
}

/// A birthday: midnight UTC, sometimes on `now`'s month and day (or next to it) or on 29
/// February, so that `age` and the calendar functions meet their edges.
pub fn birthday(c: &mut Choices) -> i64 {
    let year = c.range(1930, 2020) as i32;
    match c.below(4) {
        0 => date(year, 6, c.range(14, 16) as u32),
        1 => date(year - year % 4, 2, 29),
        _ => date(year, c.range(1, 12) as u32, c.range(1, 28) as u32),
    }
}
