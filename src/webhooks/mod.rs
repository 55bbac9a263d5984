//! Outgoing webhooks: segment entries and exits, journeys started, converted and exited, and
//! messages sent, bounced and complained about, POSTed as signed JSON to the merchant's endpoints (`[[webhooks]]` in
//! segflow.toml), so a CRM, a data warehouse or a Slack bot hears what segflow does.
//!
//! It works like the outbox: `pump` reads the store's journals (segment changes, the journey
//! log, sent messages, bounce and complaint reports) from where it left off and queues one delivery per event and webhook,
//! keyed so a journal read twice queues nothing twice; `deliver` makes the due calls, each
//! signed (`sign`), and a call the endpoint does not answer with 2xx is tried again with a
//! growing wait until `max_attempts`. Delivery is at least once: an endpoint that took a call
//! but answered too late gets it again, with the same `Segflow-Delivery` id to drop it by. A
//! webhook never reaches back: its first pump starts at the journals' ends.

mod deliver;
mod pump;
mod sign;

use serde::Deserialize;

pub use deliver::{deliver, DeliveryReport};
pub use pump::pump;
pub use sign::{signature, verify, SIGNATURE_HEADER};

/// Every event a webhook can ask for.
pub const EVENTS: &[&str] = &[
    "segment_entered",
    "segment_exited",
    "journey_started",
    "journey_converted",
    "journey_exited",
    "message_sent",
    "message_bounced",
    "message_complained",
];

/// One `[[webhooks]]` table.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Names the webhook in logs, `status` and the `Segflow-Webhook` header.
    pub name: String,
    pub url: String,
    /// The events to send; all of `EVENTS` when left out.
    #[serde(default)]
    pub events: Vec<String>,
    /// Only these segments' entries and exits (all when empty).
    #[serde(default)]
    pub segments: Vec<String>,
    /// Only these workflows' journeys and messages (all when empty).
    #[serde(default)]
    pub workflows: Vec<String>,
    /// The environment variable that holds the signing secret.
    pub secret_env: String,
    /// How long a call may take (default 10s).
    #[serde(
        default = "default_timeout",
        deserialize_with = "crate::policy::config::duration"
    )]
    pub timeout: i64,
    /// Attempts before a delivery is given up (default 12: about a day and a half of waits).
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
}

fn default_timeout() -> i64 {
    10_000
}

fn default_attempts() -> u32 {
    12
}

/// A configured webhook with its secret.
#[derive(Clone)]
pub struct Webhook {
    pub config: WebhookConfig,
    secret: Vec<u8>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed.
        f.debug_struct("Webhook")
            .field("name", &self.config.name)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// Whether the webhook wants `event` about `segment` or `workflow`.
    pub fn wants(&self, event: &str, segment: Option<&str>, workflow: Option<&str>) -> bool {
        let c = &self.config;
        let listed = |names: &[String], name: Option<&str>| {
            names.is_empty() || name.is_some_and(|n| names.iter().any(|x| x == n))
        };
        (c.events.is_empty() || c.events.iter().any(|e| e == event))
            && listed(&c.segments, segment)
            && listed(&c.workflows, workflow)
    }
}

/// Why the webhooks cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("webhook `{webhook}`: {message}")]
    Config { webhook: String, message: String },
}

/// The webhooks of the configuration with their secrets from `env`, checked.
pub fn load(
    configs: &[WebhookConfig],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Webhook>, WebhookError> {
    let mut out: Vec<Webhook> = Vec::new();
    for c in configs {
        let fail = |message: String| WebhookError::Config {
            webhook: c.name.clone(),
            message,
        };
        if out.iter().any(|w| w.config.name == c.name) {
            return Err(fail(
                "the name is used by two [[webhooks]]; give each its own".into(),
            ));
        }
        let parsed = url::Url::parse(&c.url).map_err(|e| {
            fail(format!(
                "url `{}` is not a URL ({e}); write one such as https://example.com/hooks/segflow",
                c.url
            ))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(fail(format!("url `{}` is not http or https", c.url)));
        }
        if let Some(e) = c.events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
            return Err(fail(format!(
                "`{e}` is not an event; the events are {}",
                EVENTS.join(", ")
            )));
        }
        let secret = env(&c.secret_env).filter(|s| s.len() >= 16).ok_or_else(|| {
            fail(format!(
                "set the environment variable {} to the signing secret (16 characters or more) that the endpoint verifies",
                c.secret_env
            ))
        })?;
        out.push(Webhook {
            config: c.clone(),
            secret: secret.into_bytes(),
        });
    }
    Ok(out)
}

/// How long after failed attempt `attempts` (1 for the first) the next one is made: 30 s,
/// doubling, at most 6 h.
pub fn backoff(attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(20);
    (30_000i64 << doublings).min(6 * 3_600_000)
}
