//! `decide`: whether a message may go to a customer now, later, or not at all.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::config::{CapAction, PolicyConfig, QuietHours};

/// What the policy needs to know about the recipient.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomerInfo {
    pub email: Option<String>,
    pub accepts_marketing: Option<bool>,
    /// The customer's IANA zone; the configured default when missing or unknown.
    pub timezone: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Send,
    /// Not before `until` (unix milliseconds): the message waits, it is never dropped.
    Hold {
        until: i64,
    },
    Skip {
        reason: String,
    },
}

/// Decides for one message at `now`. `recent_sends` are the times of this customer's earlier
/// marketing sends (any order); `is_suppressed` says whether an address must never be mailed.
pub fn decide(
    cfg: &PolicyConfig,
    customer: &CustomerInfo,
    recent_sends: &[i64],
    now: i64,
    is_suppressed: &dyn Fn(&str) -> bool,
) -> Decision {
    let Some(email) = customer.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        return Decision::Skip {
            reason: "no email address".into(),
        };
    };
    if is_suppressed(email) {
        return Decision::Skip {
            reason: "the address is suppressed or unsubscribed".into(),
        };
    }
    if cfg.marketing && cfg.require_consent && customer.accepts_marketing != Some(true) {
        return Decision::Skip {
            reason: "no marketing consent".into(),
        };
    }
    if cfg.marketing {
        if let Some(cap) = &cfg.frequency_cap {
            let mut inside: Vec<i64> = recent_sends
                .iter()
                .copied()
                .filter(|&t| t > now - cap.per && t <= now)
                .collect();
            if inside.len() >= cap.max as usize {
                return match cap.action {
                    // A cap of 0 never frees a place, so holding would wait forever.
                    CapAction::Skip | CapAction::Hold if cap.max == 0 => Decision::Skip {
                        reason: "frequency cap: marketing sends are capped at 0".into(),
                    },
                    CapAction::Skip => Decision::Skip {
                        reason: format!("frequency cap: {} sends in the window", inside.len()),
                    },
                    CapAction::Hold => {
                        // The window frees a place when the send that brings it back under
                        // the cap leaves it.
                        inside.sort_unstable();
                        let leaving = inside[inside.len() - cap.max as usize];
                        Decision::Hold {
                            until: leaving + cap.per + 1,
                        }
                    }
                };
            }
        }
    }
    if let Some(q) = &cfg.quiet_hours {
        let tz = zone(customer.timezone.as_deref(), &cfg.default_timezone);
        if let Some(until) = quiet_until(q, tz, now) {
            return Decision::Hold { until };
        }
    }
    Decision::Send
}

/// The customer's zone, else the default, else UTC.
pub fn zone(customer: Option<&str>, default: &str) -> Tz {
    customer
        .and_then(|z| z.parse::<Tz>().ok())
        .or_else(|| default.parse::<Tz>().ok())
        .unwrap_or(chrono_tz::UTC)
}

fn hhmm(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

/// When the quiet window around `now` ends (unix ms), or `None` if `now` is outside it.
pub fn quiet_until(q: &QuietHours, tz: Tz, now: i64) -> Option<i64> {
    let (start, end) = (hhmm(&q.start)?, hhmm(&q.end)?);
    if start == end {
        return None;
    }
    let local = DateTime::<Utc>::from_timestamp_millis(now)?
        .with_timezone(&tz)
        .naive_local();
    let (date, t) = (local.date(), local.time());
    let end_date: NaiveDate = if start > end {
        // The window wraps midnight: 21:00–08:00.
        if t >= start {
            date.succ_opt()?
        } else if t < end {
            date
        } else {
            return None;
        }
    } else if t >= start && t < end {
        date
    } else {
        return None;
    };
    Some(local_instant(tz, end_date.and_time(end)))
}

/// The instant of a local wall-clock time: the earlier one when the clock falls back, and the
/// first valid minute after the gap when it springs forward.
pub(crate) fn local_instant(tz: Tz, mut at: NaiveDateTime) -> i64 {
    for _ in 0..(4 * 60) {
        if let Some(t) = tz.from_local_datetime(&at).earliest() {
            return t.timestamp_millis();
        }
        at += Duration::minutes(1);
    }
    Utc.from_utc_datetime(&at).timestamp_millis()
}
