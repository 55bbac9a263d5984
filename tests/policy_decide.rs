//! The sending policy with simulated time: consent, suppression, the frequency cap, and quiet
//! hours in the customer's zone, including the days the clocks change.

use segflow::policy::{
    decide, CapAction, CustomerInfo, Decision, FrequencyCap, PolicyConfig, PolicyOverrides,
    QuietHours,
};

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;

fn at(text: &str) -> i64 {
    segflow::dsl::literal::timestamp(text).unwrap()
}

fn customer(tz: &str) -> CustomerInfo {
    CustomerInfo {
        email: Some("a@example.com".into()),
        accepts_marketing: Some(true),
        timezone: Some(tz.into()),
    }
}

fn no_quiet() -> PolicyConfig {
    PolicyConfig {
        quiet_hours: None,
        ..PolicyConfig::default()
    }
}

fn never(_: &str) -> bool {
    false
}

#[test]
fn consent_and_suppression_skip() {
    let cfg = no_quiet();
    let now = at("2026-11-02T12:00:00Z");
    let mut c = customer("UTC");
    assert_eq!(decide(&cfg, &c, &[], now, &never), Decision::Send);
    assert!(matches!(
        decide(&cfg, &c, &[], now, &|e| e == "a@example.com"),
        Decision::Skip { .. }
    ));
    c.accepts_marketing = Some(false);
    assert!(matches!(
        decide(&cfg, &c, &[], now, &never),
        Decision::Skip { .. }
    ));
    // A transactional workflow does not need marketing consent.
    let tx = cfg.with(&PolicyOverrides {
        marketing: Some(false),
        ..Default::default()
    });
    assert_eq!(decide(&tx, &c, &[], now, &never), Decision::Send);
}

#[test]
fn frequency_cap_holds_until_a_place_frees_or_skips() {
    let now = at("2026-11-10T12:00:00Z");
    let sends = [now - 6 * DAY, now - 3 * DAY, now - HOUR, now - 8 * DAY];
    let cfg = no_quiet();
    // Three sends inside 7 days: held until the oldest of them leaves the window.
    assert_eq!(
        decide(&cfg, &customer("UTC"), &sends, now, &never),
        Decision::Hold {
            until: now - 6 * DAY + 7 * DAY + 1
        }
    );
    assert_eq!(
        decide(&cfg, &customer("UTC"), &sends[1..], now, &never),
        Decision::Send
    );
    let skip = PolicyConfig {
        frequency_cap: Some(FrequencyCap {
            max: 3,
            per: 7 * DAY,
            action: CapAction::Skip,
        }),
        ..no_quiet()
    };
    assert!(matches!(
        decide(&skip, &customer("UTC"), &sends, now, &never),
        Decision::Skip { .. }
    ));
    // At the hold time the customer is under the cap again.
    let later = now + DAY + 1;
    assert_eq!(
        decide(&cfg, &customer("UTC"), &sends, later, &never),
        Decision::Send
    );
}

#[test]
fn quiet_hours_in_the_customers_own_zone() {
    let cfg = PolicyConfig::default();
    let now = at("2026-11-02T21:30:00Z");
    // 22:30 in Berlin (UTC+1): held until 08:00 Berlin = 07:00 UTC.
    assert_eq!(
        decide(&cfg, &customer("Europe/Berlin"), &[], now, &never),
        Decision::Hold {
            until: at("2026-11-03T07:00:00Z")
        }
    );
    // 16:30 in New York: sent.
    assert_eq!(
        decide(&cfg, &customer("America/New_York"), &[], now, &never),
        Decision::Send
    );
    // 06:30 next day in Tokyo: held until 08:00 Tokyo = 23:00 UTC.
    assert_eq!(
        decide(&cfg, &customer("Asia/Tokyo"), &[], now, &never),
        Decision::Hold {
            until: at("2026-11-02T23:00:00Z")
        }
    );
    // An unknown zone falls back to the default (UTC): 21:30 is quiet.
    assert_eq!(
        decide(&cfg, &customer("Mars/Base"), &[], now, &never),
        Decision::Hold {
            until: at("2026-11-03T08:00:00Z")
        }
    );
}

#[test]
fn quiet_hours_across_daylight_saving_changes() {
    let cfg = PolicyConfig::default();
    let berlin = customer("Europe/Berlin");
    // Spring forward (2026-03-29, 02:00 → 03:00): 08:00 CEST is 06:00 UTC.
    assert_eq!(
        decide(&cfg, &berlin, &[], at("2026-03-28T21:00:00Z"), &never),
        Decision::Hold {
            until: at("2026-03-29T06:00:00Z")
        }
    );
    // Fall back (2026-10-25, 03:00 → 02:00): 08:00 CET is 07:00 UTC.
    assert_eq!(
        decide(&cfg, &berlin, &[], at("2026-10-24T21:00:00Z"), &never),
        Decision::Hold {
            until: at("2026-10-25T07:00:00Z")
        }
    );
    // A window ending inside the spring gap (02:30 does not exist) opens at 03:00 CEST.
    let gap = PolicyConfig {
        quiet_hours: Some(QuietHours {
            start: "22:00".into(),
            end: "02:30".into(),
        }),
        ..PolicyConfig::default()
    };
    assert_eq!(
        decide(&gap, &berlin, &[], at("2026-03-28T22:00:00Z"), &never),
        Decision::Hold {
            until: at("2026-03-29T01:00:00Z")
        }
    );
    // A window ending in the repeated hour on fall-back day takes its first occurrence.
    let twice = PolicyConfig {
        quiet_hours: Some(QuietHours {
            start: "22:00".into(),
            end: "02:30".into(),
        }),
        ..PolicyConfig::default()
    };
    assert_eq!(
        decide(&twice, &berlin, &[], at("2026-10-24T21:00:00Z"), &never),
        Decision::Hold {
            until: at("2026-10-25T00:30:00Z")
        }
    );
    // New York springs forward on 2026-03-08: 21:30 EST on the 7th is held to 08:00 EDT = 12:00 UTC.
    assert_eq!(
        decide(
            &cfg,
            &customer("America/New_York"),
            &[],
            at("2026-03-08T02:30:00Z"),
            &never
        ),
        Decision::Hold {
            until: at("2026-03-08T12:00:00Z")
        }
    );
}
