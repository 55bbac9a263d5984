//! Outgoing webhooks through the real binary against a real HTTP server on 127.0.0.1 that
//! fails, then times out, then recovers: every segment entry is delivered, signed so that an
//! independent HMAC check passes, with failed calls retried on later runs and nothing lost.

mod cli_shop;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cli_shop::segflow;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

const SECRET: &str = "a webhook secret of enough bytes";

/// One request the endpoint received: its headers (lower-cased names) and body, and the
/// status it answered (0 for one it let time out).
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
    status: u16,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An endpoint that answers 500 to its first call, lets the second time out, then says 200.
fn endpoint() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Arc<Mutex<Vec<Received>>> = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            // Each call on its own thread, so the one left to time out holds up no other.
            let seen = seen.clone();
            std::thread::spawn(move || answer(stream, &seen));
        }
    });
    (port, log)
}

fn answer(mut stream: std::net::TcpStream, seen: &Mutex<Vec<Received>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut headers = Vec::new();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((n, v)) = line.trim_end().split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let status = {
        let mut seen = seen.lock().unwrap();
        let status = match seen.len() {
            0 => 500,
            1 => 0,
            _ => 200,
        };
        seen.push(Received {
            headers,
            body: String::from_utf8(body).unwrap(),
            status,
        });
        status
    };
    if status == 0 {
        // Longer than the webhook's 1 s timeout.
        std::thread::sleep(Duration::from_millis(2500));
    }
    let code = if status == 500 {
        "500 Internal Server Error"
    } else {
        "200 OK"
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {code}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

fn run(dir: &std::path::Path, now: &str, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_segflow"))
        .args(["--now", now])
        .args(args)
        .current_dir(dir)
        .env("CRM_SECRET", SECRET)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The signature check an endpoint makes, written here without segflow's code.
fn signed(header: &str, body: &str) -> bool {
    let mut t = "";
    let mut v1 = "";
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v,
            Some(("v1", v)) => v1 = v,
            _ => {}
        }
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    hex == v1
}

#[test]
fn every_segment_entry_reaches_an_endpoint_that_fails_times_out_and_recovers() {
    let (port, log) = endpoint();
    let shop = cli_shop::shop();
    let dir = shop.path();
    std::fs::write(
        dir.join("rules/vip.yaml"),
        "segment: vip\nwhere: total_spent > 100\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("segflow.toml"),
        format!(
            "[[webhooks]]\nname = \"crm\"\nurl = \"http://127.0.0.1:{port}/hook\"\nevents = [\"segment_entered\"]\nsecret_env = \"CRM_SECRET\"\ntimeout = \"1s\"\n"
        ),
    )
    .unwrap();
    // The webhook starts where the journals end: nothing from before it reaches it.
    let (code, out, err) = run(dir, "2026-11-01T00:00:00Z", &["webhooks", "send"]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "webhooks: 0 queued, 0 delivered, 0 to retry, 0 given up\n"
        ),
        "{err}"
    );
    let (code, _, err) = run(dir, "2026-11-01T00:00:00Z", &["refresh"]);
    assert_eq!(code, 0, "{err}");
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    let members: BTreeSet<String> = conn
        .prepare("SELECT c.external_id FROM segment_members m JOIN customers c ON c.id = m.customer WHERE m.segment = 'vip'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(members.len() >= 3, "{members:?}");
    let n = members.len();

    // The first call fails with 500: the endpoint is left alone for the rest of the run.
    let (_, out, _) = run(dir, "2026-11-01T00:00:00Z", &["webhooks", "send"]);
    assert_eq!(
        out,
        format!("webhooks: {n} queued, 0 delivered, 1 to retry, 0 given up\n")
    );
    // The next call times out.
    let (_, out, _) = run(dir, "2026-11-01T00:00:01Z", &["webhooks", "send"]);
    assert_eq!(
        out,
        "webhooks: 0 queued, 0 delivered, 1 to retry, 0 given up\n"
    );
    // Ten minutes on, the endpoint is back and everything due is delivered.
    let (_, out, _) = run(dir, "2026-11-01T00:10:00Z", &["webhooks", "send"]);
    assert_eq!(
        out,
        format!("webhooks: 0 queued, {n} delivered, 0 to retry, 0 given up\n")
    );
    let (_, out, _) = run(dir, "2026-11-01T01:00:00Z", &["webhooks", "send"]);
    assert_eq!(
        out,
        "webhooks: 0 queued, 0 delivered, 0 to retry, 0 given up\n"
    );

    let received = log.lock().unwrap().clone();
    assert_eq!(received.len(), n + 2, "{received:#?}");
    let mut delivered = BTreeSet::new();
    let mut customers = BTreeSet::new();
    for r in &received {
        assert!(
            signed(r.header("segflow-signature").unwrap(), &r.body),
            "{r:?}"
        );
        assert_eq!(r.header("segflow-event"), Some("segment_entered"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["type"], "segment_entered");
        assert_eq!(body["data"]["segment"], "vip");
        assert_eq!(body["occurred_at"], "2026-11-01T00:00:00.000Z");
        assert_eq!(
            Some(body["id"].as_str().unwrap()),
            r.header("segflow-delivery")
        );
        if r.status == 200 {
            delivered.insert(body["id"].as_str().unwrap().to_string());
            customers.insert(body["data"]["customer_id"].as_str().unwrap().to_string());
        }
    }
    // Every entry once with a 200, each a different member: nothing lost.
    assert_eq!(delivered.len(), n);
    assert_eq!(customers, members);
    let statuses: Vec<(String, i64)> = conn
        .prepare("SELECT status, COUNT(*) FROM webhook_deliveries GROUP BY status")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(statuses, [("delivered".to_string(), n as i64)]);
    let retried: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE attempts = 2 AND last_error IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        retried, 2,
        "the failed and the timed-out calls took two attempts"
    );
    let (_, status, _) = run(dir, "2026-11-01T01:00:00Z", &["status"]);
    assert!(
        status.contains(&format!(
            "webhook calls: 0 to make, {n} delivered, 0 given up\n"
        )),
        "{status}"
    );
}

#[test]
fn a_webhook_without_its_secret_says_which_variable_to_set() {
    let shop = cli_shop::shop();
    let dir = shop.path();
    std::fs::write(
        dir.join("segflow.toml"),
        "[[webhooks]]\nname = \"crm\"\nurl = \"https://crm.test/hook\"\nsecret_env = \"SEGFLOW_NO_SUCH_SECRET\"\n",
    )
    .unwrap();
    let (code, _, err) = segflow(dir, &["webhooks", "send"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: webhook `crm`: set the environment variable SEGFLOW_NO_SUCH_SECRET to the signing secret (16 characters or more) that the endpoint verifies\n"
    );
    std::fs::write(
        dir.join("segflow.toml"),
        "[[webhooks]]\nname = \"crm\"\nurl = \"https://crm.test/hook\"\nevents = [\"segment_enterd\"]\nsecret_env = \"CRM_SECRET\"\n",
    )
    .unwrap();
    let (code, _, err) = run(dir, "2026-11-01", &["webhooks", "send"]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: webhook `crm`: `segment_enterd` is not an event; the events are segment_entered, segment_exited, journey_started, journey_converted, journey_exited, message_sent, message_bounced, message_complained\n"
    );
}

#[test]
fn a_bounce_reaches_the_endpoint_with_the_address_and_status() {
    let (port, log) = endpoint();
    let shop = cli_shop::shop();
    let dir = shop.path();
    std::fs::write(
        dir.join("segflow.toml"),
        format!(
            "[[webhooks]]\nname = \"crm\"\nurl = \"http://127.0.0.1:{port}/hook\"\nevents = [\"message_bounced\", \"message_complained\"]\nsecret_env = \"CRM_SECRET\"\ntimeout = \"1s\"\n"
        ),
    )
    .unwrap();
    let t = "2026-11-20T00:00:00Z";
    run(dir, t, &["webhooks", "send"]);
    let dsn = cli_shop::repo().join("tests/fixtures/bounces/hard_bounce.eml");
    let (code, _, err) = run(dir, t, &["bounces", "import", dsn.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    // 500, nothing due a second later (the retry waits 30 s), a timeout, then delivered.
    let outputs: Vec<String> = [
        t,
        "2026-11-20T00:00:01Z",
        "2026-11-20T00:10:00Z",
        "2026-11-20T01:00:00Z",
    ]
    .iter()
    .map(|at| run(dir, at, &["webhooks", "send"]).1)
    .collect();
    assert_eq!(
        outputs,
        [
            "webhooks: 1 queued, 0 delivered, 1 to retry, 0 given up\n",
            "webhooks: 0 queued, 0 delivered, 0 to retry, 0 given up\n",
            "webhooks: 0 queued, 0 delivered, 1 to retry, 0 given up\n",
            "webhooks: 0 queued, 1 delivered, 0 to retry, 0 given up\n",
        ]
    );
    let received = log.lock().unwrap().clone();
    let ok: Vec<&Received> = received.iter().filter(|r| r.status == 200).collect();
    assert_eq!(ok.len(), 1, "{received:#?}");
    assert!(signed(
        ok[0].header("segflow-signature").unwrap(),
        &ok[0].body
    ));
    let body: Value = serde_json::from_str(&ok[0].body).unwrap();
    assert_eq!(body["type"], "message_bounced");
    assert_eq!(
        (
            body["data"]["customer_id"].clone(),
            body["data"]["email"].clone(),
            body["data"]["bounce"].clone(),
            body["data"]["status"].clone()
        ),
        (
            Value::from("c01"),
            Value::from("alice@example.com"),
            Value::from("hard"),
            Value::from("5.1.1")
        )
    );
}
