//! Bounces and complaints that a relay reports over HTTP instead of by mail: each provider's
//! documented event payload, read into the same `Feedback` a delivery status notification
//! gives, after the provider's documented signature or credentials were checked. The daemon
//! serves them (`daemon::http::bounces`) and records them through `bounce::apply`, so a
//! webhook and an imported mailbox mean the same and are recorded once.

pub mod mailgun;
pub mod postmark;
pub mod sendgrid;
pub mod ses;

use super::feedback::Feedback;

/// One provider event that is a bounce or a complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    pub feedback: Feedback,
    /// Which provider, as in `mail_feedback.source`.
    pub provider: &'static str,
    /// The provider's id of the event, which tells two events apart when they name no
    /// Message-ID.
    pub event_id: String,
    /// When the provider saw it, in unix ms.
    pub at: Option<i64>,
}

/// A payload that does not have the documented shape: the field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if field.is_empty() { String::new() } else { format!("{field}: ") })]
pub struct WebhookError {
    /// The JSON path of the field, such as `event-data.recipient`.
    pub field: String,
    pub message: String,
}

impl WebhookError {
    pub(crate) fn new(field: &str, message: impl Into<String>) -> Self {
        WebhookError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// The string at `path` (keys separated by `/`) of `value`, or an error naming it.
pub(crate) fn string<'a>(
    value: &'a serde_json::Value,
    path: &str,
) -> Result<&'a str, WebhookError> {
    let mut current = value;
    for key in path.split('/') {
        current = current
            .get(key)
            .ok_or_else(|| WebhookError::new(&path.replace('/', "."), "is missing"))?;
    }
    current
        .as_str()
        .ok_or_else(|| WebhookError::new(&path.replace('/', "."), "is not a string"))
}

/// Equality of two secrets in time independent of where they differ: both are hashed first,
/// so neither the position of the first difference nor the length shows in the timing.
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    let (x, y) = (Sha256::digest(a), Sha256::digest(b));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}
