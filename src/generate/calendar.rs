//! Calendar arithmetic and fixed-width date formatting for the generator.
//!
//! The generator formats tens of millions of timestamps, so it converts days to civil dates with
//! Howard Hinnant's closed-form algorithms and writes the digits itself instead of going through
//! a general-purpose formatter. All times are UTC and the generator works in whole seconds.

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

/// A civil (proleptic Gregorian) date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

/// The civil date of a day counted from 1970-01-01.
pub fn date_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date { year, month, day }
}

/// The day counted from 1970-01-01 of a civil date (the inverse of `date_from_days`).
pub fn days_from_date(date: Date) -> i64 {
    let year = date.year - i64::from(date.month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(date.month);
    let doy =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(date.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a unix time in seconds.
pub fn date_of(secs: i64) -> Date {
    date_from_days(secs.div_euclid(DAY))
}

/// The number of days in a month of a year.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn put2(out: &mut [u8], value: u32) {
    out[0] = b'0' + (value / 10) as u8;
    out[1] = b'0' + (value % 10) as u8;
}

fn put_date(out: &mut [u8], date: Date) {
    let year = date.year.clamp(0, 9999) as u32;
    put2(&mut out[0..2], year / 100);
    put2(&mut out[2..4], year % 100);
    out[4] = b'-';
    put2(&mut out[5..7], date.month);
    out[7] = b'-';
    put2(&mut out[8..10], date.day);
}

/// Formats a date as `YYYY-MM-DD`; years outside 0..=9999 are clamped (callers check first).
pub fn format_date(date: Date) -> [u8; 10] {
    let mut out = [0u8; 10];
    put_date(&mut out, date);
    out
}

/// Formats a unix time in seconds as `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn format_timestamp(secs: i64) -> [u8; 19] {
    let mut out = [0u8; 19];
    put_date(&mut out[0..10], date_of(secs));
    let of_day = secs.rem_euclid(DAY) as u32;
    out[10] = b' ';
    put2(&mut out[11..13], of_day / 3600);
    out[13] = b':';
    put2(&mut out[14..16], of_day / 60 % 60);
    out[16] = b':';
    put2(&mut out[17..19], of_day % 60);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_days_across_four_centuries() {
        for days in (-200_000..200_000).step_by(7) {
            assert_eq!(days_from_date(date_from_days(days)), days);
        }
    }

    #[test]
    fn formats_against_chrono() {
        for secs in [
            0i64,
            951_782_400,
            1_700_000_000,
            1_709_164_799,
            4_102_444_799,
        ] {
            let expected = chrono::DateTime::from_timestamp(secs, 0)
                .unwrap()
                .format("%Y-%m-%d %H:%M:%S")
                .to_string();
            assert_eq!(format_timestamp(secs).as_slice(), expected.as_bytes());
        }
    }

    #[test]
    fn knows_leap_years() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2025, 4), 30);
    }
}
