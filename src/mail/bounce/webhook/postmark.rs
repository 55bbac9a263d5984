//! Postmark's bounce and spam complaint webhooks: one JSON record per request, authenticated
//! by the HTTP basic auth credentials the merchant puts into the webhook's URL in Postmark. A
//! `HardBounce` or `BadEmailAddress` is a hard bounce; a `SoftBounce`, `Transient`,
//! `DnsError`, `Blocked` or `DMARCPolicy` is soft; `SpamComplaint` is a complaint; the other
//! types (auto-responders, subscription changes, ...) are no bounce.
//!
//! Postmark gives every message an id of its own (`MessageID`) and does not report the
//! Message-ID header segflow wrote. It does return the metadata a message carried: segflow
//! writes `X-PM-Metadata-segflow-message` (the local part of its Message-ID) when it relays
//! through Postmark, and a record's `Metadata.segflow-message` names the outbox message;
//! a record without it finds the customer by `Email`.

use base64::Engine;

use super::{string, ProviderEvent, WebhookError};
use crate::mail::bounce::feedback::{address_field, Feedback, FeedbackKind};

/// Whether the `Authorization` header carries exactly `username` and `password` as basic auth.
pub fn authorized(header: Option<&str>, username: &str, password: &str) -> bool {
    let Some(encoded) = header.and_then(|h| {
        let (scheme, rest) = h.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
    }) else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
        return false;
    };
    let expected = format!("{username}:{password}");
    crate::mail::bounce::webhook::same_bytes(&decoded, expected.as_bytes())
}

/// The bounce or complaint of a record; `None` for a record of another kind.
pub fn event(body: &[u8]) -> Result<Option<ProviderEvent>, WebhookError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| WebhookError::new("", format!("the body is not JSON: {e}")))?;
    let record_type = string(&value, "RecordType")?;
    if record_type != "Bounce" && record_type != "SpamComplaint" {
        return Ok(None);
    }
    let bounce_type = string(&value, "Type")?;
    let kind = match bounce_type {
        "HardBounce" | "BadEmailAddress" => FeedbackKind::Hard,
        "SoftBounce" | "Transient" | "DnsError" | "Blocked" | "DMARCPolicy" => FeedbackKind::Soft,
        "SpamComplaint" => FeedbackKind::Complaint,
        _ => return Ok(None),
    };
    let email = string(&value, "Email")?;
    let recipient = address_field(email)
        .ok_or_else(|| WebhookError::new("Email", format!("{email:?} is not an email address")))?;
    let id = match value.get("ID") {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        _ => return Err(WebhookError::new("ID", "is missing")),
    };
    let details = ["Details", "Description"]
        .iter()
        .filter_map(|k| value.get(*k)?.as_str())
        .map(str::trim)
        .find(|t| !t.is_empty())
        .map(str::to_string);
    let at = value
        .get("BouncedAt")
        .and_then(|t| t.as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis());
    Ok(Some(ProviderEvent {
        feedback: Feedback {
            kind,
            recipient: Some(recipient),
            // Postmark reports its own type, not an RFC 3463 status; the type leads the words.
            status: None,
            diagnostic: Some(match details {
                Some(details) => format!("{bounce_type}: {details}"),
                None => bounce_type.to_string(),
            }),
            original_message_id: None,
            message_id_local: metadata(&value)?,
        },
        provider: "postmark",
        event_id: id,
        at,
    }))
}

/// The metadata key segflow's messages carry (`X-PM-Metadata-segflow-message`).
pub const METADATA_KEY: &str = "segflow-message";

/// The local part of the Message-ID in `Metadata.segflow-message`; `None` without it. Postmark
/// keeps metadata values as strings of at most 80 characters.
fn metadata(value: &serde_json::Value) -> Result<Option<String>, WebhookError> {
    let field = format!("Metadata.{METADATA_KEY}");
    match value.get("Metadata").and_then(|m| m.get(METADATA_KEY)) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(local)) => {
            let local = local.trim();
            let plain = !local.is_empty()
                && local.len() <= 80
                && local
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"<>@".contains(&b));
            if plain {
                Ok(Some(local.to_string()))
            } else {
                Err(WebhookError::new(
                    &field,
                    format!("{local:?} is not the local part of a Message-ID segflow wrote"),
                ))
            }
        }
        Some(_) => Err(WebhookError::new(&field, "is not a string")),
    }
}
