//! `POST /webhooks/mailgun`, `/webhooks/postmark` and `/webhooks/sendgrid`: relays' bounce and
//! complaint events. Each request is authenticated as its provider documents (Mailgun's
//! signature in the body under the key of `[mail.bounces] mailgun_signing_key_env`, Postmark's
//! basic auth credentials, SendGrid's ECDSA signature headers), refused with 401 before its
//! event is looked at. A Mailgun signature is also refused as a replay (406, which Mailgun
//! does not retry) when its timestamp lies over 15 minutes from the daemon's clock or its
//! token was accepted before; the token is recorded with the event, in one transaction.
//! The body is read within
//! `[daemon] body_timeout`; a bounce or complaint is handed to the writer, which records it as
//! an imported report would be (`mail::bounce::apply`). Other events are acknowledged and
//! ignored.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{error, now_ms, read_body, AppState};
use crate::daemon::writer::{Refused, Write};
use crate::mail::bounce::webhook::{mailgun, postmark, sendgrid, ProviderEvent};

pub async fn mailgun(State(s): State<Arc<AppState>>, body: Body) -> Response {
    let response = handle_mailgun(&s, body).await;
    s.metrics.request("mailgun", response.status().as_u16());
    response
}

async fn handle_mailgun(s: &AppState, body: Body) -> Response {
    let Some(key) = &s.mailgun_key else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            &format!(
                "Mailgun webhooks are disabled: set the environment variable {} to the HTTP webhook signing key",
                s.bounces.mailgun_signing_key_env
            ),
        );
    };
    let body = match read_body(body, s.max_body, s.body_timeout).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let value = match mailgun::json(&body) {
        Ok(value) => value,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.field, &e.message),
    };
    let signature = mailgun::signature(&value)
        .ok()
        .filter(|sig| mailgun::verify(key, &sig.timestamp, &sig.token, &sig.signature));
    let Some(signature) = signature else {
        tracing::warn!("refused a Mailgun webhook with a missing or wrong signature");
        return error(
            StatusCode::UNAUTHORIZED,
            "signature",
            "the signature is missing or is not the HMAC-SHA256 of timestamp and token under the signing key",
        );
    };
    // A replay is answered 406, which Mailgun documents as "rejected, do not retry".
    let signed_at = match mailgun::fresh(&signature.timestamp, now_ms()) {
        Ok(at) => at,
        Err(why) => {
            tracing::warn!(
                why,
                "refused a Mailgun webhook signed too long ago or ahead"
            );
            return error(StatusCode::NOT_ACCEPTABLE, "signature.timestamp", &why);
        }
    };
    let token = Write::MailgunToken {
        token: signature.token,
        signed_at,
    };
    match mailgun::event(&value) {
        Ok(Some(event)) => record_after(s, vec![token], vec![event]).await,
        Ok(None) => record_after(s, vec![token], Vec::new()).await,
        Err(e) => {
            tracing::warn!(error = %e, "refused a malformed Mailgun webhook");
            error(StatusCode::BAD_REQUEST, &e.field, &e.message)
        }
    }
}

pub async fn postmark(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let response = handle_postmark(&s, &headers, body).await;
    s.metrics.request("postmark", response.status().as_u16());
    response
}

async fn handle_postmark(s: &AppState, headers: &HeaderMap, body: Body) -> Response {
    let Some((username, password)) = &s.postmark_credentials else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            &format!(
                "Postmark webhooks are disabled: set the environment variables {} and {} to the user name and password of the webhook URL",
                s.bounces.postmark_username_env, s.bounces.postmark_password_env
            ),
        );
    };
    // The credentials come with the headers, so a wrong one is refused before the body is read.
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if !postmark::authorized(auth, username, password) {
        tracing::warn!("refused a Postmark webhook without the configured credentials");
        return (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Basic realm=\"segflow\"")],
            error(
                StatusCode::UNAUTHORIZED,
                "",
                "the basic auth credentials are missing or wrong",
            ),
        )
            .into_response();
    }
    let body = match read_body(body, s.max_body, s.body_timeout).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    match postmark::event(&body) {
        Ok(Some(event)) => record(s, vec![event]).await,
        Ok(None) => (StatusCode::OK, "ignored\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "refused a malformed Postmark webhook");
            error(StatusCode::BAD_REQUEST, &e.field, &e.message)
        }
    }
}

pub async fn sendgrid(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let response = handle_sendgrid(&s, &headers, body).await;
    s.metrics.request("sendgrid", response.status().as_u16());
    response
}

const SIGNATURE: &str = "x-twilio-email-event-webhook-signature";
const TIMESTAMP: &str = "x-twilio-email-event-webhook-timestamp";

async fn handle_sendgrid(s: &AppState, headers: &HeaderMap, body: Body) -> Response {
    let variable = &s.bounces.sendgrid_public_key_env;
    let key = match &s.sendgrid_key {
        None => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "",
                &format!("SendGrid webhooks are disabled: set the environment variable {variable} to the Event Webhook's verification key"),
            )
        }
        Some(Err(why)) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "",
                &format!("SendGrid webhooks are disabled: {variable} is not a P-256 public key (base64 of its DER, as SendGrid shows it, or a PEM): {why}"),
            )
        }
        Some(Ok(key)) => key,
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(signature), Some(timestamp)) = (header(SIGNATURE), header(TIMESTAMP)) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "",
            "the X-Twilio-Email-Event-Webhook-Signature or -Timestamp header is missing",
        );
    };
    let (signature, timestamp) = (signature.to_string(), timestamp.to_string());
    let body = match read_body(body, s.max_body, s.body_timeout).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    if !sendgrid::verify(key, &timestamp, &body, &signature) {
        tracing::warn!("refused a SendGrid webhook with a wrong signature");
        return error(
            StatusCode::UNAUTHORIZED,
            "",
            "the X-Twilio-Email-Event-Webhook-Signature does not sign the timestamp and body under the verification key",
        );
    }
    match sendgrid::events(&body) {
        Ok(events) if events.is_empty() => (StatusCode::OK, "ignored\n").into_response(),
        Ok(events) => record(s, events).await,
        Err(e) => {
            tracing::warn!(error = %e, "refused a malformed SendGrid webhook");
            error(StatusCode::BAD_REQUEST, &e.field, &e.message)
        }
    }
}

/// Hands verified events to the writer, all in one request, and answers after their commit.
pub(super) async fn record(s: &AppState, events: Vec<ProviderEvent>) -> Response {
    record_after(s, Vec::new(), events).await
}

/// Like `record`, with `leading` writes (Mailgun's token) in the same transaction before the
/// events; a request with no events is answered `ignored` once the leading writes committed,
/// and a conflict of a leading write (a replayed token) is answered 406.
async fn record_after(s: &AppState, leading: Vec<Write>, events: Vec<ProviderEvent>) -> Response {
    let provider = events.first().map_or("mailgun", |e| e.provider);
    let ignored = events.is_empty();
    let mut writes = leading;
    writes.extend(events.into_iter().map(|event| Write::Feedback {
        event,
        config: s.bounces.clone(),
        addressed_to: Vec::new(),
        verp: None,
    }));
    match s.writer.write(writes, now_ms()).await {
        Ok(_) if ignored => (StatusCode::OK, "ignored\n").into_response(),
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(Refused::Conflict { field, message, .. }) => {
            error(StatusCode::NOT_ACCEPTABLE, field, &message)
        }
        Err(e) => {
            tracing::error!(provider, error = %e, "bounce webhook not stored; the provider will retry");
            error(StatusCode::SERVICE_UNAVAILABLE, "", &e.to_string())
        }
    }
}
