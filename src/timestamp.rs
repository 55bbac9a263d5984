//! The one way text becomes a point in time, for rule literals, `--now` and the other time
//! flags, CSV cells and API bodies alike: one set of spellings, one set of errors. It is
//! written by hand rather than with chrono's format strings because the import parses
//! millions of cells and this is several times faster, and because its errors say what was
//! expected.

/// Why a text is not a time; each says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("`{0}` is not a date (expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or RFC 3339 such as 2024-03-05T14:22:10+01:00)")]
    NotATime(String),
    #[error("`{0}` is not a date (expected YYYY-MM-DD)")]
    NotADate(String),
    #[error("`{0}` is not a valid calendar date")]
    NoSuchDay(String),
    #[error("`{0}` has an invalid time of day")]
    NoSuchTime(String),
}

/// Parses a plain date (`2026-01-31`) into unix ms at midnight UTC.
pub fn parse_date(text: &str) -> Result<i64, TimeError> {
    if text.len() != 10 {
        return Err(TimeError::NotADate(text.to_string()));
    }
    parse(text)
}

/// Milliseconds in one day, the unit of a plain date.
const DAY_MS: i64 = 86_400_000;

/// Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` (UTC), RFC 3339 (`T` or space, optional
/// seconds and fraction, `Z` or `±HH:MM`) and Shopify's `YYYY-MM-DD HH:MM:SS -0500` into unix
/// ms UTC. The error says what was expected, for the import's reject file and the CLI.
pub fn parse(text: &str) -> Result<i64, TimeError> {
    let b = text.as_bytes();
    let bad = || TimeError::NotATime(text.to_string());
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let year = digits(&b[0..4]).ok_or_else(bad)?;
    let month = digits(&b[5..7]).ok_or_else(bad)?;
    let day = digits(&b[8..10]).ok_or_else(bad)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(TimeError::NoSuchDay(text.to_string()));
    }
    let date_ms = days_from_civil(year, month, day) * DAY_MS;
    if b.len() == 10 {
        return Ok(date_ms);
    }
    if b.len() < 16 || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return Err(bad());
    }
    let hour = digits(&b[11..13]).ok_or_else(bad)?;
    let minute = digits(&b[14..16]).ok_or_else(bad)?;
    // Seconds may be left out (`2026-01-31T10:00Z`), as in rules and on the command line.
    let (second, mut rest) = match b.get(16) {
        Some(b':') if b.len() >= 19 => (digits(&b[17..19]).ok_or_else(bad)?, &b[19..]),
        Some(b':') => return Err(bad()),
        _ => (0, &b[16..]),
    };
    if hour > 23 || minute > 59 || second > 59 {
        return Err(TimeError::NoSuchTime(text.to_string()));
    }
    let mut ms = date_ms + (hour * 3600 + minute * 60 + second) * 1000;
    if let Some((b'.', frac)) = rest.split_first().filter(|_| b.get(16) == Some(&b':')) {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(bad());
        }
        // Only milliseconds are kept; finer digits are truncated, as the store holds ms.
        let mut millis = 0;
        for i in 0..3 {
            millis = millis * 10
                + frac
                    .get(i)
                    .filter(|_| i < n)
                    .map_or(0, |c| i64::from(c - b'0'));
        }
        ms += millis;
        rest = &frac[n..];
    }
    let rest = match rest.split_first() {
        Some((b' ', tail)) => tail,
        _ => rest,
    };
    Ok(ms - offset_ms(rest).ok_or_else(bad)?)
}

/// Parses a time-zone suffix: empty (UTC), `Z`, `±HH:MM` or `±HHMM`, to milliseconds east of UTC.
fn offset_ms(b: &[u8]) -> Option<i64> {
    match b {
        [] | [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, rest @ ..] => {
            let minutes = match rest {
                [b':', m1, m2] | [m1, m2] => digits(&[*m1, *m2])?,
                _ => return None,
            };
            let hours = digits(&[*h1, *h2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let ms = (hours * 60 + minutes) * 60_000;
            Some(if *sign == b'-' { -ms } else { ms })
        }
        _ => None,
    }
}

pub(crate) fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_all_accepted_forms() {
        assert_eq!(parse("1970-01-02"), Ok(DAY_MS));
        assert_eq!(parse("2024-03-05"), Ok(1_709_596_800_000));
        assert_eq!(parse("2024-03-05 14:22:10"), Ok(1_709_648_530_000));
        assert_eq!(parse("2024-03-05T14:22:10Z"), Ok(1_709_648_530_000));
        assert_eq!(parse("2024-03-05T15:22:10+01:00"), Ok(1_709_648_530_000));
        assert_eq!(parse("2024-03-05 09:22:10 -0500"), Ok(1_709_648_530_000));
        assert_eq!(parse("2024-03-05T14:22:10.25Z"), Ok(1_709_648_530_250));
        assert_eq!(parse("1969-12-31"), Ok(-DAY_MS));
        assert_eq!(parse("2024-02-29"), Ok(1_709_164_800_000));
    }

    #[test]
    fn bad_dates_are_refused() {
        for text in [
            "",
            "2024-13-01",
            "2023-02-29",
            "2024/03/05",
            "2024-03-05 25:00:00",
            "2024-03-05T10:00:00+5",
            "yesterday",
            "2024-03-05T10",
            "2024-03-05T10:00:",
            "2024-03-05T10:00.5Z",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn seconds_may_be_left_out_as_in_rules() {
        assert_eq!(parse("1970-01-01T00:01Z"), Ok(60_000));
        assert_eq!(parse("1970-01-01 00:01"), Ok(60_000));
        assert_eq!(parse("1970-01-01T01:01+01:00"), Ok(60_000));
        assert_eq!(parse_date("1970-01-02"), Ok(DAY_MS));
        assert!(parse_date("1970-01-02 00:00").is_err());
    }
}
