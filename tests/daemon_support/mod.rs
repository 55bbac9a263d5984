//! Test helpers for the daemon tests: a merchant repository in a temporary folder, the real
//! `segflow run` binary started on a free loopback port, and a minimal HTTP/1.1 client over a
//! plain TCP stream (so the requests are exactly what is written here).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "test-api-token-0123456789";
pub const DASHBOARD_TOKEN: &str = "test-dashboard-token-0123456789";
pub const SHOPIFY_SECRET: &str = "shopify-webhook-secret";
pub const UNSUBSCRIBE_SECRET: &str = "unsubscribe-secret-0123456789";
pub const MAILGUN_SIGNING_KEY: &str = "key-mailgun-webhook-signing-0123456789";
pub const POSTMARK_USERNAME: &str = "postmark-hook";
pub const POSTMARK_PASSWORD: &str = "postmark-webhook-password-0123456789";
/// The secret scalar of the test's SendGrid signing key (SendGrid keeps its own secret; the
/// tests sign as SendGrid would).
pub const SENDGRID_SECRET: [u8; 32] = [0x5e; 32];

/// The SendGrid signing key of the tests.
pub fn sendgrid_signing_key() -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_bytes(&SENDGRID_SECRET.into()).unwrap()
}

/// Its verification key as SendGrid shows it: base64 of the SPKI DER.
pub fn sendgrid_public_key() -> String {
    use base64::Engine;
    use p256::pkcs8::EncodePublicKey;
    let der = sendgrid_signing_key()
        .verifying_key()
        .to_public_key_der()
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(der.as_bytes())
}

/// Writes segflow.toml (SMTP to `smtp_port`), one segment, the abandoned-checkout workflow
/// (wait `delay`, then send) and its template.
pub fn write_shop(dir: &Path, smtp_port: u16, delay: &str) {
    std::fs::write(
        dir.join("segflow.toml"),
        format!(
            r#"[store]
path = "shop.db"

[mail]
from = "Acme <shop@acme.test>"
transport = "smtp"
unsubscribe_base_url = "http://127.0.0.1:1"

[mail.smtp]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
timeout_secs = 5
hello_name = "segflow.test"

[mail.delivery]
rate_per_second = 0
poll_interval_ms = 100

[daemon]
tick = "200ms"
reload_poll = "200ms"
shutdown_grace = "5s"
max_body_bytes = 65536
body_timeout = "1s"
"#
        ),
    )
    .unwrap();
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::write(
        rules.join("buyers.yaml"),
        "segment: buyers\nwhere: orders_count >= 1\n",
    )
    .unwrap();
    let templates = dir.join("workflows/templates/cart_reminder");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("subject.txt"), "Your cart is waiting").unwrap();
    std::fs::write(
        templates.join("body.html"),
        "<p>Hi {{ customer.first_name or \"there\" }}, your cart is waiting.</p><p><a href=\"https://acme.test/cart\">Back to the cart</a></p>",
    )
    .unwrap();
    std::fs::write(
        dir.join("workflows/abandoned.yaml"),
        format!(
            "workflow: abandoned\ntrigger:\n  event: checkout_started\ngoal: orders(since entered).exists()\npolicy: {{ ignore_quiet_hours: true }}\nsteps:\n  - {{ id: wait, wait: {delay} }}\n  - {{ id: remind, send: cart_reminder }}\n"
        ),
    )
    .unwrap();
}

/// A running `segflow run`.
pub struct Daemon {
    pub child: Child,
    pub addr: String,
    pub log: PathBuf,
}

impl Daemon {
    /// Starts the daemon for the repository in `dir` and waits until it listens.
    pub fn start(dir: &Path) -> Daemon {
        let log = dir.join("daemon.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_segflow"))
            .arg("--config")
            .arg(dir.join("segflow.toml"))
            .args(["run", "--bind", "127.0.0.1:0"])
            .env("SEGFLOW_API_TOKEN", TOKEN)
            .env("SEGFLOW_DASHBOARD_TOKEN", DASHBOARD_TOKEN)
            .env("SEGFLOW_SHOPIFY_SECRET", SHOPIFY_SECRET)
            .env("SEGFLOW_UNSUBSCRIBE_SECRET", UNSUBSCRIBE_SECRET)
            .env("SEGFLOW_MAILGUN_SIGNING_KEY", MAILGUN_SIGNING_KEY)
            .env("SEGFLOW_POSTMARK_USERNAME", POSTMARK_USERNAME)
            .env("SEGFLOW_POSTMARK_PASSWORD", POSTMARK_PASSWORD)
            .env("SEGFLOW_SENDGRID_PUBLIC_KEY", sendgrid_public_key())
            .env("SEGFLOW_LOG", "info,segflow::daemon::engine=debug")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let Some(addr) = line.trim().strip_prefix("segflow listening on http://") else {
            let _ = child.kill();
            panic!(
                "the daemon did not start: {line:?}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        Daemon {
            addr: addr.to_string(),
            child,
            log,
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// One request; `headers` are added to Host, Content-Length and Connection: close.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        request(&self.addr, method, path, headers, body)
    }

    /// A POST to the API with the bearer token.
    pub fn api(&self, path: &str, body: &str) -> Reply {
        let auth = format!("Bearer {TOKEN}");
        self.request(
            "POST",
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
    }

    /// SIGTERM, then the exit status (panics after `timeout`).
    pub fn terminate(mut self, timeout: Duration) -> (ExitStatus, Duration) {
        let started = Instant::now();
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            if started.elapsed() > timeout {
                let _ = self.child.kill();
                panic!(
                    "the daemon did not stop within {timeout:?}:\n{}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
    }
}

/// Polls `f` every 50 ms until it is true or `timeout` passes; returns whether it became true.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

/// Opens the test shop's database (read-only use).
pub fn store(dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("shop.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

pub fn count(conn: &rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The signature header as Shopify's documentation computes it:
/// `openssl dgst -sha256 -hmac SECRET -binary BODY | openssl base64`.
pub fn shopify_signature(file: &std::path::Path) -> String {
    let out = std::process::Command::new("sh")
        .args([
            "-c",
            "openssl dgst -sha256 -hmac \"$1\" -binary \"$2\" | openssl base64 -A",
            "sh",
            SHOPIFY_SECRET,
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Adds `[mail.bounces]` settings to the shop's segflow.toml that turn on `/webhooks/ses`: a
/// freshly made self-signed certificate in `sns.pem` and a topic, so that every webhook route
/// answers as configured.
pub fn configure_ses(dir: &Path) {
    let (_, pem) = sns_signing_certificate();
    std::fs::write(dir.join("sns.pem"), pem).unwrap();
    let config = dir.join("segflow.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[mail.bounces]\nses_certificate = \"sns.pem\"\nses_topic_arn = \"arn:aws:sns:us-east-1:123456789012:ses-bounces\"\n",
    );
    std::fs::write(&config, text).unwrap();
}

/// An RSA key and a self-signed certificate of it, as PEM.
pub fn sns_signing_certificate() -> (openssl::pkey::PKey<openssl::pkey::Private>, String) {
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let mut name = openssl::x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "sns.us-east-1.amazonaws.com")
        .unwrap();
    let name = name.build();
    let mut cert = openssl::x509::X509Builder::new().unwrap();
    cert.set_version(2).unwrap();
    cert.set_serial_number(
        &openssl::bn::BigNum::from_u32(1)
            .unwrap()
            .to_asn1_integer()
            .unwrap(),
    )
    .unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&openssl::asn1::Asn1Time::days_from_now(365).unwrap())
        .unwrap();
    cert.sign(&key, openssl::hash::MessageDigest::sha256())
        .unwrap();
    let pem = String::from_utf8(cert.build().to_pem().unwrap()).unwrap();
    (key, pem)
}

/// A file of `tests/fixtures/bounces/`, the relays' payloads and the reports by mail.
pub fn bounce_fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/bounces")
            .join(name),
    )
    .unwrap()
}

/// The wall clock in unix seconds, the clock the daemon checks a Mailgun timestamp against.
pub fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A Mailgun body with its `signature` signed as Mailgun signs: `timestamp` set to `at` (unix
/// seconds), `token` to `token` when given, and `signature` the hex HMAC-SHA256 of timestamp
/// and token under `key`.
pub fn mailgun_signed_at(body: &str, key: &str, at: i64, token: Option<&str>) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut value: serde_json::Value = serde_json::from_str(body).unwrap();
    let timestamp = at.to_string();
    value["signature"]["timestamp"] = serde_json::Value::String(timestamp.clone());
    if let Some(token) = token {
        value["signature"]["token"] = serde_json::Value::String(token.to_string());
    }
    let token = value["signature"]["token"].as_str().unwrap().to_string();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{timestamp}{token}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    value["signature"]["signature"] = serde_json::Value::String(hex);
    value.to_string()
}

/// A Mailgun body signed now under `key`, with its own token.
pub fn mailgun_signed(body: &str, key: &str) -> String {
    mailgun_signed_at(body, key, unix_seconds(), None)
}
