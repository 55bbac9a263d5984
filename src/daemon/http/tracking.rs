//! The links every campaign email carries: `/u/TOKEN` (unsubscribe page, and RFC 8058 one-click
//! by POST), `/o/TOKEN` (the open pixel) and `/c/TOKEN` (a tracked click).
//!
//! Every token is verified before anything is written or any redirect is given; a click
//! redirects only to the URL signed into its token, so the endpoint is never an open redirect.
//! A bad token gets a 404 and writes nothing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::{now_ms, AppState};
use crate::daemon::writer::{Refused, Write};
use crate::mail::engagement::{forwarded_ip, Fetch};
use crate::mail::TrackKind;

/// A transparent 1x1 GIF.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

fn not_found(s: &AppState, endpoint: &'static str, why: &str) -> Response {
    tracing::warn!(endpoint, reason = why, "refused a link token");
    s.metrics.request(endpoint, 404);
    (
        StatusCode::NOT_FOUND,
        Html("<p>This link is not valid.</p>"),
    )
        .into_response()
}

fn unavailable(s: &AppState, endpoint: &'static str, e: &Refused) -> Response {
    tracing::error!(endpoint, error = %e, "could not record a link");
    s.metrics.request(endpoint, 503);
    (StatusCode::SERVICE_UNAVAILABLE, "try again in a moment\n").into_response()
}

/// What the request shows about who fetched: its method, user agent and forwarded address.
fn fetch_of(method: &Method, headers: &HeaderMap) -> Fetch {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    Fetch {
        user_agent: header("user-agent").map(str::to_string),
        head: method == Method::HEAD,
        ip: header("x-forwarded-for").and_then(forwarded_ip),
    }
}

pub async fn open(
    State(s): State<Arc<AppState>>,
    Path(token): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let claims = match s.tracking.verify_kind(&token, TrackKind::Open) {
        Ok(c) => c,
        Err(e) => return not_found(&s, "open", &e.to_string()),
    };
    let fetch = fetch_of(&method, &headers);
    match s
        .writer
        .write(vec![Write::Track(claims, fetch)], now_ms())
        .await
    {
        Ok(_) => {}
        // The open cannot be attributed (its id belongs to another customer); retrying would
        // not change that, so the pixel is served and the refusal logged.
        Err(e @ Refused::Conflict { .. }) => tracing::warn!(error = %e, "open not recorded"),
        Err(e) => return unavailable(&s, "open", &e),
    }
    s.metrics.request("open", 200);
    (
        [(CONTENT_TYPE, "image/gif"), (CACHE_CONTROL, "no-store")],
        PIXEL,
    )
        .into_response()
}

pub async fn click(
    State(s): State<Arc<AppState>>,
    Path(token): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let claims = match s.tracking.verify_kind(&token, TrackKind::Click) {
        Ok(c) => c,
        Err(e) => return not_found(&s, "click", &e.to_string()),
    };
    let Some(url) = claims.url.clone() else {
        return not_found(&s, "click", "no URL in the token");
    };
    let fetch = fetch_of(&method, &headers);
    if let Err(e) = s
        .writer
        .write(vec![Write::Track(claims, fetch)], now_ms())
        .await
    {
        // The customer still gets where they wanted to go; only the record is lost, and it
        // is logged.
        tracing::error!(error = %e, "click not recorded");
    }
    s.metrics.request("click", 302);
    (StatusCode::FOUND, [(LOCATION, url)]).into_response()
}

pub async fn unsubscribe_page(
    State(s): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Response {
    if let Err(e) = s.unsubscribe.verify(&token) {
        return not_found(&s, "unsubscribe", &e.to_string());
    }
    s.metrics.request("unsubscribe", 200);
    // A GET never unsubscribes: mail scanners fetch links. The button POSTs to the same URL,
    // exactly what RFC 8058 one-click clients do.
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>Unsubscribe</title>\
         <p>Stop receiving marketing email from us?</p>\
         <form method=post action=\"/u/{token}\"><button type=submit>Unsubscribe</button></form>"
    ))
    .into_response()
}

pub async fn unsubscribe(State(s): State<Arc<AppState>>, Path(token): Path<String>) -> Response {
    let claims = match s.unsubscribe.verify(&token) {
        Ok(c) => c,
        Err(e) => return not_found(&s, "unsubscribe", &e.to_string()),
    };
    let write = Write::Suppress {
        email: claims.email,
        reason: "unsubscribed".into(),
    };
    if let Err(e) = s.writer.write(vec![write], now_ms()).await {
        return unavailable(&s, "unsubscribe", &e);
    }
    tracing::info!(customer = claims.customer, "unsubscribed by link");
    s.metrics.request("unsubscribe", 200);
    Html("<!doctype html><meta charset=utf-8><p>You are unsubscribed. You will not get marketing email from us any more.</p>").into_response()
}
