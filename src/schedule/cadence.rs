//! When a job is due: a cron pattern read in an IANA time zone, or a fixed interval.
//!
//! Slots are instants (epoch milliseconds) computed from the cadence alone, never from when a
//! process happened to start, so that every process, and the same process after a restart,
//! names the same slots. That is what lets `schedule_slots` (`UNIQUE(job, slot)`) record each
//! slot once.
//!
//! Daylight saving time is croner's: a cron pattern is matched against the local wall clock of
//! its zone. A fixed local time that does not exist on a spring-forward day (02:30 in
//! Europe/Berlin on 2026-03-29) fires at the first instant after the gap (03:00 local, 01:00
//! UTC); a fixed local time that occurs twice on a fall-back day fires once, at the earlier of the
//! two instants. Interval patterns (`*/15 * * * *`) fire at every instant whose wall clock
//! matches, so they keep firing through the repeated hour.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;

/// How often a job runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cadence {
    /// A cron pattern (five fields, or six with seconds first) read in `tz`.
    Cron { expr: String, tz: Tz },
    /// Every `millis` milliseconds, at multiples of `millis` since the Unix epoch.
    Every { millis: i64 },
}

impl Cadence {
    /// A cron cadence, if `expr` is a pattern croner accepts; the error says what is wrong.
    pub fn cron(expr: &str, tz: Tz) -> Result<Cadence, croner::errors::CronError> {
        croner::Cron::from_str(expr)?;
        Ok(Cadence::Cron {
            expr: expr.to_string(),
            tz,
        })
    }

    /// The first slot strictly after `t` (epoch millis). For `Every`, slots are multiples of
    /// `millis` since the epoch (so restarts and several processes agree).
    ///
    /// `None` when there is no later slot: a cron pattern that never matches again (or fails to
    /// parse), an interval that is not positive, or a time outside chrono's range.
    pub fn next_after(&self, t: i64) -> Option<i64> {
        match self {
            Cadence::Every { millis } => {
                let m = positive(*millis)?;
                t.div_euclid(m).checked_add(1)?.checked_mul(m)
            }
            Cadence::Cron { expr, tz } => {
                let cron = croner::Cron::from_str(expr).ok()?;
                // Cron slots fall on whole seconds, so searching strictly after the second that
                // holds `t` gives a slot strictly after `t` itself.
                let start = at_second(*tz, t)?;
                let next = cron.find_next_occurrence(&start, false).ok()?;
                Some(next.timestamp_millis())
            }
        }
    }

    /// The latest slot in (after, now], if any.
    ///
    /// Missed slots are not listed one by one: whatever the length of the gap, the answer is a
    /// single slot, the latest, which is the catch-up policy of `slots::claim_due`.
    pub fn latest_due(&self, after: i64, now: i64) -> Option<i64> {
        if now <= after {
            return None;
        }
        let latest = match self {
            Cadence::Every { millis } => {
                let m = positive(*millis)?;
                now.div_euclid(m).checked_mul(m)?
            }
            Cadence::Cron { expr, tz } => {
                let cron = croner::Cron::from_str(expr).ok()?;
                let end = at_second(*tz, now)?;
                // Searching backwards from `now` costs the same whether the process was down for
                // a minute or a year.
                let prev = cron.find_previous_occurrence(&end, true).ok()?;
                prev.timestamp_millis()
            }
        };
        (latest > after).then_some(latest)
    }
}

impl fmt::Display for Cadence {
    /// The cadence as a merchant would write it, for listings and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cadence::Cron { expr, tz } => write!(f, "cron \"{expr}\" ({tz})"),
            Cadence::Every { millis } => write!(f, "every {}", duration_text(*millis)),
        }
    }
}

fn positive(millis: i64) -> Option<i64> {
    (millis > 0).then_some(millis)
}

/// `t` rounded down to its whole second, in `tz`.
fn at_second(tz: Tz, t: i64) -> Option<DateTime<Tz>> {
    tz.timestamp_millis_opt(t.div_euclid(1000).checked_mul(1000)?)
        .single()
}

/// The largest unit that divides the interval evenly: `15m`, `1h`, `36h`, `90s`.
fn duration_text(millis: i64) -> String {
    const UNITS: [(i64, &str); 5] = [
        (7 * 86_400_000, "w"),
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ];
    for (size, unit) in UNITS {
        if millis != 0 && millis % size == 0 {
            return format!("{}{unit}", millis / size);
        }
    }
    format!("{millis}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_is_aligned_to_the_epoch() {
        let c = Cadence::Every { millis: 900_000 };
        assert_eq!(c.next_after(0), Some(900_000));
        assert_eq!(c.next_after(899_999), Some(900_000));
        assert_eq!(c.next_after(900_000), Some(1_800_000));
        assert_eq!(c.next_after(-1), Some(0));
        assert_eq!(c.latest_due(0, 1_799_999), Some(900_000));
        assert_eq!(c.latest_due(900_000, 1_799_999), None);
        assert_eq!(Cadence::Every { millis: 0 }.next_after(5), None);
    }

    #[test]
    fn cron_slots_are_strictly_after_and_at_most_now() {
        let c = Cadence::cron("0 6 * * *", chrono_tz::UTC).unwrap();
        let six = 6 * 3_600_000;
        assert_eq!(c.next_after(six - 1), Some(six));
        assert_eq!(c.next_after(six), Some(six + 86_400_000));
        assert_eq!(c.next_after(six + 500), Some(six + 86_400_000));
        assert_eq!(c.latest_due(0, six + 500), Some(six));
        assert_eq!(c.latest_due(six, six + 500), None);
        assert_eq!(c.latest_due(0, six - 1), None);
    }

    #[test]
    fn display_reads_like_the_rule_file() {
        assert_eq!(Cadence::Every { millis: 900_000 }.to_string(), "every 15m");
        assert_eq!(Cadence::Every { millis: 90_000 }.to_string(), "every 90s");
        let c = Cadence::cron("0 6 * * *", chrono_tz::Europe::Berlin).unwrap();
        assert_eq!(c.to_string(), "cron \"0 6 * * *\" (Europe/Berlin)");
        assert!(Cadence::cron("61 * * * *", chrono_tz::UTC).is_err());
    }
}
