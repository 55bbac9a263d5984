//! `PolicyConfig`: the sending rules a merchant configures once (in `segflow.toml`) and may
//! override per workflow (its `policy:` key). Every field has a default, so an empty table is a
//! complete, conservative policy.

use serde::Deserialize;

/// What to do with a message the frequency cap stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CapAction {
    /// Hold the message until the oldest counted send leaves the window.
    Hold,
    /// Drop the message and record why.
    Skip,
}

/// At most `max` marketing sends per customer in any window of `per` milliseconds.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrequencyCap {
    pub max: u32,
    /// The window as a duration such as `7d`.
    #[serde(deserialize_with = "duration")]
    pub per: i64,
    #[serde(default = "hold")]
    pub action: CapAction,
}

fn hold() -> CapAction {
    CapAction::Hold
}

/// Local times in which no message is sent, such as 21:00–08:00 (the window may wrap midnight).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// Start, `HH:MM` local time.
    pub start: String,
    /// End, `HH:MM` local time; the window opens again at this time.
    pub end: String,
}

/// The sending policy. `Default` is what a merchant gets without configuring anything.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Marketing messages need `accepts_marketing` true (transactional ones do not).
    pub marketing: bool,
    pub require_consent: bool,
    pub frequency_cap: Option<FrequencyCap>,
    pub quiet_hours: Option<QuietHours>,
    /// The IANA zone of a customer without a valid `timezone`.
    pub default_timezone: String,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            marketing: true,
            require_consent: true,
            frequency_cap: Some(FrequencyCap {
                max: 3,
                per: 7 * 86_400_000,
                action: CapAction::Hold,
            }),
            quiet_hours: Some(QuietHours {
                start: "21:00".into(),
                end: "08:00".into(),
            }),
            default_timezone: "UTC".into(),
        }
    }
}

/// A workflow's `policy:` key: each present field replaces the global one.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyOverrides {
    pub marketing: Option<bool>,
    pub require_consent: Option<bool>,
    pub frequency_cap: Option<FrequencyCap>,
    pub quiet_hours: Option<QuietHours>,
    /// `true` turns quiet hours off for this workflow (transactional mail).
    #[serde(default)]
    pub ignore_quiet_hours: bool,
}

impl PolicyConfig {
    /// The policy of one workflow: the global policy with its overrides applied.
    pub fn with(&self, o: &PolicyOverrides) -> PolicyConfig {
        let mut p = self.clone();
        if let Some(m) = o.marketing {
            p.marketing = m;
        }
        if let Some(c) = o.require_consent {
            p.require_consent = c;
        }
        if let Some(cap) = &o.frequency_cap {
            p.frequency_cap = Some(cap.clone());
        }
        if let Some(q) = &o.quiet_hours {
            p.quiet_hours = Some(q.clone());
        }
        if o.ignore_quiet_hours {
            p.quiet_hours = None;
        }
        p
    }
}

pub(crate) fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let text = String::deserialize(d)?;
    crate::dsl::literal::duration(&text).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "`{text}` is not a duration; write one such as 7d, 24h or 2w"
        ))
    })
}
