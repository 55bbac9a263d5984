//! SendGrid's Event Webhook: a JSON array of events, signed when signature verification is on
//! with ECDSA P-256 over SHA-256 of the `X-Twilio-Email-Event-Webhook-Timestamp` header
//! followed by the raw body; the signature (base64 DER) is in
//! `X-Twilio-Email-Event-Webhook-Signature`, the verification key (base64 of its SPKI DER) in
//! SendGrid's settings. `bounce` is a hard bounce (soft when its `type` is `blocked` or its
//! status is 4.x.x or 5.7.x), `deferred` soft, `spamreport` a complaint; every other event is
//! no bounce. `smtp-id` is the Message-ID of the message.

use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;

use super::{ProviderEvent, WebhookError};
use crate::mail::bounce::feedback::{address_field, normalize_message_id, Feedback, FeedbackKind};

/// Reads the verification key as SendGrid shows it (base64 of the DER), or as a PEM.
pub fn public_key(text: &str) -> Result<VerifyingKey, String> {
    let text = text.trim();
    if text.starts_with("-----BEGIN") {
        return VerifyingKey::from_public_key_pem(text).map_err(|e| e.to_string());
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(text.split_whitespace().collect::<String>())
        .map_err(|e| format!("not base64: {e}"))?;
    VerifyingKey::from_public_key_der(&der).map_err(|e| e.to_string())
}

/// Whether `signature` (base64 DER) signs `timestamp` followed by `body` under `key`.
pub fn verify(key: &VerifyingKey, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Ok(der) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(signature) = Signature::from_der(&der) else {
        return false;
    };
    // (r, s) and (r, n - s) are the same signature; the verifier wants the low form.
    let signature = signature.normalize_s().unwrap_or(signature);
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    key.verify(&message, &signature).is_ok()
}

/// The bounces and complaints of a (verified) body, in its order.
pub fn events(body: &[u8]) -> Result<Vec<ProviderEvent>, WebhookError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| WebhookError::new("", format!("the body is not JSON: {e}")))?;
    let items = value
        .as_array()
        .ok_or_else(|| WebhookError::new("", "the body is not an array of events"))?;
    let mut found = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let field = |name: &str| format!("[{index}].{name}");
        let text = |name: &str| item.get(name).and_then(|v| v.as_str());
        let event =
            text("event").ok_or_else(|| WebhookError::new(&field("event"), "is missing"))?;
        let status = text("status").map(str::trim).filter(|s| !s.is_empty());
        let kind = match event {
            "bounce" if text("type") == Some("blocked") => FeedbackKind::Soft,
            "bounce" => status
                .and_then(FeedbackKind::of_status)
                .unwrap_or(FeedbackKind::Hard),
            "deferred" => FeedbackKind::Soft,
            "spamreport" => FeedbackKind::Complaint,
            _ => continue,
        };
        let email =
            text("email").ok_or_else(|| WebhookError::new(&field("email"), "is missing"))?;
        let recipient = address_field(email).ok_or_else(|| {
            WebhookError::new(
                &field("email"),
                format!("{email:?} is not an email address"),
            )
        })?;
        let event_id = text("sg_event_id")
            .ok_or_else(|| WebhookError::new(&field("sg_event_id"), "is missing"))?;
        found.push(ProviderEvent {
            feedback: Feedback {
                kind,
                recipient: Some(recipient),
                status: status
                    .filter(|_| kind != FeedbackKind::Complaint)
                    .map(str::to_string),
                diagnostic: text("reason")
                    .or(text("response"))
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string),
                original_message_id: text("smtp-id").and_then(normalize_message_id),
                message_id_local: None,
            },
            provider: "sendgrid",
            event_id: event_id.to_string(),
            at: item
                .get("timestamp")
                .and_then(|t| t.as_i64())
                .and_then(|t| t.checked_mul(1000)),
        });
    }
    Ok(found)
}
