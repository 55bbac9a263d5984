//! The daemon's HTTP surface (axum): the ingestion API, Shopify webhooks, relays' bounce and
//! complaint webhooks, the tracking and
//! unsubscribe links that emails carry, health and metrics for operators, and the dashboard
//! (`dashboard/`, pages behind a sign-in).
//!
//! Handlers only parse, authenticate and hand writes to the single writer thread; they answer
//! after the commit, so a 2xx always means the data is on disk.

mod api;
mod bounces;
pub mod dashboard;
mod ops;
mod ses;
mod shopify;
mod tracking;

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

use super::metrics::Metrics;
use super::writer::Writer;
use crate::ingest::FieldError;
use crate::mail::tracking::TrackingSigner;
use crate::mail::UnsubscribeSigner;

/// What every handler shares.
pub struct AppState {
    pub writer: Writer,
    pub metrics: Arc<Metrics>,
    /// The bearer token of `/v1/*`; `None` disables the API (503).
    pub token: Option<String>,
    /// The Shopify webhook secret; `None` disables webhooks (503).
    pub shopify_secret: Option<Vec<u8>>,
    /// Mailgun's webhook signing key; `None` disables `/webhooks/mailgun` (503).
    pub mailgun_key: Option<Vec<u8>>,
    /// The basic auth user name and password of Postmark's webhook URL; `None` disables
    /// `/webhooks/postmark` (503).
    pub postmark_credentials: Option<(String, String)>,
    /// SendGrid's Event Webhook verification key, or why the configured one does not parse;
    /// `None` disables `/webhooks/sendgrid` (503).
    pub sendgrid_key: Option<Result<p256::ecdsa::VerifyingKey, String>>,
    /// The SNS signing certificate's key and the accepted topic, or why they are unusable;
    /// `None` disables `/webhooks/ses` (503).
    pub ses: Option<Result<ses::SesSettings, String>>,
    /// `[mail.bounces]`: what a reported bounce does, and the names of the providers' secrets.
    pub bounces: crate::mail::bounce::BounceConfig,
    pub unsubscribe: UnsubscribeSigner,
    pub tracking: TrackingSigner,
    pub max_batch: usize,
    /// `[daemon] max_body_bytes`, named in the refusal of a larger body.
    pub max_body: usize,
    /// `[daemon] body_timeout`: how long a webhook body may take to arrive.
    pub body_timeout: std::time::Duration,
    /// The dashboard's sign-in and where its pages read from.
    pub dashboard: dashboard::DashboardState,
}

pub use ses::ses_settings;

pub fn router(state: Arc<AppState>) -> Router {
    let max_body = state.max_body;
    Router::new()
        .route("/v1/events", post(api::events))
        .route("/v1/customers", post(api::customers))
        .route("/v1/orders", post(api::orders))
        .route("/webhooks/shopify", post(shopify::webhook))
        .route("/webhooks/mailgun", post(bounces::mailgun))
        .route("/webhooks/postmark", post(bounces::postmark))
        .route("/webhooks/sendgrid", post(bounces::sendgrid))
        .route("/webhooks/ses", post(ses::ses))
        .route(
            "/u/{token}",
            get(tracking::unsubscribe_page).post(tracking::unsubscribe),
        )
        .route("/o/{token}", get(tracking::open))
        .route("/c/{token}", get(tracking::click))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .merge(dashboard::routes())
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

/// A JSON error body: `{"error": message, "field": path}`.
pub fn error(status: StatusCode, field: &str, message: &str) -> Response {
    let body = if field.is_empty() {
        json!({ "error": message })
    } else {
        json!({ "error": message, "field": field })
    };
    (status, Json(body)).into_response()
}

/// A refused request body: `{"error", "field"}` for a wrong value, `{"error", "line", "column"}`
/// for a body that is not JSON.
pub fn invalid(e: &FieldError) -> Response {
    let Some((line, column)) = e.at else {
        return error(StatusCode::BAD_REQUEST, &e.field, &e.message);
    };
    let body = json!({ "error": e.message, "line": line, "column": column });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// The JSON refusal of a body axum could not read: larger than `[daemon] max_body_bytes` (413),
/// or cut off by the client (400). Axum's own rejections are plain text, and every other answer
/// of the API is JSON.
pub fn unreadable(rejection: BytesRejection, max_body: usize) -> Response {
    let status = rejection.status();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "the body is larger than {max_body} bytes; send fewer items per request or raise [daemon] max_body_bytes"
        )
    } else {
        format!("the body could not be read: {}", rejection.body_text())
    };
    error(status, "", &message)
}

/// Reads a body of at most `max_body` bytes within `timeout`: a slow or endless body gets a JSON
/// 408 instead of holding the connection, a larger one the same 413 as `unreadable`.
pub async fn read_body(
    body: axum::body::Body,
    max_body: usize,
    timeout: std::time::Duration,
) -> Result<axum::body::Bytes, Response> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, max_body)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Err(_) => Err(error(
            StatusCode::REQUEST_TIMEOUT,
            "",
            &format!(
                "the body did not arrive within {} ms ([daemon] body_timeout); send it at once",
                timeout.as_millis()
            ),
        )),
        // axum's error for a body over the limit wraps http-body's `LengthLimitError`, whose
        // text is its only public trait.
        Ok(Err(e)) if e.to_string().contains("length limit") => Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
            &format!(
                "the body is larger than {max_body} bytes; send fewer items per request or raise [daemon] max_body_bytes"
            ),
        )),
        Ok(Err(e)) => Err(error(
            StatusCode::BAD_REQUEST,
            "",
            &format!("the body could not be read: {e}"),
        )),
    }
}

/// The current time in unix milliseconds (handlers stamp what they receive).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Equality of two secrets in time independent of where they differ.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    use sha2::{Digest, Sha256};
    // Hashing first makes the comparison length-independent too.
    let (x, y) = (Sha256::digest(a), Sha256::digest(b));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}
