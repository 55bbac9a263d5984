//! `POST /webhooks/mailgun`: a relay's bounce and complaint events. The body is read within
//! `[daemon] body_timeout`, its signature checked with the key of `[mail.bounces]
//! mailgun_signing_key_env` (401 when it is missing or wrong, before the event is looked at),
//! and a bounce or complaint is handed to the writer, which records it as an imported report
//! would be (`mail::bounce::apply`). Other events are acknowledged and ignored.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{error, now_ms, read_body, AppState};
use crate::daemon::writer::Write;
use crate::mail::bounce::webhook::{mailgun, ProviderEvent};

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
    let signed = match mailgun::signature(&value) {
        Ok(sig) => mailgun::verify(key, &sig.timestamp, &sig.token, &sig.signature),
        Err(_) => false,
    };
    if !signed {
        tracing::warn!("refused a Mailgun webhook with a missing or wrong signature");
        return error(
            StatusCode::UNAUTHORIZED,
            "signature",
            "the signature is missing or is not the HMAC-SHA256 of timestamp and token under the signing key",
        );
    }
    match mailgun::event(&value) {
        Ok(Some(event)) => record(s, event).await,
        Ok(None) => (StatusCode::OK, "ignored\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "refused a malformed Mailgun webhook");
            error(StatusCode::BAD_REQUEST, &e.field, &e.message)
        }
    }
}

/// Hands a verified event to the writer and answers after its commit.
async fn record(s: &AppState, event: ProviderEvent) -> Response {
    let provider = event.provider;
    let write = Write::Feedback {
        event,
        config: s.bounces.clone(),
    };
    match s.writer.write(vec![write], now_ms()).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(provider, error = %e, "bounce webhook not stored; the provider will retry");
            error(StatusCode::SERVICE_UNAVAILABLE, "", &e.to_string())
        }
    }
}
