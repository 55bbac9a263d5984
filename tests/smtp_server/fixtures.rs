//! Outbox fixtures: a config for the test shop, a real SQLite file, and messages to enqueue.

use std::path::Path;

use rusqlite::Connection;
use segflow::mail::config::{DeliveryConfig, MailConfig, SmtpConfig, TlsMode};
use segflow::mail::outbox::Origin;
use segflow::mail::{
    enqueue, Enqueued, MessageDefaults, NewMessage, RenderedEmail, UnsubscribeClaims,
    UnsubscribeSigner,
};

pub const T0: i64 = 1_780_000_000_000;
pub const SECRET: &[u8] = b"test-secret-0123456789abcdef";

/// The mail config of the test shop.
pub fn mail_config() -> MailConfig {
    MailConfig {
        from: "Acme Shop <news@acme.test>".to_string(),
        unsubscribe_base_url: "https://acme.test".to_string(),
        unsubscribe_mailto: Some("unsubscribe@acme.test".to_string()),
        ..MailConfig::default()
    }
}

pub fn defaults() -> MessageDefaults {
    MessageDefaults::from_config(&mail_config()).unwrap()
}

/// Fast retries: 10 s, then 20 s, 40 s…, at most 4 attempts, no rate limit.
pub fn delivery() -> DeliveryConfig {
    DeliveryConfig {
        batch_size: 100,
        rate_per_second: 0.0,
        max_attempts: 4,
        backoff_base_secs: 10,
        backoff_factor: 2.0,
        backoff_max_secs: 3600,
        poll_interval_ms: 10,
    }
}

/// Plain SMTP to a local test server.
pub fn smtp_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".to_string(),
        port,
        tls: TlsMode::None,
        timeout_secs: 5,
        pool_size: 4,
        hello_name: Some("segflow.test".to_string()),
        ..SmtpConfig::default()
    }
}

/// A fresh store in a real SQLite file inside `dir`.
pub fn store(dir: &Path) -> Connection {
    segflow::store::open(&dir.join("shop.db")).unwrap()
}

pub fn origin(step: &str, customer: i64) -> Origin {
    Origin {
        workflow: "winback".to_string(),
        step: step.to_string(),
        customer,
        run: 1,
    }
}

/// A message for `customer` at `to`, with a signed unsubscribe URL.
pub fn message(step: &str, customer: i64, to: &str) -> NewMessage {
    let signer = UnsubscribeSigner::new(SECRET).unwrap();
    let url = signer.url(
        "https://acme.test",
        &UnsubscribeClaims {
            customer,
            email: to.to_string(),
            purpose: "marketing".to_string(),
            issued_at: T0,
        },
    );
    let email = RenderedEmail {
        subject: format!("We miss you, customer {customer}"),
        html: format!("<p>Hello <b>{customer}</b></p><p><a href=\"{url}\">Unsubscribe</a></p>"),
        text: format!("Hello {customer}\n\nUnsubscribe: {url}"),
    };
    NewMessage::new(origin(step, customer), "winback", to, email, "acme.test")
        .with_unsubscribe_url(url)
}

/// Enqueues `count` messages for customers 1..=count at `cN@example.test`.
pub fn enqueue_many(conn: &Connection, count: i64) -> Vec<i64> {
    (1..=count)
        .map(|c| {
            let to = format!("c{c}@example.test");
            match enqueue(conn, &message("offer", c, &to), T0).unwrap() {
                Enqueued::Inserted(id) => id,
                Enqueued::AlreadyQueued(id) => panic!("message {id} was already queued"),
            }
        })
        .collect()
}
