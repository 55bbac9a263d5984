//! Open and click tracking: signed tokens, the rewriting of a campaign email's links, and the
//! event a followed link becomes.
//!
//! A tracking token is `base64url(payload).base64url(mac)` like an unsubscribe token, but MACed
//! under its own domain label, so neither kind of token can stand in for the other although both
//! use the same secret. The payload names the message (customer, workflow, step, Message-ID) and,
//! for a click, the URL the link leads to: the click endpoint redirects only to that signed URL,
//! so it can never serve as an open redirect. Tokens hold no time, so rendering the same message
//! twice (a retried render) yields the same HTML byte for byte.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::engagement::Engagement;
use super::html_links::{anchor_hrefs, escape_attribute};
use super::token::{TokenError, TokenKind, UnsubscribeSigner};
use crate::ingest::{EventIn, Time};

/// Binds the MAC to tracking tokens, so an unsubscribe MAC made with the same secret never fits.
const DOMAIN: &[u8] = b"segflow-tracking-v1\n";

/// Whether a token stands for an open (the pixel) or a click (a rewritten link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    Open,
    Click,
}

impl TrackKind {
    fn code(self) -> &'static str {
        match self {
            TrackKind::Open => "o",
            TrackKind::Click => "c",
        }
    }

    /// The name of this kind of token in errors.
    pub fn token_kind(self) -> TokenKind {
        match self {
            TrackKind::Open => TokenKind::Open,
            TrackKind::Click => TokenKind::Click,
        }
    }

    /// The event type a verified token of this kind becomes.
    pub fn event_type(self) -> &'static str {
        match self {
            TrackKind::Open => "email_opened",
            TrackKind::Click => "email_clicked",
        }
    }
}

/// What a tracking token asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackClaims {
    pub kind: TrackKind,
    /// The internal customer key.
    pub customer: i64,
    pub workflow: String,
    pub step: String,
    /// The Message-ID of the email, `<hex@domain>`.
    pub message_id: String,
    /// The destination of a click; `None` for an open.
    pub url: Option<String>,
}

/// Signs and verifies tracking tokens.
#[derive(Clone)]
pub struct TrackingSigner {
    secret: Vec<u8>,
}

impl std::fmt::Debug for TrackingSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret is never printed.
        f.write_str("TrackingSigner { .. }")
    }
}

impl TrackingSigner {
    /// A signer keyed by `secret`. Prefer `from_unsubscribe`, which reuses the secret whose
    /// length `UnsubscribeSigner::new` has checked.
    pub fn new(secret: &[u8]) -> Self {
        TrackingSigner {
            secret: secret.to_vec(),
        }
    }

    /// A signer with the same secret as the unsubscribe links (`[mail] unsubscribe_secret_env`).
    pub fn from_unsubscribe(signer: &UnsubscribeSigner) -> Self {
        Self::new(signer.secret())
    }

    /// The token for `c`.
    pub fn token(&self, c: &TrackClaims) -> String {
        let payload = json!([
            c.kind.code(),
            c.customer,
            c.workflow,
            c.step,
            c.message_id,
            c.url
        ])
        .to_string();
        super::signed::seal(&self.secret, DOMAIN, payload.as_bytes())
    }

    /// Checks `token`'s signature (in constant time) and returns what it asserts, open or click.
    pub fn verify(&self, token: &str) -> Result<TrackClaims, TokenError> {
        self.verify_as(token, TokenKind::Tracking)
    }

    /// Like `verify` for the endpoint of `expected`: errors name that kind of token, and a
    /// genuine token of the other kind is refused as such.
    pub fn verify_kind(&self, token: &str, expected: TrackKind) -> Result<TrackClaims, TokenError> {
        let kind = expected.token_kind();
        let claims = self.verify_as(token, kind)?;
        if claims.kind != expected {
            return Err(TokenError::WrongKind {
                expected: kind,
                found: claims.kind.token_kind(),
            });
        }
        Ok(claims)
    }

    fn verify_as(&self, token: &str, token_kind: TokenKind) -> Result<TrackClaims, TokenError> {
        let payload = super::signed::open(&self.secret, DOMAIN, token, token_kind)?;
        let (kind, customer, workflow, step, message_id, url): (
            String,
            i64,
            String,
            String,
            String,
            Option<String>,
        ) = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed(token_kind))?;
        let kind = match (kind.as_str(), &url) {
            ("o", None) => TrackKind::Open,
            ("c", Some(_)) => TrackKind::Click,
            _ => return Err(TokenError::Malformed(token_kind)),
        };
        Ok(TrackClaims {
            kind,
            customer,
            workflow,
            step,
            message_id,
            url,
        })
    }
}

/// A link of a rendered email that cannot be tracked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the link {url:?} holds a line break or another control character, so it cannot be tracked or followed; fix the template or the value it prints")]
pub struct UntrackableLink {
    pub url: String,
}

/// Rewrites every http(s) `href` of `<a>` elements to `BASE/c/TOKEN` (not `mailto:`, not `#`
/// anchors, not links already under `BASE/c/`, `BASE/o/` or `BASE/u/`, which covers the
/// unsubscribe URL), and appends a 1x1 pixel `BASE/o/TOKEN` before the last `</body>` (or at the
/// end). `claims_base` names the message; its `kind` and `url` are ignored.
///
/// Deterministic (same input, same output), and idempotent: instrumenting instrumented HTML
/// changes nothing, as its links are already under `BASE` and its pixel is present.
///
/// A link whose URL holds a line break or another control character is never signed: a click
/// could only answer a redirect without a valid `Location`. It is an error naming the link, so
/// the step records it and queues nothing, like a template error.
pub fn instrument(
    html: &str,
    base_url: &str,
    signer: &TrackingSigner,
    claims_base: &TrackClaims,
) -> Result<String, UntrackableLink> {
    let base = base_url.trim_end_matches('/');
    let own = [
        format!("{base}/c/"),
        format!("{base}/o/"),
        format!("{base}/u/"),
    ];
    let claims = |kind, url: Option<String>| TrackClaims {
        kind,
        url,
        ..claims_base.clone()
    };
    let mut out = String::with_capacity(html.len() + 512);
    let mut copied = 0;
    for href in anchor_hrefs(html) {
        let lower = href.url.get(..8).unwrap_or(&href.url).to_ascii_lowercase();
        let web = lower.starts_with("http://") || lower.starts_with("https://");
        if !web || own.iter().any(|p| href.url.starts_with(p.as_str())) {
            continue;
        }
        if href.url.chars().any(char::is_control) {
            return Err(UntrackableLink { url: href.url });
        }
        let token = signer.token(&claims(TrackKind::Click, Some(href.url)));
        out.push_str(&html[copied..href.start]);
        out.push('"');
        out.push_str(&escape_attribute(&format!("{base}/c/{token}")));
        out.push('"');
        copied = href.end;
    }
    out.push_str(&html[copied..]);
    if out.contains(&escape_attribute(&own[1])) {
        return Ok(out);
    }
    let pixel = format!(
        "<img src=\"{}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">",
        escape_attribute(&format!(
            "{base}/o/{}",
            signer.token(&claims(TrackKind::Open, None))
        ))
    );
    match out.to_ascii_lowercase().rfind("</body>") {
        Some(at) => out.insert_str(at, &pixel),
        None => out.push_str(&pixel),
    }
    Ok(out)
}

/// The event a verified token becomes: `email_opened` or `email_clicked` with the properties
/// `workflow`, `step`, `message_id`, (clicks) `url`, and `machine` (with `machine_reason`)
/// from `engagement`. The event id derives from the message (and URL) and the class, so a
/// mail client fetching the pixel twenty times records one open per message, and clicks one
/// per message and URL, the first time winning; a privacy proxy's fetch at delivery does not
/// keep the person's own open later from being recorded.
pub fn event_for(
    claims: &TrackClaims,
    customer_external_id: &str,
    now: i64,
    engagement: &Engagement,
) -> EventIn {
    let mut digest = Sha256::new();
    digest.update(claims.message_id.as_bytes());
    if let Some(url) = &claims.url {
        digest.update(b"\n");
        digest.update(url.as_bytes());
    }
    let hex: String = digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let event_type = claims.kind.event_type();
    let mut properties = Map::new();
    properties.insert("workflow".into(), Value::from(claims.workflow.as_str()));
    properties.insert("step".into(), Value::from(claims.step.as_str()));
    properties.insert("message_id".into(), Value::from(claims.message_id.as_str()));
    if let Some(url) = &claims.url {
        properties.insert("url".into(), Value::from(url.as_str()));
    }
    let class = match engagement {
        Engagement::Human => {
            properties.insert("machine".into(), Value::from(false));
            ""
        }
        Engagement::Machine(reason) => {
            properties.insert("machine".into(), Value::from(true));
            properties.insert("machine_reason".into(), Value::from(reason.as_str()));
            ":machine"
        }
    };
    EventIn {
        id: Some(format!("{event_type}{class}:{hex}")),
        event_type: event_type.to_string(),
        customer_id: customer_external_id.to_string(),
        occurred_at: Some(Time(now)),
        properties,
    }
}
