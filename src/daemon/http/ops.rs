//! `GET /healthz` for load balancers and systemd watchdogs, `GET /metrics` for Prometheus, and
//! `GET /openapi.json`, the API's OpenAPI 3.1 document, kept in the repository (`openapi.json`)
//! and compiled in, so that what is served is what `tests/api_openapi.rs` checks the daemon
//! against.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use super::AppState;

pub async fn healthz() -> &'static str {
    "ok\n"
}

pub async fn metrics(State(s): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
}

/// The repository's `openapi.json`.
pub const OPENAPI: &str = include_str!("../../../openapi.json");

pub async fn openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI)
}
