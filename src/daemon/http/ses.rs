//! `POST /webhooks/ses`: Amazon SES bounce and complaint notifications through an SNS HTTP
//! subscription. The message's signature is checked with the configured signing certificate
//! (401 when it is missing or wrong) and its topic with `[mail.bounces] ses_topic_arn` (403
//! for another topic) before anything else is read; a notification's bounces and complaints go
//! to the writer as any reported bounce. A subscription confirmation is logged with the
//! address to open, since segflow makes no requests to the internet.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::bounces::record;
use super::{error, read_body, AppState};
use crate::mail::bounce::webhook::ses::{self, Refusal, Sns};
use crate::mail::bounce::BounceConfig;

/// The certificate's key and the topic from `[mail.bounces]`, read at start; `None` when
/// neither is configured, an error naming the setting when one is missing or unreadable.
pub fn ses_settings(config: &BounceConfig) -> Option<Result<(rsa::RsaPublicKey, String), String>> {
    match (&config.ses_certificate, &config.ses_topic_arn) {
        (None, None) => None,
        (Some(_), None) => Some(Err("[mail.bounces] ses_topic_arn is not set".into())),
        (None, Some(_)) => Some(Err("[mail.bounces] ses_certificate is not set".into())),
        (Some(path), Some(topic)) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|pem| {
                    ses::certificate(&pem).map_err(|e| {
                        format!("{} is not an SNS signing certificate: {e}", path.display())
                    })
                })
                .map(|key| (key, topic.clone())),
        ),
    }
}

pub async fn ses(State(s): State<Arc<AppState>>, body: Body) -> Response {
    let response = handle(&s, body).await;
    s.metrics.request("ses", response.status().as_u16());
    response
}

async fn handle(s: &AppState, body: Body) -> Response {
    let (key, topic) = match &s.ses {
        None => return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            "SES notifications are disabled: set [mail.bounces] ses_certificate and ses_topic_arn",
        ),
        Some(Err(why)) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "",
                &format!("SES notifications are disabled: {why}"),
            )
        }
        Some(Ok(settings)) => settings,
    };
    let body = match read_body(body, s.max_body, s.body_timeout).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let message = match ses::verify(&body, key) {
        Ok(message) => message,
        Err(Refusal::Signature(why)) => {
            tracing::warn!(
                why,
                "refused an SNS message with a missing or wrong signature"
            );
            return error(StatusCode::UNAUTHORIZED, "Signature", why);
        }
        Err(Refusal::Malformed(e)) => return error(StatusCode::BAD_REQUEST, &e.field, &e.message),
    };
    let (Sns::Notification { topic: from, .. } | Sns::Subscription { topic: from, .. }) = &message;
    if from != topic {
        tracing::warn!(topic = %from, "refused an SNS message of another topic");
        return error(
            StatusCode::FORBIDDEN,
            "TopicArn",
            &format!("{from} is not the topic of [mail.bounces] ses_topic_arn"),
        );
    }
    match message {
        Sns::Subscription { url, .. } => {
            tracing::warn!(%url, "SNS asks to confirm the subscription of /webhooks/ses: open this address once");
            (StatusCode::OK, "open the SubscribeURL to confirm\n").into_response()
        }
        Sns::Notification { message, .. } => match ses::events(&message) {
            Ok(events) if events.is_empty() => (StatusCode::OK, "ignored\n").into_response(),
            Ok(events) => record(s, events).await,
            Err(e) => error(StatusCode::BAD_REQUEST, &e.field, &e.message),
        },
    }
}
