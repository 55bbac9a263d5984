//! The daemon end to end: the real `segflow run` binary on a loopback port, real HTTP requests,
//! a real SMTP server. An abandoned checkout becomes a reminder after the workflow's delay, and
//! none when an order follows; the reminder's tracked links and unsubscribe link work; the API
//! refuses bad input with a JSON error naming the field; Shopify webhooks are verified.

mod daemon_support;
mod smtp_server;

use std::time::{Duration, Instant};

use daemon_support::*;
use smtp_server::TestSmtpServer;

fn iso_now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The first `href`/`src` value in `html` that contains `needle`.
fn link(html: &str, needle: &str) -> String {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("no {needle} in {html}"));
    let start = html[..at].rfind('"').unwrap() + 1;
    let end = at + html[at..].find('"').unwrap();
    html[start..end].replace("&amp;", "&")
}

#[test]
fn abandoned_checkout_sends_after_the_delay_and_not_after_an_order() {
    let smtp = TestSmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), smtp.addr.port(), "2s");
    let daemon = Daemon::start(dir.path());

    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"ann","email":"ann@example.test","first_name":"Ann","accepts_marketing":true},
            {"id":"bob","email":"bob@example.test","first_name":"Bob","accepts_marketing":true}]"#,
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"accepted":2,"duplicates":0}"#)
    );
    let sent_at = Instant::now();
    let r = daemon.api(
        "/v1/events",
        r#"[{"type":"checkout_started","customer_id":"ann","properties":{"value":120}},
            {"type":"checkout_started","customer_id":"bob","properties":{"value":40}}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let db = store(dir.path());
    assert!(
        wait_until(Duration::from_secs(10), || count(
            &db,
            "SELECT COUNT(*) FROM journeys WHERE workflow = 'abandoned'"
        ) == 2),
        "both checkouts start a journey:\n{}",
        daemon.log_text()
    );
    let order = format!(
        r#"{{"id":"o-1","customer_id":"bob","placed_at":"{}","total":"40.00","items":[{{"product_id":"p-1","price":"40.00"}}]}}"#,
        iso_now()
    );
    let r = daemon.api("/v1/orders", &order);
    assert_eq!(r.status, 200, "{}", r.body);
    // The order is evaluated for Bob alone, at once: he enters `buyers` without a full refresh.
    assert!(
        wait_until(Duration::from_secs(10), || {
            count(&db, "SELECT COUNT(*) FROM segment_changes c JOIN customers k ON k.id = c.customer WHERE c.segment = 'buyers' AND c.change = 'entered' AND k.external_id = 'bob'") == 1
        }),
        "{}",
        daemon.log_text()
    );

    assert!(
        wait_until(Duration::from_secs(20), || smtp.received_count() >= 1),
        "the reminder arrives:\n{}",
        daemon.log_text()
    );
    assert!(
        sent_at.elapsed() >= Duration::from_secs(2),
        "not before the workflow's 2s wait"
    );
    assert!(wait_until(Duration::from_secs(10), || {
        count(&db, "SELECT COUNT(*) FROM journeys j JOIN customers k ON k.id = j.customer WHERE k.external_id = 'bob' AND j.state = 'converted'") == 1
    }));
    std::thread::sleep(Duration::from_millis(1500));
    let received = smtp.received();
    assert_eq!(
        received.len(),
        1,
        "Bob ordered, so only Ann gets a reminder"
    );
    assert_eq!(received[0].to, vec!["ann@example.test".to_string()]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM outbox o JOIN customers k ON k.id = o.customer WHERE k.external_id = 'bob'"), 0);

    // The email's links go through the daemon: a click is recorded and redirected to the
    // signed URL only; a tampered token is refused without a redirect.
    let html = String::from_utf8_lossy(&received[0].data)
        .replace("=\r\n", "")
        .replace("=3D", "=");
    let click = link(&html, "/c/");
    let path = &click[click.find("/c/").unwrap()..];
    let r = daemon.request("GET", path, &[], b"");
    assert_eq!(
        (r.status, r.header("location")),
        (302, Some("https://acme.test/cart"))
    );
    let mut forged = path.to_string();
    forged.insert(path.len() - 3, if path.ends_with('A') { 'B' } else { 'A' });
    let r = daemon.request("GET", &forged, &[], b"");
    assert_eq!((r.status, r.header("location")), (404, None));
    let pixel = link(&html, "/o/");
    let r = daemon.request("GET", &pixel[pixel.find("/o/").unwrap()..], &[], b"");
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("image/gif"))
    );
    for kind in ["email_clicked", "email_opened"] {
        let sql = format!("SELECT COUNT(*) FROM events e JOIN customers k ON k.id = e.customer WHERE e.type = '{kind}' AND k.external_id = 'ann' AND json_extract(e.properties, '$.workflow') = 'abandoned' AND json_extract(e.properties, '$.step') = 'remind'");
        assert_eq!(
            count(&db, &sql),
            1,
            "{kind} is recorded with its workflow and step"
        );
    }
    // Neither request said who it was: both are machines. A person's mail client opening the
    // message later is recorded beside the proxy's fetch; a HEAD on a link is a scanner.
    let reason = |kind: &str, machine: bool| -> String {
        db.query_row(
            &format!("SELECT COALESCE(json_extract(properties, '$.machine_reason'), '') FROM events WHERE type = '{kind}' AND json_extract(properties, '$.machine') = {}", i32::from(machine)),
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{kind} machine={machine}: {e}"))
    };
    assert_eq!(reason("email_opened", true), "no user agent");
    assert_eq!(reason("email_clicked", true), "no user agent");
    let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
    let pixel_path = &pixel[pixel.find("/o/").unwrap()..];
    let r = daemon.request("GET", pixel_path, &[("User-Agent", iphone)], b"");
    assert_eq!(r.status, 200);
    assert_eq!(reason("email_opened", false), "");
    let r = daemon.request(
        "GET",
        pixel_path,
        &[
            ("User-Agent", "Mozilla/5.0"),
            ("X-Forwarded-For", "17.58.0.9"),
        ],
        b"",
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM events WHERE type = 'email_opened'"
        ),
        2,
        "one open per message and class"
    );
    let r = daemon.request("HEAD", path, &[("User-Agent", iphone)], b"");
    assert_eq!(r.status, 302);

    // RFC 8058 one-click unsubscribe: a POST to the List-Unsubscribe URL suppresses Ann; a GET
    // only shows the page.
    let raw = String::from_utf8_lossy(&received[0].data).to_string();
    let unsub = link(&raw.replace("<", "\"").replace(">", "\""), "/u/");
    let path = &unsub[unsub.find("/u/").unwrap()..];
    assert_eq!(daemon.request("GET", path, &[], b"").status, 200);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM suppressions"), 0);
    let r = daemon.request(
        "POST",
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"List-Unsubscribe=One-Click",
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM suppressions WHERE email = 'ann@example.test'"
        ),
        1
    );

    let (status, _) = daemon.terminate(Duration::from_secs(15));
    assert!(status.success(), "SIGTERM exits 0");
}

#[test]
fn the_api_refuses_bad_requests_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let r = daemon.request(
        "POST",
        "/v1/events",
        &[],
        br#"{"type":"a","customer_id":"c"}"#,
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        r.body,
        r#"{"error":"send the API token as `Authorization: Bearer TOKEN`"}"#
    );
    let r = daemon.request(
        "POST",
        "/v1/events",
        &[("Authorization", "Bearer nope")],
        b"{}",
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (401, r#"{"error":"the bearer token is wrong"}"#)
    );
    let r = daemon.api(
        "/v1/events",
        r#"[{"type":"a","customer_id":"c"},{"type":"Not A Type","customer_id":"c"}]"#,
    );
    assert_eq!(r.status, 400);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["field"], "[1].type");
    let r = daemon.api(
        "/v1/orders",
        r#"{"id":"o","customer_id":"c","placed_at":"2026-13-01","total":"1"}"#,
    );
    assert_eq!(r.status, 400);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["field"], "placed_at");
    let big = format!(
        r#"{{"type":"a","customer_id":"c","properties":{{"x":"{}"}}}}"#,
        "y".repeat(70_000)
    );
    assert_eq!(daemon.api("/v1/events", &big).status, 413);
    // Nothing of the refused requests was stored.
    assert_eq!(count(&store(dir.path()), "SELECT COUNT(*) FROM events"), 0);

    let r = daemon.api(
        "/v1/events",
        r#"{"id":"e-1","type":"page_viewed","customer_id":"c"}"#,
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"accepted":1,"duplicates":0}"#)
    );
    let r = daemon.api(
        "/v1/events",
        r#"{"id":"e-1","type":"page_viewed","customer_id":"c"}"#,
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"accepted":1,"duplicates":1}"#)
    );

    assert_eq!(daemon.request("GET", "/healthz", &[], b"").body, "ok\n");
    let metrics = daemon.request("GET", "/metrics", &[], b"").body;
    for line in [
        "segflow_events_ingested_total 1",
        "segflow_http_requests_total{endpoint=\"events\",status=\"401\"} 2",
        "segflow_http_requests_total{endpoint=\"events\",status=\"400\"} 1",
        "# TYPE segflow_outbox_depth gauge",
        "# TYPE segflow_journeys_active gauge",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    assert!(wait_until(Duration::from_secs(10), || daemon
        .request("GET", "/metrics", &[], b"")
        .body
        .contains(
            "segflow_segment_evaluations_total{segment=\"buyers\"} 1"
        )));
}

#[test]
fn shopify_webhooks_are_verified_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    // Shopify's documented example checkout, created now: a workflow starts journeys only for
    // checkouts after it went live, and a webhook arrives as the checkout happens.
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/shopify/checkouts_create.json"),
    )
    .unwrap();
    let created = (chrono::Utc::now() + chrono::Duration::seconds(5))
        .format("%Y-%m-%dT%H:%M:%S+00:00")
        .to_string();
    let body = example
        .replace("2021-12-31T19:00:00-05:00", &created)
        .into_bytes();
    let file = dir.path().join("checkout.json");
    std::fs::write(&file, &body).unwrap();
    let signature = shopify_signature(&file);
    let post = |body: &[u8], sig: Option<&str>| {
        let mut headers = vec![
            ("X-Shopify-Topic", "checkouts/create"),
            ("X-Shopify-Shop-Domain", "acme.myshopify.com"),
        ];
        if let Some(sig) = sig {
            headers.push(("X-Shopify-Hmac-Sha256", sig));
        }
        daemon.request("POST", "/webhooks/shopify", &headers, body)
    };
    let db = store(dir.path());
    assert_eq!(post(&body, None).status, 401);
    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| b.is_ascii_digit()).unwrap();
    tampered[at] = if tampered[at] == b'9' {
        b'1'
    } else {
        tampered[at] + 1
    };
    assert_eq!(post(&tampered, Some(&signature)).status, 401);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM events"),
        0,
        "a refused webhook writes nothing"
    );
    assert!(daemon.log_text().contains("refused a Shopify webhook"));

    let r = post(&body, Some(&signature));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM events WHERE type = 'checkout_started'"
        ),
        1
    );
    // Shopify redelivers; the checkout is stored once.
    assert_eq!(post(&body, Some(&signature)).status, 200);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM events WHERE type = 'checkout_started'"
        ),
        1
    );
    assert!(wait_until(Duration::from_secs(10), || count(
        &db,
        "SELECT COUNT(*) FROM journeys WHERE workflow = 'abandoned'"
    ) == 1));
}
