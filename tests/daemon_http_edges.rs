//! The edges of the daemon's HTTP API through the real `segflow run` on a loopback port: a body
//! too large or not JSON is refused in JSON like every other error, with the position of the
//! syntax error; an event id already used for another customer is refused (409) without
//! writing anything of the request; an email that is a list or holds a line break is refused.

mod daemon_support;

use daemon_support::*;

#[test]
fn oversized_and_malformed_bodies_are_refused_in_json() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());

    // write_shop sets max_body_bytes = 65536.
    let big = format!(
        r#"{{"type":"a","customer_id":"c","properties":{{"x":"{}"}}}}"#,
        "y".repeat(70_000)
    );
    let r = daemon.api("/v1/events", &big);
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            413,
            r#"{"error":"the body is larger than 65536 bytes; send fewer items per request or raise [daemon] max_body_bytes"}"#
        )
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = daemon.request(
        "POST",
        "/webhooks/shopify",
        &[
            ("X-Shopify-Topic", "orders/create"),
            ("X-Shopify-Hmac-Sha256", WELL_FORMED),
        ],
        big.as_bytes(),
    );
    assert_eq!(r.status, 413);
    assert_eq!(r.header("content-type"), Some("application/json"));

    for (body, expected) in [
        (
            r#"{"type":"a","customer_id":"c""#,
            r#"{"column":29,"error":"the body is not valid JSON: EOF while parsing an object","line":1}"#,
        ),
        (
            r#"{"type":"a","customer_id":"c","#,
            r#"{"column":30,"error":"the body is not valid JSON: EOF while parsing a value","line":1}"#,
        ),
        (
            r#"{"type":"a" "customer_id":"c"}"#,
            r#"{"column":13,"error":"the body is not valid JSON: expected `,` or `}`","line":1}"#,
        ),
        (
            "[\n  {\"type\": \"a\", \"customer_id\": \"c\"},\n  {type: \"b\"}\n]",
            r#"{"column":4,"error":"the body is not valid JSON: key must be a string","line":3}"#,
        ),
        (
            r#"{"type":"a","customer_id":"c"} x"#,
            r#"{"column":32,"error":"the body is not valid JSON: trailing characters","line":1}"#,
        ),
    ] {
        let r = daemon.api("/v1/events", body);
        assert_eq!((r.status, r.body.as_str()), (400, expected), "{body}");
    }
    // A wrong value still names its field.
    let r = daemon.api("/v1/events", r#"{"type":"a","customer_id":7}"#);
    assert_eq!(r.status, 400);
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["field"], "customer_id", "{}", r.body);

    let conn = store(dir.path());
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM events"), 0);
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM customers"), 0);
    let metrics = daemon.request("GET", "/metrics", &[], b"").body;
    for line in [
        "segflow_http_requests_total{endpoint=\"events\",status=\"413\"} 1",
        "segflow_http_requests_total{endpoint=\"events\",status=\"400\"} 6",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
}

#[test]
fn an_event_id_of_another_customer_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let event = |id: &str, customer: &str| {
        format!(r#"{{"id":"{id}","type":"page_viewed","customer_id":"{customer}"}}"#)
    };

    let r = daemon.api("/v1/events", &event("e-1", "c1"));
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"accepted":1,"duplicates":0}"#)
    );
    let refusal = r#"{"error":"event id `e-1` is already stored for customer `c1`, not `c2`; give every event its own id (a retry keeps the id and the customer)","field":"FIELD"}"#;
    let r = daemon.api("/v1/events", &event("e-1", "c2"));
    assert_eq!(
        (r.status, r.body.as_str()),
        (409, refusal.replace("FIELD", "id").as_str())
    );
    // In a batch the item is named, and nothing of the batch is written.
    let batch = format!("[{},{}]", event("e-2", "c3"), event("e-1", "c2"));
    let r = daemon.api("/v1/events", &batch);
    assert_eq!(
        (r.status, r.body.as_str()),
        (409, refusal.replace("FIELD", "[1].id").as_str())
    );
    let conn = store(dir.path());
    assert_eq!(
        count(
            &conn,
            "SELECT COUNT(*) FROM customers WHERE external_id <> 'c1'"
        ),
        0,
        "no customer was created by the refused requests"
    );
    assert_eq!(count(&conn, "SELECT COUNT(*) FROM events"), 1);

    // A retry of the stored event is still a duplicate, not a conflict.
    let r = daemon.api("/v1/events", &event("e-1", "c1"));
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, r#"{"accepted":1,"duplicates":1}"#)
    );
    let metrics = daemon.request("GET", "/metrics", &[], b"").body;
    assert!(
        metrics.contains("segflow_http_requests_total{endpoint=\"events\",status=\"409\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("segflow_events_ingested_total 1"),
        "{metrics}"
    );
}

#[test]
fn an_email_that_is_a_list_or_holds_a_line_break_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let hint = "write a single bare address such as ana@example.com";
    let r = daemon.api(
        "/v1/customers",
        r#"{"id":"c1","email":"\"Evil\" <a@b.test>, c@evil.test"}"#,
    );
    let expected = serde_json::json!({
        "error": format!("`\"Evil\" <a@b.test>, c@evil.test` is not one email address: it looks like a list of addresses; {hint}"),
        "field": "email",
    });
    assert_eq!((r.status, r.body.clone()), (400, expected.to_string()));
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"c2","email":"c2@shop.test"},{"id":"c3","email":"a@b.test\r\nBcc: x@evil.test"}]"#,
    );
    let expected = serde_json::json!({
        "error": format!("`a@b.test\\r\\nBcc: x@evil.test` is not one email address: it holds a line break or another control character; {hint}"),
        "field": "[1].email",
    });
    assert_eq!((r.status, r.body.clone()), (400, expected.to_string()));
    assert_eq!(
        count(&store(dir.path()), "SELECT COUNT(*) FROM customers"),
        0
    );
    let r = daemon.api("/v1/customers", r#"{"id":"c4","email":"ada@example.com"}"#);
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Base64 of 32 bytes: a signature that could verify, so the daemon reads the body.
const WELL_FORMED: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// Sends a webhook's headers announcing `length` bytes, then `sent` bytes of body, and returns
/// the answer's status line and how long it took.
fn partial_webhook(
    addr: &str,
    signature: Option<&str>,
    length: usize,
    sent: usize,
) -> (String, std::time::Duration) {
    use std::io::{BufRead, BufReader, Write};
    let started = std::time::Instant::now();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut head = format!(
        "POST /webhooks/shopify HTTP/1.1\r\nHost: {addr}\r\nX-Shopify-Topic: orders/create\r\nContent-Length: {length}\r\n"
    );
    if let Some(sig) = signature {
        head.push_str(&format!("X-Shopify-Hmac-Sha256: {sig}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&vec![b'{'; sent]).unwrap();
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).unwrap();
    (line.trim_end().to_string(), started.elapsed())
}

#[test]
fn a_webhook_without_a_signature_is_refused_before_its_body_and_a_slow_body_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    // No signature: answered although 60 000 bytes of body were announced and none was sent
    // (before, the daemon waited for the whole body first).
    let (status, _) = partial_webhook(&daemon.addr, None, 60_000, 0);
    assert_eq!(status, "HTTP/1.1 401 Unauthorized");
    // A signature that could verify, and a body that never completes: 408 after body_timeout
    // (1 s in write_shop), not whenever the client gives up.
    let (status, took) = partial_webhook(&daemon.addr, Some(WELL_FORMED), 60_000, 10);
    assert_eq!(status, "HTTP/1.1 408 Request Timeout");
    assert!(took >= std::time::Duration::from_millis(900), "{took:?}");
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    assert!(daemon
        .log_text()
        .contains("refused a Shopify webhook without a signature, before reading its body"));
}
