//! `/dashboard`: the dashboard's pages (`report::pages`) behind a sign-in. Without the token
//! (`[daemon] dashboard_token_env`, `SEGFLOW_DASHBOARD_TOKEN` by default) every path answers
//! 503 saying how to turn it on. With it, every page needs the session cookie that signing in
//! with the token sets (`session.rs`); without a valid one a page redirects to the sign-in form.
//!
//! Pages read the store on a blocking thread through their own read-only connection, so the
//! writer is never waited for; the figures of the Overview, Cohorts, Segments and Campaigns
//! pages are computed once and kept for a minute (`CACHE_MS`), a customer's page is read anew.

pub mod session;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use self::session::{Sessions, LOGIN_COOKIE, LOGIN_MS, SESSION_COOKIE, SESSION_MS};
use super::{now_ms, AppState};
use crate::config::ShopConfig;
use crate::report::pages::{self, Dashboard, Page, Site};
use crate::report::svg::escape;
use crate::report::{ReportOptions, SplitMetrics};
use crate::store::reports::customer as queries;

/// How long computed figures are shown before they are computed again.
pub const CACHE_MS: i64 = 60_000;

/// What the dashboard needs: the sign-in, where the store is, the shop and how splits are
/// judged (from the workflow files at start).
pub struct DashboardState {
    pub sessions: Option<Sessions>,
    pub db: PathBuf,
    pub shop: ShopConfig,
    pub metrics: SplitMetrics,
    cache: Mutex<Option<(i64, Arc<Dashboard>)>>,
}

impl DashboardState {
    pub fn new(token: Option<&str>, db: PathBuf, shop: ShopConfig, metrics: SplitMetrics) -> Self {
        DashboardState {
            sessions: token.map(Sessions::new),
            db,
            shop,
            metrics,
            cache: Mutex::new(None),
        }
    }
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/dashboard",
            get(|| async { redirect("/dashboard/overview") }),
        )
        .route(
            "/dashboard/",
            get(|| async { redirect("/dashboard/overview") }),
        )
        .route("/dashboard/login", get(login_form).post(login))
        .route("/dashboard/logout", axum::routing::post(logout))
        .route("/dashboard/customers", get(customers))
        .route("/dashboard/customer", get(customer))
        .route("/dashboard/segment", get(segment))
        .route("/dashboard/{page}", get(page))
}

/// A page's answer: HTML that is never cached, may not be framed, and may load nothing
/// (inline styles only; no scripts at all).
fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    r
}

fn redirect(to: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to)]).into_response()
}

fn disabled(state: &DashboardState) -> Response {
    let _ = state;
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        simple_page("Dashboard disabled", "<p>The dashboard is disabled: no token is configured. Set the environment variable named by <code>[daemon] dashboard_token_env</code> (<code>SEGFLOW_DASHBOARD_TOKEN</code> by default), for example to <code>$(openssl rand -hex 24)</code>, and restart <code>segflow run</code>.</p>"),
    )
}

fn simple_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t} · segflow</title><link rel=\"icon\" href=\"data:,\"><style>{}</style></head><body><main><h1>{t}</h1>{body}</main></body></html>\n",
        pages::STYLE,
        t = escape(title)
    )
}

fn nonce() -> String {
    use rand::Rng;
    let bytes: [u8; 16] = rand::rng().random();
    crate::hex::encode(&bytes)
}

fn cookie_of<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| session::cookie(h, name))
}

/// The CSRF token of the request's signed-in session, or the answer instead of the page: the
/// redirect to the sign-in form (boxed: a response is large beside a token).
fn signed_in(s: &AppState, headers: &HeaderMap) -> Result<String, Box<Response>> {
    let Some(sessions) = &s.dashboard.sessions else {
        return Err(Box::new(disabled(&s.dashboard)));
    };
    let verified =
        cookie_of(headers, SESSION_COOKIE).and_then(|v| sessions.verify("s", v, now_ms()));
    match verified {
        Some(v) => Ok(sessions.csrf("s", &v.nonce)),
        None => Err(Box::new(redirect("/dashboard/login"))),
    }
}

fn login_page(sessions: &Sessions, message: Option<&str>, status: StatusCode) -> Response {
    let n = nonce();
    let cookie = sessions.issue("l", &n, now_ms() + LOGIN_MS);
    let body = format!(
        "{}<form method=\"post\" action=\"/dashboard/login\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><label>Dashboard token <input type=\"password\" name=\"token\" autocomplete=\"current-password\" autofocus required></label> <button type=\"submit\">Sign in</button></form><p class=\"note\">The token is the value of the environment variable named by <code>[daemon] dashboard_token_env</code> (<code>SEGFLOW_DASHBOARD_TOKEN</code>) where <code>segflow run</code> started.</p>",
        message.map_or(String::new(), |m| format!("<p class=\"down\">{}</p>", escape(m))),
        sessions.csrf("l", &n)
    );
    let mut r = html(status, simple_page("Sign in to segflow", &body));
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(LOGIN_COOKIE, &cookie, LOGIN_MS)) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r
}

async fn login_form(State(s): State<Arc<AppState>>) -> Response {
    match &s.dashboard.sessions {
        None => disabled(&s.dashboard),
        Some(sessions) => login_page(sessions, None, StatusCode::OK),
    }
}

/// The fields of a urlencoded form body.
fn form(body: &[u8]) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

async fn login(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(sessions) = &s.dashboard.sessions else {
        return disabled(&s.dashboard);
    };
    let fields = form(&body);
    let field = |k: &str| fields.get(k).map_or("", String::as_str);
    let login = cookie_of(&headers, LOGIN_COOKIE).and_then(|v| sessions.verify("l", v, now_ms()));
    let Some(login) = login.filter(|l| sessions.is_csrf("l", &l.nonce, field("csrf"))) else {
        return login_page(
            sessions,
            Some(
                "The sign-in form had expired or did not come from this dashboard; sign in again.",
            ),
            StatusCode::FORBIDDEN,
        );
    };
    let _ = login;
    if !sessions.is_token(field("token")) {
        // A wrong guess costs time, so tokens cannot be tried quickly.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        return login_page(
            sessions,
            Some("That is not the dashboard token."),
            StatusCode::UNAUTHORIZED,
        );
    }
    let value = sessions.issue("s", &nonce(), now_ms() + SESSION_MS);
    let mut r = redirect("/dashboard/overview");
    let h = r.headers_mut();
    for c in [
        session::set_cookie(SESSION_COOKIE, &value, SESSION_MS),
        session::set_cookie(LOGIN_COOKIE, "", 0),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(SET_COOKIE, v);
        }
    }
    r
}

async fn logout(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let csrf = match signed_in(&s, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let fields = form(&body);
    if !super::same_secret(
        csrf.as_bytes(),
        fields.get("csrf").map_or("", String::as_str).as_bytes(),
    ) {
        return html(
            StatusCode::FORBIDDEN,
            simple_page(
                "Not signed out",
                "<p>The form did not come from this dashboard.</p>",
            ),
        );
    }
    let mut r = redirect("/dashboard/login");
    if let Ok(v) = HeaderValue::from_str(&session::set_cookie(SESSION_COOKIE, "", 0)) {
        r.headers_mut().insert(SET_COOKIE, v);
    }
    r
}

/// The title and text of a page that names something that does not exist.
type Missing = (&'static str, &'static str);
const NO_PAGE: Missing = (
    "No such page",
    "<p><a href=\"/dashboard/overview\">Back to the overview</a>.</p>",
);
const NO_CUSTOMER: Missing = (
    "No such customer",
    "<p>No customer has that id. <a href=\"/dashboard/customers\">Search for one</a>.</p>",
);
const NO_SEGMENT: Missing = (
    "No such segment",
    "<p>No segment has that name. <a href=\"/dashboard/segments\">See every segment</a>.</p>",
);

/// Builds a page on a blocking thread (its reads are synchronous SQLite); `Ok(None)` answers
/// 404 with the `missing` page.
async fn build(
    work: impl FnOnce() -> Result<Option<String>, String> + Send + 'static,
    missing: Missing,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(Some(body))) => html(StatusCode::OK, body),
        Ok(Ok(None)) => html(StatusCode::NOT_FOUND, simple_page(missing.0, missing.1)),
        Ok(Err(e)) => failed(e),
        Err(e) => failed(e),
    }
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "a dashboard page could not be read");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        simple_page(
            "The page could not be read",
            &format!("<p>{}</p>", escape(&e.to_string())),
        ),
    )
}

/// The figures, computed at most once per `CACHE_MS`.
fn figures(state: &DashboardState) -> Result<Arc<Dashboard>, String> {
    let now = now_ms();
    if let Ok(cache) = state.cache.lock() {
        if let Some((at, d)) = cache.as_ref() {
            if now - at < CACHE_MS {
                return Ok(d.clone());
            }
        }
    }
    let conn = crate::store::open_read_only(&state.db).map_err(|e| e.to_string())?;
    let d = Arc::new(
        pages::build_dashboard(&conn, &ReportOptions::new(now), &state.shop, &state.metrics)
            .map_err(|e| e.to_string())?,
    );
    if let Ok(mut cache) = state.cache.lock() {
        *cache = Some((now, d.clone()));
    }
    Ok(d)
}

async fn page(
    State(s): State<Arc<AppState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let csrf = match signed_in(&s, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let Some(page) = Page::ALL.into_iter().find(|p| p.slug() == name) else {
        return html(StatusCode::NOT_FOUND, simple_page(NO_PAGE.0, NO_PAGE.1));
    };
    if page == Page::Customers {
        return redirect("/dashboard/customers");
    }
    let state = s.clone();
    let work = move || {
        let d = figures(&state.dashboard)?;
        let site = Site::Served { csrf };
        Ok(Some(match page {
            Page::Overview => pages::overview_page(&site, &d),
            Page::Cohorts => pages::cohorts_page(&site, &d),
            Page::Segments => pages::segments_page(&site, &d),
            _ => pages::campaigns_page(&site, &d),
        }))
    };
    build(work, NO_PAGE).await
}

#[derive(serde::Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

async fn customers(
    State(s): State<Arc<AppState>>,
    Query(search): Query<Search>,
    headers: HeaderMap,
) -> Response {
    let csrf = match signed_in(&s, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let state = s.clone();
    let work = move || {
        let q = search.q.trim().to_string();
        let found = if q.is_empty() {
            Vec::new()
        } else {
            let conn =
                crate::store::open_read_only(&state.dashboard.db).map_err(|e| e.to_string())?;
            queries::search(&conn, &q, 100).map_err(|e| e.to_string())?
        };
        Ok(Some(pages::customer_search_page(
            &Site::Served { csrf },
            &state.dashboard.shop.name,
            &q,
            &found,
        )))
    };
    build(work, NO_PAGE).await
}

#[derive(serde::Deserialize)]
struct CustomerId {
    #[serde(default)]
    id: String,
}

async fn customer(
    State(s): State<Arc<AppState>>,
    Query(who): Query<CustomerId>,
    headers: HeaderMap,
) -> Response {
    let csrf = match signed_in(&s, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let state = s.clone();
    let work = move || {
        let conn = crate::store::open_read_only(&state.dashboard.db).map_err(|e| e.to_string())?;
        let site = Site::Served { csrf };
        let shop = &state.dashboard.shop;
        let Some(profile) = queries::profile(&conn, &who.id).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let scores = queries::scores(&conn, profile.id).map_err(|e| e.to_string())?;
        let segments =
            crate::store::membership::segments_of(&conn, profile.id).map_err(|e| e.to_string())?;
        let timeline = queries::timeline(&conn, profile.id, 500).map_err(|e| e.to_string())?;
        let calendar = crate::report::dashboard::Calendar::new(&shop.timezone);
        let date = move |ms: i64| calendar.date_label(ms);
        let view = pages::CustomerView {
            profile: &profile,
            scores: scores.as_ref(),
            segments: &segments,
            timeline: &timeline,
            currency: &shop.currency,
            date: &date,
        };
        Ok(Some(pages::customer_page(&site, &shop.name, &view)))
    };
    build(work, NO_CUSTOMER).await
}

#[derive(serde::Deserialize)]
struct SegmentName {
    #[serde(default)]
    name: String,
}

async fn segment(
    State(s): State<Arc<AppState>>,
    Query(which): Query<SegmentName>,
    headers: HeaderMap,
) -> Response {
    let csrf = match signed_in(&s, &headers) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let state = s.clone();
    let work = move || {
        let d = figures(&state.dashboard)?;
        if !d.report.segments.iter().any(|x| x.segment == which.name) {
            return Ok(None);
        }
        let conn = crate::store::open_read_only(&state.dashboard.db).map_err(|e| e.to_string())?;
        let now = d.report.options.now;
        let profile = crate::report::dashboard::load_segment_profile(&conn, &which.name, now)
            .map_err(|e| e.to_string())?;
        let members = crate::store::reports::segment_profile::members(&conn, &which.name, 200)
            .map_err(|e| e.to_string())?;
        Ok(Some(pages::segment_page(
            &Site::Served { csrf },
            &d,
            &profile,
            &members,
        )))
    };
    build(work, NO_SEGMENT).await
}
