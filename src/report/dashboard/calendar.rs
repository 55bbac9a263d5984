//! The shop's calendar: weeks (Monday to Sunday) and months in `[shop] timezone`, so an order
//! placed late on the last evening of a month counts in that month as the merchant sees it,
//! not in the next one by UTC.

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;

/// Weeks and months in one time zone. Months are numbered `year * 12 + month - 1`, so that
/// consecutive months are consecutive integers.
#[derive(Debug, Clone, Copy)]
pub struct Calendar {
    tz: Tz,
}

impl Calendar {
    /// The calendar of `[shop] timezone`; a name that is no IANA zone falls back to UTC, as the
    /// sending policy does.
    pub fn new(timezone: &str) -> Calendar {
        Calendar {
            tz: timezone.parse().unwrap_or(chrono_tz::UTC),
        }
    }

    fn date(&self, ms: i64) -> NaiveDate {
        self.tz
            .timestamp_millis_opt(ms)
            .single()
            .map_or(NaiveDate::MIN, |t| t.date_naive())
    }

    /// The first instant of a local date (midnight, or the first minute after a gap).
    fn start_of(&self, date: NaiveDate) -> i64 {
        crate::policy::local_instant(self.tz, date.and_time(chrono::NaiveTime::MIN))
    }

    /// The month an instant falls in.
    pub fn month_of(&self, ms: i64) -> i32 {
        let d = self.date(ms);
        d.year() * 12 + d.month0() as i32
    }

    /// The first instant of month `month`.
    pub fn month_start(&self, month: i32) -> i64 {
        let date =
            NaiveDate::from_ymd_opt(month.div_euclid(12), month.rem_euclid(12) as u32 + 1, 1)
                .unwrap_or(NaiveDate::MIN);
        self.start_of(date)
    }

    /// `2026-03`.
    pub fn month_label(month: i32) -> String {
        format!(
            "{:04}-{:02}",
            month.div_euclid(12),
            month.rem_euclid(12) + 1
        )
    }

    /// The first instant (Monday 00:00) of the week an instant falls in.
    pub fn week_start(&self, ms: i64) -> i64 {
        let d = self.date(ms);
        self.start_of(d - Duration::days(i64::from(d.weekday().num_days_from_monday())))
    }

    /// The week start `weeks` weeks after (or before, when negative) the week starting at
    /// `start`, counted in local dates so a change to or from summer time moves nothing.
    pub fn add_weeks(&self, start: i64, weeks: i64) -> i64 {
        self.start_of(self.date(start) + Duration::days(7 * weeks))
    }

    /// `2026-03-02`: the local date of an instant.
    pub fn date_label(&self, ms: i64) -> String {
        self.date(ms).format("%Y-%m-%d").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::Calendar;

    #[test]
    fn months_and_weeks_follow_the_shop_zone() {
        let berlin = Calendar::new("Europe/Berlin");
        // 2026-01-31 23:30 UTC is 2026-02-01 00:30 in Berlin.
        let late = 1_769_902_200_000;
        assert_eq!(Calendar::month_label(berlin.month_of(late)), "2026-02");
        assert_eq!(
            Calendar::month_label(Calendar::new("UTC").month_of(late)),
            "2026-01"
        );
        // February 2026 starts at 2026-01-31 23:00 UTC in Berlin.
        assert_eq!(berlin.month_start(berlin.month_of(late)), 1_769_900_400_000);
        // That Sunday in Berlin belongs to the week of Monday 2026-01-26.
        assert_eq!(berlin.date_label(berlin.week_start(late)), "2026-01-26");
        // The week across the change to summer time (2026-03-29) is 167 hours long.
        let before = berlin.week_start(1_774_600_000_000);
        assert_eq!(berlin.date_label(before), "2026-03-23");
        assert_eq!(berlin.add_weeks(before, 1) - before, 167 * 3_600_000);
        assert_eq!(
            berlin.add_weeks(before, -52),
            berlin.week_start(before - 364 * 86_400_000)
        );
    }
}
