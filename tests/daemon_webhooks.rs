//! The daemon's webhook thread: with a `[[webhooks]]` table, `segflow run` calls the endpoint
//! on its own when a customer enters a segment through the API, signed, without any command.

mod daemon_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use daemon_support::*;
use serde_json::Value;

/// The (signature, body) of every call the endpoint received.
type Calls = Arc<Mutex<Vec<(String, String)>>>;

/// An endpoint that answers 200 to everything and keeps each call's signature and body.
fn endpoint() -> (u16, Calls) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies: Calls = Arc::default();
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            let mut signature = String::new();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if lower.starts_with("segflow-signature:") {
                    signature = line["segflow-signature:".len()..].trim().to_string();
                }
                line.clear();
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            seen.lock()
                .unwrap()
                .push((signature, String::from_utf8(body).unwrap()));
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (port, bodies)
}

#[test]
fn the_daemon_calls_the_webhook_when_a_customer_enters_a_segment() {
    let (port, bodies) = endpoint();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let config = dir.path().join("segflow.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[[webhooks]]\nname = \"crm\"\nurl = \"http://127.0.0.1:{port}/hook\"\nevents = [\"segment_entered\"]\nsegments = [\"buyers\"]\nsecret_env = \"SEGFLOW_UNSUBSCRIBE_SECRET\"\n"
    ));
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(dir.path());
    let r = daemon.api(
        "/v1/customers",
        r#"[{"id":"ann","email":"ann@example.test","accepts_marketing":true}]"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = daemon.api(
        "/v1/orders",
        r#"{"id":"o-1","customer_id":"ann","placed_at":"2026-11-01T10:00:00Z","total":"40.00","items":[{"product_id":"p-1","price":"40.00"}]}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        wait_until(Duration::from_secs(15), || !bodies
            .lock()
            .unwrap()
            .is_empty()),
        "the webhook is called:\n{}\n{:?}",
        daemon.log_text(),
        store(dir.path())
            .prepare("SELECT source || '=' || position FROM webhook_cursors UNION ALL SELECT status || ' ' || COALESCE(last_error, '') FROM webhook_deliveries")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
    );
    let (signature, body) = bodies.lock().unwrap()[0].clone();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(segflow::webhooks::verify(
        UNSUBSCRIBE_SECRET.as_bytes(),
        &signature,
        body.as_bytes(),
        now,
        300
    ));
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["type"], "segment_entered");
    assert_eq!(body["data"]["segment"], "buyers");
    assert_eq!(body["data"]["customer_id"], "ann");
    let (status, _) = daemon.terminate(Duration::from_secs(15));
    assert!(status.success(), "SIGTERM exits 0");
}
