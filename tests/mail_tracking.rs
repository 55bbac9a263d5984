//! Open and click tracking: tokens that cannot be altered, link rewriting that leaves what it
//! must alone, the pixel, the events a token becomes, and the hook in `OutboxDispatcher::render`.

mod workflow_support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use segflow::config::ShopConfig;
use segflow::mail::engagement::Engagement;
use segflow::mail::tracking::{event_for, instrument, TrackClaims, TrackKind, TrackingSigner};
use segflow::mail::{Templates, TokenError, TokenKind, UnsubscribeClaims, UnsubscribeSigner};
use segflow::policy::PolicyConfig;
use segflow::workflow::{DispatchSettings, OutboxDispatcher, SendRequest};
use workflow_support::*;

const SECRET: &[u8] = b"a test secret of enough bytes";
const BASE: &str = "https://shop.test";

fn signer() -> TrackingSigner {
    TrackingSigner::new(SECRET)
}

fn open_claims() -> TrackClaims {
    TrackClaims {
        kind: TrackKind::Open,
        customer: 42,
        workflow: "winback".into(),
        step: "first_mail".into(),
        message_id: "<0f3a@shop.test>".into(),
        url: None,
    }
}

fn click_claims(url: &str) -> TrackClaims {
    TrackClaims {
        kind: TrackKind::Click,
        url: Some(url.into()),
        ..open_claims()
    }
}

/// Re-encodes a token's payload after `edit`, keeping the original MAC.
fn tampered(token: &str, edit: impl Fn(&str) -> String) -> String {
    let (payload, mac) = token.split_once('.').unwrap();
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit must change the payload");
    format!("{}.{mac}", URL_SAFE_NO_PAD.encode(edited))
}

/// The verified claims of every `BASE/c/TOKEN` link in `html`.
fn clicks(html: &str) -> Vec<TrackClaims> {
    html.split(&format!("\"{BASE}/c/"))
        .skip(1)
        .map(|rest| signer().verify(&rest[..rest.find('"').unwrap()]).unwrap())
        .collect()
}

#[test]
fn tokens_round_trip() {
    let s = signer();
    for claims in [
        open_claims(),
        click_claims("https://shop.test/p?a=1&b=\"2\""),
    ] {
        let token = s.token(&claims);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        assert_eq!(s.verify(&token).unwrap(), claims);
    }
}

#[test]
fn altered_tokens_are_refused() {
    let s = signer();
    let token = s.token(&click_claims("https://shop.test/sale"));
    let other_url = tampered(&token, |p| p.replace("/sale", "/evil"));
    assert_eq!(
        s.verify(&other_url),
        Err(TokenError::BadSignature(TokenKind::Tracking))
    );
    let other_customer = tampered(&token, |p| p.replace(",42,", ",43,"));
    assert_eq!(
        s.verify(&other_customer),
        Err(TokenError::BadSignature(TokenKind::Tracking))
    );
    let other_secret = TrackingSigner::new(b"another secret of enough bytes");
    assert_eq!(
        other_secret.verify(&token),
        Err(TokenError::BadSignature(TokenKind::Tracking))
    );
    assert_eq!(
        s.verify("no-dot"),
        Err(TokenError::Malformed(TokenKind::Tracking))
    );
    assert_eq!(
        s.verify("!!.!!"),
        Err(TokenError::Malformed(TokenKind::Tracking))
    );
}

#[test]
fn an_unsubscribe_token_is_not_a_tracking_token() {
    let unsubscribe = UnsubscribeSigner::new(SECRET).unwrap();
    let token = unsubscribe.sign(&UnsubscribeClaims {
        customer: 42,
        email: "a@shop.test".into(),
        purpose: "marketing".into(),
        issued_at: T0,
    });
    let tracking = TrackingSigner::from_unsubscribe(&unsubscribe);
    assert_eq!(
        tracking.verify(&token),
        Err(TokenError::BadSignature(TokenKind::Tracking))
    );
    // The shared secret is really shared: a token of `new(SECRET)` verifies.
    let mine = signer().token(&open_claims());
    assert_eq!(tracking.verify(&mine).unwrap(), open_claims());
}

/// The daemon logs these texts when it refuses `/o/` and `/c/` links: each names its own kind of
/// token, never "unsubscribe token".
#[test]
fn refused_tracking_tokens_name_their_kind() {
    let s = signer();
    let text = |r: Result<TrackClaims, TokenError>| r.unwrap_err().to_string();
    assert_eq!(
        text(s.verify_kind("no-dot", TrackKind::Open)),
        "the open-tracking token is malformed"
    );
    assert_eq!(
        text(s.verify_kind("no-dot", TrackKind::Click)),
        "the click token is malformed"
    );
    let click = s.token(&click_claims("https://shop.test/sale"));
    let forged = tampered(&click, |p| p.replace("/sale", "/evil"));
    assert_eq!(
        text(s.verify_kind(&forged, TrackKind::Click)),
        "the click token's signature does not match"
    );
    let open = s.token(&open_claims());
    let forged = tampered(&open, |p| p.replace(",42,", ",43,"));
    assert_eq!(
        text(s.verify_kind(&forged, TrackKind::Open)),
        "the open-tracking token's signature does not match"
    );
    assert_eq!(
        text(s.verify_kind(&open, TrackKind::Click)),
        "this is an open-tracking token, not a click token"
    );
    assert_eq!(
        text(s.verify_kind(&click, TrackKind::Open)),
        "this is a click token, not an open-tracking token"
    );
    assert_eq!(
        s.verify_kind(&open, TrackKind::Open).unwrap(),
        open_claims()
    );
    let unsubscribe = UnsubscribeSigner::new(SECRET).unwrap();
    assert_eq!(
        unsubscribe.verify("no-dot").unwrap_err().to_string(),
        "the unsubscribe token is malformed"
    );
    assert_eq!(
        unsubscribe.verify(&open).unwrap_err().to_string(),
        "the unsubscribe token's signature does not match"
    );
}

#[test]
fn web_links_are_rewritten_and_the_rest_kept() {
    let html = concat!(
        "<html><body><a href=\"https://shop.test/sale\">Sale</a>",
        "<a href=\"mailto:help@shop.test\">Mail</a><a href=\"#top\">Top</a>",
        "<a href=\"/relative\">Rel</a><a href=\"tel:+4930\">Call</a>",
        "<a href=\"https://shop.test/u/UNSUB.TOKEN\">Unsubscribe</a>",
        "<a class=\"btn\" href='HTTP://Other.test/x'>Other</a></body></html>"
    );
    let out = instrument(html, BASE, &signer(), &open_claims()).unwrap();
    for kept in [
        "href=\"mailto:help@shop.test\"",
        "href=\"#top\"",
        "href=\"/relative\"",
        "href=\"tel:+4930\"",
        "href=\"https://shop.test/u/UNSUB.TOKEN\"",
    ] {
        assert!(out.contains(kept), "{kept} is kept in {out}");
    }
    assert!(!out.contains("href=\"https://shop.test/sale\""));
    let urls: Vec<Option<String>> = clicks(&out).into_iter().map(|c| c.url).collect();
    assert_eq!(
        urls,
        [
            Some("https://shop.test/sale".to_string()),
            Some("HTTP://Other.test/x".to_string())
        ]
    );
    assert!(clicks(&out)
        .iter()
        .all(|c| c.kind == TrackKind::Click && c.customer == 42 && c.step == "first_mail"));
    assert!(out.contains(">Sale</a>") && out.contains("class=\"btn\""));
}

#[test]
fn an_ampersand_in_the_query_survives_escaping() {
    let html = "<a href=\"https://shop.test/p?utm_source=mail&amp;id=7&#38;x=1\">P</a><a href=https://shop.test/q?a=1&b=2>Q</a>";
    let out = instrument(html, BASE, &signer(), &open_claims()).unwrap();
    let urls: Vec<String> = clicks(&out).into_iter().filter_map(|c| c.url).collect();
    assert_eq!(
        urls,
        [
            "https://shop.test/p?utm_source=mail&id=7&x=1",
            "https://shop.test/q?a=1&b=2"
        ]
    );
    // A base URL with characters that need escaping is written escaped into the attribute.
    let odd_base = "https://t.test/x?k=1&m=2";
    let out = instrument(html, odd_base, &signer(), &open_claims()).unwrap();
    assert!(
        out.contains("href=\"https://t.test/x?k=1&amp;m=2/c/"),
        "{out}"
    );
    assert!(!out.contains("k=1&m=2"));
}

#[test]
fn instrument_is_deterministic_and_idempotent() {
    let html = "<html><body><p>Hi</p><a href=\"https://shop.test/a\">A</a></body></html>";
    let once = instrument(html, BASE, &signer(), &open_claims()).unwrap();
    assert_eq!(
        once,
        instrument(html, BASE, &signer(), &open_claims()).unwrap()
    );
    assert_ne!(once, html);
    let twice = instrument(&once, BASE, &signer(), &open_claims()).unwrap();
    assert_eq!(twice, once);
    assert_eq!(clicks(&twice).len(), 1);
}

#[test]
fn the_pixel_is_present_once_before_the_body_ends() {
    let html = "<html><BODY><p>Hi</p></BODY></html>";
    let out = instrument(html, BASE, &signer(), &open_claims()).unwrap();
    assert_eq!(out.matches("/o/").count(), 1);
    let pixel_at = out.find(&format!("<img src=\"{BASE}/o/")).unwrap();
    assert!(pixel_at < out.find("</BODY>").unwrap());
    assert!(out.ends_with("</BODY></html>"));
    let token = &out[pixel_at + format!("<img src=\"{BASE}/o/").len()..];
    let token = &token[..token.find('"').unwrap()];
    assert_eq!(signer().verify(token).unwrap(), open_claims());
    // A fragment without a body gets the pixel at its end.
    let fragment = instrument("<p>Hi</p>", BASE, &signer(), &open_claims()).unwrap();
    assert!(fragment.starts_with("<p>Hi</p><img ") && fragment.ends_with('>'));
    // A trailing slash on the base URL changes nothing.
    assert_eq!(
        instrument(html, "https://shop.test/", &signer(), &open_claims()).unwrap(),
        out
    );
}

#[test]
fn repeated_opens_and_clicks_are_stored_once_per_message_and_url() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let tx = conn.transaction().unwrap();
    for i in 0..20 {
        segflow::ingest::write::event(
            &tx,
            &event_for(&open_claims(), "c42", T0 + i, &Engagement::Human),
            T0,
        )
        .unwrap();
    }
    for url in [
        "https://shop.test/a",
        "https://shop.test/a",
        "https://shop.test/b",
    ] {
        segflow::ingest::write::event(
            &tx,
            &event_for(&click_claims(url), "c42", T0, &Engagement::Human),
            T0,
        )
        .unwrap();
    }
    let other = TrackClaims {
        message_id: "<other@shop.test>".into(),
        ..open_claims()
    };
    segflow::ingest::write::event(&tx, &event_for(&other, "c42", T0, &Engagement::Human), T0)
        .unwrap();
    tx.commit().unwrap();
    let rows: Vec<(String, i64, String, String, Option<String>)> = conn
        .prepare(
            "SELECT type, occurred_at, json_extract(properties, '$.workflow'),
                    json_extract(properties, '$.step'), json_extract(properties, '$.url')
             FROM events ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let w = || ("winback".to_string(), "first_mail".to_string());
    let row =
        |t: &str, at, url: Option<&str>| (t.to_string(), at, w().0, w().1, url.map(String::from));
    assert_eq!(
        rows,
        [
            row("email_opened", T0, None),
            row("email_clicked", T0, Some("https://shop.test/a")),
            row("email_clicked", T0, Some("https://shop.test/b")),
            row("email_opened", T0, None),
        ],
        "the first open is kept, later fetches of the pixel add nothing"
    );
}

const WF: &str = "workflow: vip_reward\ntrigger: { segment_entered: vip }\nreentry: never\nsteps:\n  - { id: reward, send: vip_reward }\n";

/// A dispatcher whose template links to the trigger event's `sale` URL, which goes through
/// minijinja's HTML escaping (`&` and `/` become character references). Without `body.txt`, the
/// text part is generated from the rendered HTML.
fn dispatcher(dir: &std::path::Path) -> OutboxDispatcher {
    let t = dir.join("templates/vip_reward");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("subject.txt"), "Thanks").unwrap();
    std::fs::write(
        t.join("body.html"),
        "<html><body><a href=\"{{ trigger.sale }}\">Sale</a> <a href=\"{{ unsubscribe_url }}\">unsubscribe</a></body></html>",
    )
    .unwrap();
    OutboxDispatcher::new(
        Templates::load_dir(&dir.join("templates"), 50_000).unwrap(),
        &workflows(&[("vip_reward", WF)]),
        DispatchSettings {
            policy: PolicyConfig::default(),
            signer: UnsubscribeSigner::new(SECRET).unwrap(),
            unsubscribe_base_url: BASE.into(),
            message_id_domain: "shop.test".into(),
            shop: ShopConfig::default(),
        },
    )
}

const SALE: &str = "https://shop.test/sale?a=1&b=2";

fn request(customer: i64) -> SendRequest {
    SendRequest {
        idempotency_key: SendRequest::key("vip_reward", "reward", customer, 0),
        workflow: "vip_reward".into(),
        step: "reward".into(),
        customer,
        run: 0,
        template: "vip_reward".into(),
        subject_override: None,
        trigger_event: Some(serde_json::json!({ "sale": SALE })),
        now: T0,
        at: None,
    }
}

/// `segflow preview` and `send-test` print and send exactly what `render` returns, so with
/// tracking on (the default) the preview shows the instrumented HTML.
#[test]
fn rendered_campaign_mail_is_instrumented_unless_tracking_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = store(dir.path());
    let c = customer(&conn, 1);
    let tx = conn.transaction().unwrap();
    let mut d = dispatcher(dir.path());
    let req = request(c);
    let msg = d.render(&tx, &req).unwrap();
    let again = d.render(&tx, &req).unwrap();
    assert_eq!(
        msg.email.html, again.email.html,
        "a retried render is identical"
    );
    let html = &msg.email.html;
    let tracked = clicks(html);
    assert_eq!(tracked.len(), 1, "only the sale link is tracked: {html}");
    assert_eq!(
        tracked[0],
        TrackClaims {
            kind: TrackKind::Click,
            customer: c,
            workflow: "vip_reward".into(),
            step: "reward".into(),
            message_id: msg.message_id.clone(),
            url: Some(SALE.into()),
        }
    );
    assert_eq!(html.matches(&format!("{BASE}/o/")).count(), 1);
    assert!(msg
        .unsubscribe_url
        .as_deref()
        .unwrap()
        .starts_with(&format!("{BASE}/u/")));
    assert!(
        html.contains("https:&#x2f;&#x2f;shop.test&#x2f;u&#x2f;"),
        "the unsubscribe link is not tracked: {html}"
    );
    assert!(
        !msg.email.text.contains("/c/") && !msg.email.text.contains("/o/"),
        "the text part is left as written: {}",
        msg.email.text
    );

    let mut plain = dispatcher(dir.path()).with_tracking(false);
    let untracked = plain.render(&tx, &req).unwrap();
    assert!(!untracked.email.html.contains("/o/") && !untracked.email.html.contains("/c/"));
    assert!(
        untracked.email.html.contains("sale?a=1&amp;b=2"),
        "{}",
        untracked.email.html
    );
}

#[test]
fn a_link_with_a_line_break_is_never_signed() {
    let html = "<a href=\"https://shop.test/p?x=1\r\nSet-Cookie: a=b\">buy</a>";
    let err = instrument(html, BASE, &signer(), &open_claims()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the link \"https://shop.test/p?x=1\\r\\nSet-Cookie: a=b\" holds a line break or another control character, so it cannot be tracked or followed; fix the template or the value it prints"
    );
}
