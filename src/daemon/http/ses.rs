//! `POST /webhooks/ses`: Amazon SES bounce and complaint notifications through an SNS HTTP
//! subscription. The message's signature is checked with the configured signing certificate
//! (401 when it is missing or wrong) and its topic with `[mail.bounces] ses_topic_arn` (403
//! for another topic) before anything else is read; a notification's bounces and complaints go
//! to the writer as any reported bounce. A subscription confirmation of that topic is
//! confirmed by opening its `SubscribeURL` once, and only on an `sns.<region>.amazonaws.com`
//! host (`ses::confirm_url`): the message's signature and topic have been checked by then, so
//! no one but AWS can make the daemon open a URL, and never one off the SNS hosts.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::bounces::record;
use super::{error, read_body, AppState};
use crate::mail::bounce::webhook::ses::{self, Refusal, Sns};
use crate::mail::bounce::BounceConfig;

/// What `/webhooks/ses` verifies with, from `[mail.bounces]`.
pub struct SesSettings {
    /// The SNS signing certificate's key.
    pub key: rsa::RsaPublicKey,
    /// The one topic accepted.
    pub topic: String,
    /// `ses_confirm_url_prefix`, a loopback stand-in for the SNS hosts (tests).
    pub confirm_prefix: Option<String>,
}

/// The settings of `[mail.bounces]`, read at start; `None` when neither the certificate nor
/// the topic is configured, an error naming the setting when one is missing or unusable.
pub fn ses_settings(config: &BounceConfig) -> Option<Result<SesSettings, String>> {
    let (path, topic) = match (&config.ses_certificate, &config.ses_topic_arn) {
        (None, None) => return None,
        (Some(_), None) => return Some(Err("[mail.bounces] ses_topic_arn is not set".into())),
        (None, Some(_)) => return Some(Err("[mail.bounces] ses_certificate is not set".into())),
        (Some(path), Some(topic)) => (path, topic),
    };
    if let Some(prefix) = &config.ses_confirm_url_prefix {
        if let Err(why) = ses::confirm_prefix(prefix) {
            return Some(Err(why));
        }
    }
    Some(
        std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|pem| {
                ses::certificate(&pem).map_err(|e| {
                    format!("{} is not an SNS signing certificate: {e}", path.display())
                })
            })
            .map(|key| SesSettings {
                key,
                topic: topic.clone(),
                confirm_prefix: config.ses_confirm_url_prefix.clone(),
            }),
    )
}

pub async fn ses(State(s): State<Arc<AppState>>, body: Body) -> Response {
    let response = handle(&s, body).await;
    s.metrics.request("ses", response.status().as_u16());
    response
}

async fn handle(s: &AppState, body: Body) -> Response {
    let settings = match &s.ses {
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
    let (key, topic) = (&settings.key, &settings.topic);
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
        Sns::Subscription {
            url, confirm: true, ..
        } => confirm(&url, settings.confirm_prefix.as_deref()).await,
        Sns::Subscription { .. } => {
            tracing::info!(topic = %topic, "SNS says /webhooks/ses was unsubscribed");
            (StatusCode::OK, "ignored\n").into_response()
        }
        Sns::Notification { message, .. } => match ses::events(&message) {
            Ok(events) if events.is_empty() => (StatusCode::OK, "ignored\n").into_response(),
            Ok(events) => record(s, events).await,
            Err(e) => error(StatusCode::BAD_REQUEST, &e.field, &e.message),
        },
    }
}

/// Confirms a verified subscription by opening its `SubscribeURL` once, when it is on an SNS
/// host (else 400 with the reason, logged); the answer says whether SNS took it.
async fn confirm(url: &str, prefix: Option<&str>) -> Response {
    if let Err(why) = ses::confirm_url(url, prefix) {
        tracing::warn!(why, "refused to confirm an SNS subscription");
        return error(StatusCode::BAD_REQUEST, "SubscribeURL", &why);
    }
    let target = url.to_string();
    let answer = tokio::task::spawn_blocking(move || {
        // No redirects: the GET goes to the checked host and nowhere else.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(format!("segflow/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        match agent.get(&target).call() {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("SNS answered HTTP {}", r.status().as_u16())),
            Err(e) => Err(format!("the request failed: {e}")),
        }
    })
    .await
    .unwrap_or_else(|e| Err(format!("the request did not finish: {e}")));
    match answer {
        Ok(()) => {
            tracing::info!(%url, "confirmed the SNS subscription of /webhooks/ses");
            (StatusCode::OK, "subscription confirmed\n").into_response()
        }
        Err(why) => {
            tracing::warn!(%url, why, "the SNS subscription of /webhooks/ses could not be confirmed; open the SubscribeURL once by hand");
            error(
                StatusCode::BAD_GATEWAY,
                "SubscribeURL",
                &format!("the subscription could not be confirmed: {why}"),
            )
        }
    }
}
