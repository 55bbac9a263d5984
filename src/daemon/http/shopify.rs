//! `POST /webhooks/shopify`: refuses a webhook without a well-formed `X-Shopify-Hmac-Sha256`
//! before reading its body, reads the body within `[daemon] body_timeout`, verifies the
//! signature over the raw bytes, maps the topic's payload and writes it like any other
//! ingested data.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{error, invalid, now_ms, read_body, AppState};
use crate::daemon::writer::{Refused, Write};
use crate::ingest::shopify::well_formed_signature;
use crate::ingest::{map_webhook, verify_webhook};

pub async fn webhook(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let response = handle(&s, &headers, body).await;
    s.metrics.request("shopify", response.status().as_u16());
    response
}

async fn handle(s: &AppState, headers: &HeaderMap, body: Body) -> Response {
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
    // Without a signature that could verify, there is no reason to wait for the body: a client
    // sending one slowly would hold the connection for nothing.
    if !well_formed_signature(header("x-shopify-hmac-sha256")) {
        tracing::warn!(%topic, %shop, "refused a Shopify webhook without a signature, before reading its body");
        return error(
            StatusCode::UNAUTHORIZED,
            "",
            "the X-Shopify-Hmac-Sha256 signature is missing or not base64 of a SHA-256 HMAC",
        );
    }
    let body = match read_body(body, s.max_body, s.body_timeout).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let body = &body[..];
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
