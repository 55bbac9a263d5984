//! Amazon SES bounce and complaint notifications, delivered by Amazon SNS to an HTTP
//! subscription. SNS signs every message with RSA (`SignatureVersion` 1: SHA-1, 2: SHA-256)
//! over its documented canonical string: the fields `Message`, `MessageId`, `Subject` (when
//! present), `Timestamp`, `TopicArn` and `Type` of a notification, or `Message`, `MessageId`,
//! `SubscribeURL`, `Timestamp`, `Token`, `TopicArn` and `Type` of a subscription message,
//! each as its name, a newline, its value and a newline. The signing certificate is read
//! from a file the merchant downloaded once (`[mail.bounces] ses_certificate`) rather than
//! fetched from a URL the message names, and only the configured topic is accepted: anyone
//! can have AWS sign messages of a topic of their own. A verified subscription confirmation
//! of that topic is confirmed by opening its `SubscribeURL`, only on an SNS host
//! (`confirm_url`).
//!
//! The notification's `Message` is SES's JSON: a `Bounce` (`Permanent` is hard, `Transient`
//! and `Undetermined` soft) or a `Complaint` per recipient; `mail.commonHeaders.messageId` is
//! the Message-ID segflow wrote.

use base64::Engine;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha1::Digest as _;
use x509_cert::der::{DecodePem, Encode};

use super::{string, ProviderEvent, WebhookError};
use crate::mail::bounce::feedback::{address_field, normalize_message_id, Feedback, FeedbackKind};

/// The RSA public key of an SNS signing certificate (PEM).
pub fn certificate(pem: &str) -> Result<RsaPublicKey, String> {
    let cert = x509_cert::Certificate::from_pem(pem.trim()).map_err(|e| e.to_string())?;
    let der = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    RsaPublicKey::from_public_key_der(&der).map_err(|e| format!("not an RSA key: {e}"))
}

/// What an SNS message is, once its signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sns {
    /// A notification whose `Message` SES wrote.
    Notification { topic: String, message: String },
    /// A subscription to confirm by opening `url` (`confirm`), or an unsubscription's notice.
    Subscription {
        topic: String,
        url: String,
        confirm: bool,
    },
}

/// Why an SNS message is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The body is not an SNS message.
    Malformed(WebhookError),
    /// The signature is missing, of an unknown version, or wrong.
    Signature(&'static str),
}

/// Checks the signature of an SNS message under `key` and says what it is.
pub fn verify(body: &[u8], key: &RsaPublicKey) -> Result<Sns, Refusal> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Refusal::Malformed(WebhookError::new("", format!("the body is not JSON: {e}")))
    })?;
    let field = |name: &str| string(&value, name).map_err(Refusal::Malformed);
    let kind = field("Type")?;
    let names: &[&str] = match kind {
        "Notification" => &[
            "Message",
            "MessageId",
            "Subject",
            "Timestamp",
            "TopicArn",
            "Type",
        ],
        "SubscriptionConfirmation" | "UnsubscribeConfirmation" => &[
            "Message",
            "MessageId",
            "SubscribeURL",
            "Timestamp",
            "Token",
            "TopicArn",
            "Type",
        ],
        other => {
            return Err(Refusal::Malformed(WebhookError::new(
                "Type",
                format!("{other:?} is not an SNS message type"),
            )))
        }
    };
    let mut canonical = String::new();
    for name in names {
        match value.get(*name).and_then(|v| v.as_str()) {
            Some(v) => canonical.push_str(&format!("{name}\n{v}\n")),
            // Only a notification's Subject is optional.
            None if *name == "Subject" => {}
            None => return Err(Refusal::Malformed(WebhookError::new(name, "is missing"))),
        }
    }
    let signature = value
        .get("Signature")
        .and_then(|s| s.as_str())
        .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
        .ok_or(Refusal::Signature("the Signature is missing or not base64"))?;
    let verified = match value.get("SignatureVersion").and_then(|v| v.as_str()) {
        Some("1") => key.verify(
            Pkcs1v15Sign::new::<sha1::Sha1>(),
            &sha1::Sha1::digest(canonical.as_bytes()),
            &signature,
        ),
        Some("2") => key.verify(
            Pkcs1v15Sign::new::<sha2_010::Sha256>(),
            &sha2_010::Sha256::digest(canonical.as_bytes()),
            &signature,
        ),
        _ => return Err(Refusal::Signature("the SignatureVersion is not 1 or 2")),
    };
    if verified.is_err() {
        return Err(Refusal::Signature(
            "the Signature does not sign the message under the configured certificate",
        ));
    }
    let topic = field("TopicArn")?.to_string();
    Ok(match kind {
        "Notification" => Sns::Notification {
            topic,
            message: field("Message")?.to_string(),
        },
        _ => Sns::Subscription {
            topic,
            url: field("SubscribeURL")?.to_string(),
            confirm: kind == "SubscriptionConfirmation",
        },
    })
}

/// Whether the daemon may open `url` to confirm a subscription: an `https` URL on the default
/// port of `sns.<region>.amazonaws.com` (or `.amazonaws.com.cn`), with no user name, as SNS
/// writes its `SubscribeURL`; with `prefix` (`[mail.bounces] ses_confirm_url_prefix`, a
/// loopback address for tests) one that starts with it instead. `Err` says why not.
pub fn confirm_url(url: &str, prefix: Option<&str>) -> Result<(), String> {
    if let Some(prefix) = prefix {
        return if url.starts_with(prefix) {
            Ok(())
        } else {
            Err(format!(
                "the SubscribeURL {url:?} does not start with [mail.bounces] ses_confirm_url_prefix {prefix:?}"
            ))
        };
    }
    let refuse = |why: &str| Err(format!("the SubscribeURL {url:?} {why}"));
    let Ok(parsed) = url::Url::parse(url) else {
        return refuse("is not a URL");
    };
    if parsed.scheme() != "https" {
        return refuse("is not https");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return refuse("carries a user name");
    }
    if parsed.port().is_some_and(|p| p != 443) {
        return refuse("names a port other than 443");
    }
    let host = parsed.host_str().unwrap_or("");
    let region = host
        .strip_prefix("sns.")
        .and_then(|rest| {
            rest.strip_suffix(".amazonaws.com")
                .or_else(|| rest.strip_suffix(".amazonaws.com.cn"))
        })
        .filter(|r| {
            !r.is_empty()
                && r.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if region.is_none() {
        return refuse("is not on an sns.<region>.amazonaws.com host");
    }
    Ok(())
}

/// Checks `[mail.bounces] ses_confirm_url_prefix`: only `http://127.0.0.1:PORT/` is accepted,
/// so the setting can point the confirmation at this machine (a test's server) and never at
/// another host on the internet.
pub fn confirm_prefix(prefix: &str) -> Result<(), String> {
    let port = prefix
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix('/'))
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|p| p.parse::<u16>().ok());
    match port {
        Some(_) => Ok(()),
        None => Err(format!(
            "[mail.bounces] ses_confirm_url_prefix = {prefix:?} is not allowed: only a loopback prefix such as \"http://127.0.0.1:8025/\" may stand in for https://sns.<region>.amazonaws.com/, for tests; leave the setting out"
        )),
    }
}

/// The bounces and complaints of an SES notification's `Message`, one per recipient.
pub fn events(message: &str) -> Result<Vec<ProviderEvent>, WebhookError> {
    let value: serde_json::Value = serde_json::from_str(message)
        .map_err(|e| WebhookError::new("Message", format!("is not SES's JSON: {e}")))?;
    let kind_of = value
        .get("notificationType")
        .or_else(|| value.get("eventType"))
        .and_then(|t| t.as_str())
        .ok_or_else(|| WebhookError::new("Message.notificationType", "is missing"))?;
    let (section, list, kind) = match kind_of {
        "Bounce" => {
            let kind = match string(&value, "bounce/bounceType")? {
                "Permanent" => FeedbackKind::Hard,
                _ => FeedbackKind::Soft,
            };
            ("bounce", "bouncedRecipients", kind)
        }
        "Complaint" => {
            let feedback_type = value
                .pointer("/complaint/complaintFeedbackType")
                .and_then(|t| t.as_str());
            if feedback_type == Some("not-spam") {
                return Ok(Vec::new());
            }
            ("complaint", "complainedRecipients", FeedbackKind::Complaint)
        }
        _ => return Ok(Vec::new()),
    };
    let message_id = value
        .pointer("/mail/commonHeaders/messageId")
        .and_then(|m| m.as_str())
        .or_else(|| {
            value
                .pointer("/mail/headers")?
                .as_array()?
                .iter()
                .find_map(|h| {
                    let name = h.get("name")?.as_str()?;
                    name.eq_ignore_ascii_case("message-id")
                        .then(|| h.get("value")?.as_str())
                        .flatten()
                })
        })
        .and_then(normalize_message_id);
    let feedback_id = string(&value, &format!("{section}/feedbackId"))?;
    let at = value
        .pointer(&format!("/{section}/timestamp"))
        .and_then(|t| t.as_str())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis());
    let recipients = value
        .pointer(&format!("/{section}/{list}"))
        .and_then(|r| r.as_array())
        .ok_or_else(|| WebhookError::new(&format!("Message.{section}.{list}"), "is missing"))?;
    let mut found = Vec::new();
    for (index, r) in recipients.iter().enumerate() {
        let path = format!("Message.{section}.{list}[{index}].emailAddress");
        let email = r
            .get("emailAddress")
            .and_then(|e| e.as_str())
            .ok_or_else(|| WebhookError::new(&path, "is missing"))?;
        let recipient = address_field(email).ok_or_else(|| {
            WebhookError::new(&path, format!("{email:?} is not an email address"))
        })?;
        let text = |name: &str| r.get(name).and_then(|v| v.as_str()).map(str::to_string);
        found.push(ProviderEvent {
            feedback: Feedback {
                kind,
                status: text("status").filter(|_| kind != FeedbackKind::Complaint),
                diagnostic: text("diagnosticCode").map(|d| {
                    d.split_once(';')
                        .map_or(d.as_str(), |(_, rest)| rest)
                        .trim()
                        .to_string()
                }),
                recipient: Some(recipient.clone()),
                original_message_id: message_id.clone(),
                message_id_local: None,
            },
            provider: "ses",
            event_id: format!("{feedback_id} {recipient}"),
            at,
        });
    }
    Ok(found)
}
