//! Decoding of literal text (durations, dates, timestamps, string escapes) into values.
//!
//! Kept apart from the parser because the importer's date rules and the CLI's `--now` use the
//! same spellings, and one decoder means one behaviour.

const MS_PER_DAY: i64 = 86_400_000;

/// The longest duration segflow accepts: 36,500 days (about 100 years). Anything longer is a
/// typo in practice, and a huge wait would otherwise overflow when added to a timestamp and
/// fire at once.
pub const MAX_DURATION_MS: i64 = 36_500 * MS_PER_DAY;

/// `90d` → milliseconds; `None` on an unknown unit, overflow, or beyond [`MAX_DURATION_MS`].
pub fn duration(text: &str) -> Option<i64> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = text.split_at(split);
    let n: i64 = digits.parse().ok()?;
    let unit_ms: i64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => MS_PER_DAY,
        "w" => 7 * MS_PER_DAY,
        _ => return None,
    };
    n.checked_mul(unit_ms).filter(|ms| *ms <= MAX_DURATION_MS)
}

/// `2026-01-31` → unix milliseconds at midnight UTC; `None` for a date that does not exist.
pub fn date(text: &str) -> Option<i64> {
    crate::timestamp::parse_date(text).ok()
}

/// A timestamp as written in the DSL, on the CLI (`--now`) or in CSV files:
/// `2026-01-31T10:00:00Z`, RFC 3339 with an offset, `2026-01-31 10:00[:00]` (UTC), or a date
/// (`crate::timestamp`, shared with the import and the API).
pub fn timestamp(text: &str) -> Option<i64> {
    crate::timestamp::parse(text.trim()).ok()
}

/// Resolves backslash escapes in a string literal: `\"`, `\'`, `\\`, `\n`, `\t`; any other
/// escaped character stands for itself.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("90d"), Some(90 * MS_PER_DAY));
        assert_eq!(duration("15m"), Some(900_000));
        assert_eq!(duration("2w"), Some(14 * MS_PER_DAY));
        assert_eq!(duration("250ms"), Some(250));
        assert_eq!(duration("5y"), None);
        assert_eq!(duration("99999999999999999d"), None);
        assert_eq!(duration("36500d"), Some(MAX_DURATION_MS));
        assert_eq!(duration("36501d"), None);
        assert_eq!(duration("106751991000d"), None);
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(date("1970-01-02"), Some(MS_PER_DAY));
        assert_eq!(date("2026-02-30"), None);
        assert_eq!(timestamp("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(timestamp("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(timestamp("1970-01-01 00:01:00"), Some(60_000));
        assert_eq!(timestamp("1970-01-01T00:01Z"), Some(60_000));
        assert_eq!(timestamp("1970-01-02"), Some(MS_PER_DAY));
        assert_eq!(timestamp("yesterday"), None);
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r#"a\"b\\c\n"#), "a\"b\\c\n");
    }
}
