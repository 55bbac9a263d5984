//! Making the due calls. Each is a POST of the queued JSON body with its signature; a 2xx
//! answer delivers it, anything else (another status, a refused connection, a timeout) is an
//! attempt recorded with its error and tried again after `backoff`, until `max_attempts`.
//! An endpoint that fails once is left alone for the rest of the pass, so a dead or slow
//! endpoint costs one timeout per pass, not one per queued call, and never holds up the others.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use rusqlite::Connection;

use super::{backoff, signature, Webhook, SIGNATURE_HEADER};
use crate::store::webhooks::{due, mark_attempt_failed, mark_delivered};

/// Calls made per pass at most.
const PASS: usize = 200;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    /// Failed attempts that will be made again.
    pub retried: usize,
    /// Deliveries given up.
    pub failed: usize,
}

impl DeliveryReport {
    pub fn processed(&self) -> usize {
        self.delivered + self.retried + self.failed
    }
}

fn agent(timeout_ms: i64) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(timeout_ms.max(1) as u64)))
        .http_status_as_error(false)
        .user_agent(format!("segflow/{}", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// One call; the error text of a failed one.
fn call(
    agent: &ureq::Agent,
    hook: &Webhook,
    key: &str,
    event: &str,
    body: &str,
    now: i64,
) -> Result<(), String> {
    let signed = signature(&hook.secret, now.div_euclid(1000), body.as_bytes());
    let answer = agent
        .post(&hook.config.url)
        .header("Content-Type", "application/json")
        .header(SIGNATURE_HEADER, &signed)
        .header("Segflow-Event", event)
        .header("Segflow-Delivery", key)
        .header("Segflow-Webhook", &hook.config.name)
        .send(body.as_bytes());
    match answer {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!(
            "the endpoint answered HTTP {}",
            r.status().as_u16()
        )),
        Err(e) => Err(format!("the call failed: {e}")),
    }
}

/// Makes the calls due at `now`, one pass.
pub fn deliver(conn: &Connection, hooks: &[Webhook], now: i64) -> rusqlite::Result<DeliveryReport> {
    let mut report = DeliveryReport::default();
    let mut agents: HashMap<&str, ureq::Agent> = HashMap::new();
    let mut failing: BTreeSet<String> = BTreeSet::new();
    for d in due(conn, now, PASS)? {
        if failing.contains(&d.webhook) {
            continue;
        }
        let Some(hook) = hooks.iter().find(|h| h.config.name == d.webhook) else {
            let why = format!("no webhook named `{}` is configured any more", d.webhook);
            mark_attempt_failed(conn, d.id, &why, None)?;
            report.failed += 1;
            continue;
        };
        let agent = agents
            .entry(hook.config.name.as_str())
            .or_insert_with(|| agent(hook.config.timeout));
        match call(agent, hook, &d.key, &d.event, &d.body, now) {
            Ok(()) => {
                mark_delivered(conn, d.id, now)?;
                report.delivered += 1;
            }
            Err(error) => {
                let attempts = d.attempts + 1;
                let next = (attempts < hook.config.max_attempts).then(|| now + backoff(attempts));
                tracing::warn!(webhook = %d.webhook, delivery = %d.key, attempts, error = %error, "webhook call failed");
                mark_attempt_failed(conn, d.id, &error, next)?;
                if next.is_some() {
                    report.retried += 1;
                } else {
                    report.failed += 1;
                }
                failing.insert(d.webhook.clone());
            }
        }
    }
    Ok(report)
}
