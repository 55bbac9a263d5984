//! `POST /v1/events`, `/v1/customers` and `/v1/orders`: one item or an array per request,
//! bearer-token authenticated, validated, committed, then answered.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{error, invalid, now_ms, same_secret, unreadable, AppState};
use crate::daemon::writer::{Refused, Write};
use crate::ingest::{parse_batch, CustomerIn, EventIn, OrderIn, Validate};

/// The body as axum read it: the bytes, or why they could not be read (too large, cut off).
type Body = Result<Bytes, BytesRejection>;

pub async fn events(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    ingest::<EventIn>(&s, "events", &headers, body, Write::Event).await
}

pub async fn customers(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    ingest::<CustomerIn>(&s, "customers", &headers, body, Write::Customer).await
}

pub async fn orders(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    ingest::<OrderIn>(&s, "orders", &headers, body, Write::Order).await
}

async fn ingest<T>(
    s: &AppState,
    endpoint: &'static str,
    headers: &HeaderMap,
    body: Body,
    wrap: fn(T) -> Write,
) -> Response
where
    T: for<'de> serde::Deserialize<'de> + Validate,
{
    let response = handle(s, headers, body, wrap).await;
    s.metrics.request(endpoint, response.status().as_u16());
    response
}

async fn handle<T>(s: &AppState, headers: &HeaderMap, body: Body, wrap: fn(T) -> Write) -> Response
where
    T: for<'de> serde::Deserialize<'de> + Validate,
{
    if let Some(refused) = authorize(s, headers) {
        return refused;
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return unreadable(rejection, s.max_body),
    };
    let items = match parse_batch::<T>(&body, s.max_batch) {
        Ok(items) => items,
        Err(e) => return invalid(&e),
    };
    let count = items.len();
    match s
        .writer
        .write(items.into_iter().map(wrap).collect(), now_ms())
        .await
    {
        Ok(written) => {
            let duplicates = written.iter().filter(|w| !w.fresh).count();
            (
                StatusCode::OK,
                Json(json!({ "accepted": count, "duplicates": duplicates })),
            )
                .into_response()
        }
        Err(Refused::Conflict {
            index,
            field,
            message,
        }) => {
            // The item's path as `parse_batch` names fields: `[2].id` in an array, else `id`.
            let path = if body.trim_ascii_start().starts_with(b"[") {
                format!("[{index}].{field}")
            } else {
                field.to_string()
            };
            error(StatusCode::CONFLICT, &path, &message)
        }
        Err(e) => {
            tracing::error!(error = %e, "ingest write failed");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "",
                &format!("not stored: {e}; retry later"),
            )
        }
    }
}

/// `None` when the request carries the configured bearer token, else the refusal.
fn authorize(s: &AppState, headers: &HeaderMap) -> Option<Response> {
    let Some(token) = &s.token else {
        return Some(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "",
            "the API is disabled: no token is configured (set the environment variable named by [daemon] token_env)",
        ));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_credentials);
    match given {
        Some(given) if same_secret(given.as_bytes(), token.as_bytes()) => None,
        Some(_) => Some(error(
            StatusCode::UNAUTHORIZED,
            "",
            "the bearer token is wrong",
        )),
        None => Some(error(
            StatusCode::UNAUTHORIZED,
            "",
            "send the API token as `Authorization: Bearer TOKEN`",
        )),
    }
}

/// The credentials of an `Authorization` value whose scheme is `Bearer`. Auth schemes are
/// case-insensitive (RFC 9110 section 11.1), so `bearer TOKEN` is as good as `Bearer TOKEN`.
fn bearer_credentials(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim_start_matches(' '))
}

#[cfg(test)]
mod tests {
    use super::bearer_credentials;

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_credentials("Bearer abc"), Some("abc"));
        assert_eq!(bearer_credentials("bearer abc"), Some("abc"));
        assert_eq!(bearer_credentials("BEARER  abc"), Some("abc"));
        assert_eq!(bearer_credentials("Basic abc"), None);
        assert_eq!(bearer_credentials("Bearerabc"), None);
    }
}
