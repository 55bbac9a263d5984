//! Mailgun's event webhooks: a JSON body `{"signature": {timestamp, token, signature},
//! "event-data": {...}}`, signed with the account's HTTP webhook signing key as the hex
//! HMAC-SHA256 of `timestamp` followed by `token`. A `failed` event with `severity` `permanent`
//! is a hard bounce, `temporary` a soft one; `complained` is a spam complaint; every other
//! event (delivered, opened, ...) is no bounce.
//!
//! A signature says who signed, not when it was sent: Mailgun documents refusing a `token`
//! seen before and a `timestamp` too far from the receiver's clock, so a captured body cannot
//! be posted again. `fresh` checks the timestamp against the clock it is given
//! (`REPLAY_WINDOW_MS` either way); the tokens seen are kept by `store::mailgun_tokens`.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{string, ProviderEvent, WebhookError};
use crate::mail::bounce::feedback::{address_field, normalize_message_id, Feedback, FeedbackKind};

/// The signature parts of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub timestamp: String,
    pub token: String,
    pub signature: String,
}

/// The body as JSON.
pub fn json(body: &[u8]) -> Result<serde_json::Value, WebhookError> {
    serde_json::from_slice(body)
        .map_err(|e| WebhookError::new("", format!("the body is not JSON: {e}")))
}

/// The `signature` object of a body, if it has the documented shape.
pub fn signature(value: &serde_json::Value) -> Result<Signature, WebhookError> {
    let timestamp = match value.pointer("/signature/timestamp") {
        // The timestamp is documented as a string of seconds; a number is read the same.
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => string(value, "signature/timestamp")?.to_string(),
    };
    Ok(Signature {
        timestamp,
        token: string(value, "signature/token")?.to_string(),
        signature: string(value, "signature/signature")?.to_string(),
    })
}

/// Whether `signature` (hex) is the HMAC-SHA256 of `timestamp` + `token` under `key`.
pub fn verify(key: &[u8], timestamp: &str, token: &str, signature: &str) -> bool {
    let Some(expected) = crate::hex::decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return false;
    };
    mac.update(timestamp.as_bytes());
    mac.update(token.as_bytes());
    // `verify_slice` compares in constant time.
    mac.verify_slice(&expected).is_ok()
}

/// How far a signature's timestamp may be from the receiver's clock, either way: 15 minutes.
/// Mailgun documents the check as optional and warns that its deliveries can be delayed, so
/// the window is not tight; a body older than it (a capture, or a retry of a delivery that
/// failed here long ago if Mailgun kept its first signature) is refused with 406.
pub const REPLAY_WINDOW_MS: i64 = 15 * 60_000;

/// The signing time of `timestamp` (seconds, as Mailgun writes it) in unix ms, when it lies
/// within `REPLAY_WINDOW_MS` of `now` (unix ms); else the refusal's words.
pub fn fresh(timestamp: &str, now: i64) -> Result<i64, String> {
    let signed = timestamp
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|s| s.checked_mul(1000))
        .ok_or_else(|| format!("{timestamp:?} is not a time in seconds"))?;
    let off = now.saturating_sub(signed);
    if off.saturating_abs() > REPLAY_WINDOW_MS {
        let (amount, direction) = if off > 0 {
            (off, "before")
        } else {
            (off.saturating_neg(), "after")
        };
        return Err(format!(
            "the signature's timestamp {timestamp} is {} s {direction} the daemon's clock, more than the {} minutes a Mailgun signature is accepted for; the webhook is not recorded",
            amount / 1000,
            REPLAY_WINDOW_MS / 60_000
        ));
    }
    Ok(signed)
}

/// The bounce or complaint of a (verified) body; `None` for any other event.
pub fn event(value: &serde_json::Value) -> Result<Option<ProviderEvent>, WebhookError> {
    let token = string(value, "signature/token")?;
    let data = value
        .get("event-data")
        .ok_or_else(|| WebhookError::new("event-data", "is missing"))?;
    let event_name = string(value, "event-data/event")?;
    let kind = match event_name {
        "failed" => match string(value, "event-data/severity")? {
            "permanent" => FeedbackKind::Hard,
            "temporary" => FeedbackKind::Soft,
            other => {
                return Err(WebhookError::new(
                    "event-data.severity",
                    format!("{other:?} is neither permanent nor temporary"),
                ))
            }
        },
        "complained" => FeedbackKind::Complaint,
        _ => return Ok(None),
    };
    let recipient_text = string(value, "event-data/recipient")?;
    let recipient = address_field(recipient_text).ok_or_else(|| {
        WebhookError::new(
            "event-data.recipient",
            format!("{recipient_text:?} is not an email address"),
        )
    })?;
    let status = data.pointer("/delivery-status/code").and_then(|code| {
        code.as_u64()
            .map(|c| c.to_string())
            .or_else(|| code.as_str().map(str::to_string))
    });
    let diagnostic = ["message", "description"]
        .iter()
        .filter_map(|k| data.pointer(&format!("/delivery-status/{k}"))?.as_str())
        .map(str::trim)
        .find(|t| !t.is_empty())
        .map(str::to_string)
        .or_else(|| data.get("reason")?.as_str().map(str::to_string));
    let feedback = Feedback {
        kind,
        recipient: Some(recipient),
        status: if kind == FeedbackKind::Complaint {
            None
        } else {
            status
        },
        diagnostic: if kind == FeedbackKind::Complaint {
            Some("complained".into())
        } else {
            diagnostic
        },
        original_message_id: data
            .pointer("/message/headers/message-id")
            .and_then(|id| id.as_str())
            .and_then(normalize_message_id),
        message_id_local: None,
    };
    let at = data
        .get("timestamp")
        .and_then(|t| t.as_f64())
        .filter(|t| t.is_finite() && *t >= 0.0 && *t < 1e11)
        .map(|t| (t * 1000.0) as i64);
    Ok(Some(ProviderEvent {
        feedback,
        provider: "mailgun",
        // The token is unique per webhook; Mailgun's event id only within a day.
        event_id: token.to_string(),
        at,
    }))
}
