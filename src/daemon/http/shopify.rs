//! `POST /webhooks/shopify`: verifies `X-Shopify-Hmac-Sha256` over the raw body before reading
//! it, maps the topic's payload and writes it like any other ingested data.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{error, invalid, now_ms, unreadable, AppState};
use crate::daemon::writer::{Refused, Write};
use crate::ingest::{map_webhook, verify_webhook};

pub async fn webhook(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let response = match body {
        Ok(body) => handle(&s, &headers, &body).await,
        Err(rejection) => unreadable(rejection, s.max_body),
    };
    s.metrics.request("shopify", response.status().as_u16());
    response
}

async fn handle(s: &AppState, headers: &HeaderMap, body: &[u8]) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(secret) = &s.shopify_secret else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            "webhooks are disabled: no Shopify secret is configured (set the environment variable named by [daemon] shopify_secret_env)",
        );
    };
    let topic = header("x-shopify-topic").unwrap_or("").to_string();
    let shop = header("x-shopify-shop-domain").unwrap_or("?").to_string();
    if !verify_webhook(secret, body, header("x-shopify-hmac-sha256")) {
        tracing::warn!(%topic, %shop, "refused a Shopify webhook with a missing or wrong signature");
        return error(
            StatusCode::UNAUTHORIZED,
            "",
            "the X-Shopify-Hmac-Sha256 signature does not match",
        );
    }
    let items = match map_webhook(&topic, body) {
        Ok(items) => items,
        Err(e) => {
            tracing::warn!(%topic, error = %e, "refused a malformed Shopify webhook");
            return invalid(&e);
        }
    };
    if items.is_empty() {
        tracing::debug!(%topic, "ignored a Shopify webhook");
        return (StatusCode::OK, "ignored\n").into_response();
    }
    // The delivery id goes first, so that a redelivery is dropped before anything is written.
    let delivery = header("x-shopify-webhook-id")
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| Write::ShopifyDelivery {
            id: id.to_string(),
            topic: topic.clone(),
        });
    let writes = delivery
        .into_iter()
        .chain(items.into_iter().map(Write::Shopify))
        .collect();
    match s.writer.write(writes, now_ms()).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(Refused::Conflict { field, message, .. }) => {
            tracing::warn!(%topic, error = %message, "refused a Shopify webhook that contradicts the store");
            error(StatusCode::CONFLICT, field, &message)
        }
        Err(e) => {
            tracing::error!(%topic, error = %e, "Shopify webhook not stored; Shopify will retry");
            error(StatusCode::SERVICE_UNAVAILABLE, "", &e.to_string())
        }
    }
}
