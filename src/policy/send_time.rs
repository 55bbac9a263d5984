//! Sending at the right time: a send step's `at: "09:00"` (the customer's local time) or
//! `send_time: optimal` (the hour the customer opens mail most, see `optimal_hour`), turned
//! into a hold until that time, with quiet hours still applying at the time it comes to.
//!
//! A message is due in the hour that starts at its time: a journey that reaches the step at
//! 09:20 local sends at once, one at 10:05 waits for 09:00 the next day. The hour of slack is
//! what lets a daemon that passes every few seconds, or a replay that jumps to the hold's end,
//! find the message due without remembering that it waited.

use chrono::{DateTime, Duration, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use super::config::PolicyConfig;
use super::decide::{local_instant, quiet_until, zone, CustomerInfo, Decision};

/// The hour an `optimal` send goes at when neither the customer nor the shop has opens yet.
pub const DEFAULT_HOUR: u32 = 10;

/// How many of a customer's own opens make their hour trustworthy; below it the shop's hour
/// is used.
pub const MIN_OWN_OPENS: usize = 3;

/// The next time at or after `now` at which a message for `at` (minutes after local midnight)
/// is due, or `None` when it is due now.
pub fn at_until(at: u32, tz: Tz, now: i64) -> Option<i64> {
    let local = DateTime::<Utc>::from_timestamp_millis(now)?
        .with_timezone(&tz)
        .naive_local();
    let time = NaiveTime::from_hms_opt(at / 60 % 24, at % 60, 0)?;
    let today = local.date().and_time(time);
    if local >= today && local < today + Duration::hours(1) {
        return None;
    }
    let date = if local < today {
        local.date()
    } else {
        local.date().succ_opt()?
    };
    Some(local_instant(tz, date.and_time(time)))
}

/// `decision` with the step's send time applied: a message that could go now, or is held by
/// the frequency cap, waits for its time, and then for the end of quiet hours if its time
/// falls inside them. A skip stays a skip.
pub fn apply(
    decision: Decision,
    cfg: &PolicyConfig,
    customer: &CustomerInfo,
    at: u32,
    now: i64,
) -> Decision {
    let earliest = match decision {
        Decision::Skip { .. } => return decision,
        Decision::Send => now,
        Decision::Hold { until } => until,
    };
    let tz = zone(customer.timezone.as_deref(), &cfg.default_timezone);
    let Some(mut until) = at_until(at, tz, earliest).or((earliest > now).then_some(earliest))
    else {
        return Decision::Send;
    };
    if let Some(q) = &cfg.quiet_hours {
        if let Some(end) = quiet_until(q, tz, until) {
            until = end;
        }
    }
    Decision::Hold { until }
}

/// The local hour (0–23) at which most of these opens happened, each given as (time, the
/// opener's zone); the earliest such hour on a tie, `None` without opens.
pub fn optimal_hour(opens: &[(i64, Tz)]) -> Option<u32> {
    let mut hours = [0usize; 24];
    for &(t, tz) in opens {
        if let Some(local) = DateTime::<Utc>::from_timestamp_millis(t) {
            hours[local.with_timezone(&tz).hour() as usize] += 1;
        }
    }
    let best = *hours.iter().max()?;
    (best > 0).then(|| hours.iter().position(|&n| n == best).unwrap_or(0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ms(tz: Tz, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn a_send_at_nine_waits_for_the_next_nine_in_the_customers_zone() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let nine = 9 * 60;
        // 07:30 in Paris: today at 09:00 Paris.
        assert_eq!(
            at_until(nine, paris, ms(paris, 2026, 11, 3, 7, 30)),
            Some(ms(paris, 2026, 11, 3, 9, 0))
        );
        // 09:20: inside the hour, due now; 10:05: tomorrow.
        assert_eq!(at_until(nine, paris, ms(paris, 2026, 11, 3, 9, 20)), None);
        assert_eq!(
            at_until(nine, paris, ms(paris, 2026, 11, 3, 10, 5)),
            Some(ms(paris, 2026, 11, 4, 9, 0))
        );
        // Across the spring change the wall clock still says 09:00.
        assert_eq!(
            at_until(nine, paris, ms(paris, 2027, 3, 27, 12, 0)),
            Some(ms(paris, 2027, 3, 28, 9, 0))
        );
    }

    #[test]
    fn quiet_hours_apply_at_the_time_the_message_comes_to() {
        let cfg = PolicyConfig::default();
        let customer = CustomerInfo {
            timezone: Some("UTC".into()),
            ..CustomerInfo::default()
        };
        let utc: Tz = "UTC".parse().unwrap();
        let now = ms(utc, 2026, 11, 3, 12, 0);
        // Sending at 06:00 would fall in the default quiet hours (21:00–08:00): 08:00.
        assert_eq!(
            apply(Decision::Send, &cfg, &customer, 6 * 60, now),
            Decision::Hold {
                until: ms(utc, 2026, 11, 4, 8, 0)
            }
        );
        let skip = Decision::Skip { reason: "x".into() };
        assert_eq!(apply(skip.clone(), &cfg, &customer, 600, now), skip);
        // A cap hold to 14:00 with a time of 15:00 waits for 15:00.
        let held = Decision::Hold {
            until: ms(utc, 2026, 11, 3, 14, 0),
        };
        assert_eq!(
            apply(held, &cfg, &customer, 15 * 60, now),
            Decision::Hold {
                until: ms(utc, 2026, 11, 3, 15, 0)
            }
        );
    }

    #[test]
    fn the_optimal_hour_is_the_most_frequent_local_open_hour() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let utc: Tz = "UTC".parse().unwrap();
        let opens = [
            (ms(ny, 2026, 10, 1, 19, 10), ny),
            (ms(ny, 2026, 10, 5, 19, 40), ny),
            (ms(utc, 2026, 10, 7, 8, 0), utc),
        ];
        assert_eq!(optimal_hour(&opens), Some(19));
        assert_eq!(optimal_hour(&[]), None);
    }
}
