//! The minute of the customer's day a send step with a time waits for: the step's own
//! `at: "HH:MM"`, or for `send_time: optimal` the local hour in which the customer opened most
//! of their latest emails, else the hour the shop's customers open most, else 10:00.
//!
//! "Opens" are the `email_opened` events segflow's tracking pixel records. The shop's hour is
//! computed from its latest opens once per simulated day, so a journey batch does not repeat
//! that read for every customer.

use chrono_tz::Tz;
use rusqlite::Transaction;

use crate::policy::send_time::{optimal_hour, DEFAULT_HOUR, MIN_OWN_OPENS};
use crate::store::events;
use crate::workflow::SendAt;

/// A customer's opens read for their hour; older ones say less about their habits now.
const OWN_OPENS: i64 = 50;

/// The shop's opens read for its hour.
const SHOP_OPENS: i64 = 20_000;

/// How long the shop's hour is reused before it is read again (milliseconds).
const SHOP_HOUR_FOR: i64 = 86_400_000;

/// The shop's most frequent open hour and when it was read.
#[derive(Debug, Default)]
pub struct ShopHour(Option<(i64, Option<u32>)>);

fn zone(name: Option<&str>, default: Tz) -> Tz {
    name.and_then(|z| z.parse().ok()).unwrap_or(default)
}

/// Minutes after local midnight for `at`, the customer's zone being `tz`.
pub fn minutes(
    tx: &Transaction,
    at: SendAt,
    customer: i64,
    tz: Tz,
    now: i64,
    shop: &mut ShopHour,
) -> rusqlite::Result<u32> {
    if let SendAt::Clock(m) = at {
        return Ok(m);
    }
    let own: Vec<(i64, Tz)> = events::open_times(tx, customer, now, OWN_OPENS)?
        .into_iter()
        .map(|t| (t, tz))
        .collect();
    if own.len() >= MIN_OWN_OPENS {
        if let Some(hour) = optimal_hour(&own) {
            return Ok(hour * 60);
        }
    }
    let fresh = shop
        .0
        .filter(|(read, _)| (now - read).abs() < SHOP_HOUR_FOR);
    let hour = match fresh {
        Some((_, hour)) => hour,
        None => {
            let opens: Vec<(i64, Tz)> = events::shop_open_times(tx, now, SHOP_OPENS)?
                .into_iter()
                .map(|(t, z)| (t, zone(z.as_deref(), tz)))
                .collect();
            let hour = optimal_hour(&opens);
            shop.0 = Some((now, hour));
            hour
        }
    };
    Ok(hour.unwrap_or(DEFAULT_HOUR) * 60)
}
