//! Benchmark of the email path: templates rendered per second; emails per second from the
//! outbox through the sender to the in-process test server on 127.0.0.1, over one pooled SMTP
//! connection and over four; and, as the ceiling of everything but the network, emails per second
//! through the sender into a transport that formats each message and drops it. Each figure is the
//! median of 3 runs.
//!
//! Run with `cargo run --release --example smtp_bench [-- MESSAGES]` (default 1,000 messages).
//!
//! Published lettre 0.11.23 does not set TCP_NODELAY, and writes the body and the final `.` of
//! DATA in two writes, so every message waits for the server's delayed ACK (about 40 ms on Linux)
//! and one connection tops out near 25 messages per second. segflow builds the patched copy in
//! `vendor/lettre/` (see its SEGFLOW-PATCH.md), which removes that wait.

#[path = "../tests/smtp_server/mod.rs"]
mod smtp_server;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use segflow::mail::outbox::Origin;
use segflow::mail::{
    enqueue, NewMessage, OutgoingEmail, SendError, Sender, SmtpTransport, SystemClock, Templates,
    Transport,
};
use smtp_server::fixtures::{defaults, delivery, smtp_config, store, T0};
use smtp_server::TestSmtpServer;

const BODY: &str = r#"<html><body>
<h1>We miss you, {{ customer.first_name }}!</h1>
<p>It has been {{ customer.days_since_last_order }} days since your last order
({{ last_order.total }} {{ shop.currency }}). Here is what we picked for you:</p>
<ul>{% for r in recommendations %}<li><a href="{{ r.url }}">{{ r.title }}</a> — {{ r.price }}</li>{% endfor %}</ul>
<p>Use code <b>{{ discount_code }}</b> for 15% off.</p>
<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>
</body></html>"#;

fn context(customer: i64) -> serde_json::Value {
    serde_json::json!({
        "customer": { "first_name": format!("Customer{customer}"), "days_since_last_order": 120 },
        "last_order": { "total": "84.50" },
        "recommendations": (1..=4).map(|i| serde_json::json!({
            "title": format!("Product {i}"), "url": format!("https://acme.test/p/{i}"), "price": "19.99"
        })).collect::<Vec<_>>(),
        "discount_code": "COMEBACK15",
        "unsubscribe_url": format!("https://acme.test/u/token-{customer}"),
        "shop": { "currency": "EUR" }
    })
}

/// Messages in flight at once in the concurrent run.
const CONNECTIONS: usize = 4;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let count: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let tpl = dir.path().join("templates/winback");
    std::fs::create_dir_all(&tpl).expect("the template folder");
    std::fs::write(
        tpl.join("subject.txt"),
        "We miss you, {{ customer.first_name }}",
    )
    .expect("subject");
    std::fs::write(tpl.join("body.html"), BODY).expect("body");
    let templates =
        Templates::load_dir(&dir.path().join("templates"), 100_000).expect("templates load");

    let mut render_rates = Vec::new();
    let mut send_rates = Vec::new();
    let mut file_rates = Vec::new();
    let mut parallel_rates = Vec::new();
    let server = TestSmtpServer::start();
    for run in 0..3 {
        // Render (including the generated text part) and enqueue, timing the rendering only.
        let conn = store(&dir.path().join(format!("run{run}")).tap_mkdir());
        let mut messages = Vec::with_capacity(count as usize);
        let started = Instant::now();
        for c in 1..=count {
            let origin = Origin {
                workflow: "winback".into(),
                step: "offer".into(),
                customer: c,
                run,
            };
            let msg = NewMessage::render(
                &templates,
                "winback",
                &context(c),
                origin,
                &format!("c{c}@example.test"),
                "acme.test",
            )
            .expect("the template renders");
            messages.push(msg);
        }
        render_rates.push(count as f64 / started.elapsed().as_secs_f64());
        for msg in &messages {
            enqueue(&conn, msg, T0).expect("enqueue");
        }
        let par_conn = store(&dir.path().join(format!("par{run}")).tap_mkdir());
        for msg in &messages {
            enqueue(&par_conn, msg, T0).expect("enqueue");
        }
        let file_conn = store(&dir.path().join(format!("file{run}")).tap_mkdir());
        for msg in &messages {
            enqueue(&file_conn, msg, T0).expect("enqueue");
        }

        let mut config = delivery();
        config.batch_size = count as usize;
        let transport =
            SmtpTransport::from_config(&smtp_config(server.addr.port())).expect("transport");
        let sender = Sender::new(transport, defaults(), config);
        let before = server.received().len();
        let started = Instant::now();
        let report = sender.drain(&conn, &SystemClock).expect("drain");
        let elapsed = started.elapsed().as_secs_f64();
        assert_eq!(
            report.sent as i64, count,
            "every message is delivered: {report:?}"
        );
        assert_eq!((server.received().len() - before) as i64, count);
        send_rates.push(count as f64 / elapsed);

        let mut config = delivery();
        config.batch_size = count as usize;
        let mut smtp = smtp_config(server.addr.port());
        smtp.pool_size = CONNECTIONS as u32;
        let transport = SmtpTransport::from_config(&smtp).expect("transport");
        let sender = Sender::new(transport, defaults(), config);
        let started = Instant::now();
        let report = sender
            .drain_concurrent(
                &par_conn,
                &SystemClock,
                &AtomicBool::new(false),
                CONNECTIONS,
            )
            .expect("drain");
        assert_eq!(
            report.sent as i64, count,
            "every message is delivered: {report:?}"
        );
        parallel_rates.push(count as f64 / started.elapsed().as_secs_f64());

        let mut config = delivery();
        config.batch_size = count as usize;
        let sender = Sender::new(Discard, defaults(), config);
        let started = Instant::now();
        let report = sender.drain(&file_conn, &SystemClock).expect("drain");
        assert_eq!(
            report.sent as i64, count,
            "every file is written: {report:?}"
        );
        file_rates.push(count as f64 / started.elapsed().as_secs_f64());
        println!(
            "run {}: rendered {:.0}/s, sent over SMTP {:.0}/s ({count} messages in {elapsed:.2} s), over {CONNECTIONS} connections {:.0}/s, formatted and dropped {:.0}/s",
            run + 1,
            render_rates[run as usize],
            send_rates[run as usize],
            parallel_rates[run as usize],
            file_rates[run as usize]
        );
    }
    println!(
        "templates rendered/s (median of 3): {:.0}",
        median(render_rates)
    );
    println!(
        "emails sent/s over pooled SMTP to 127.0.0.1 (median of 3): {:.0} (goal 1,000)",
        median(send_rates)
    );
    println!(
        "emails sent/s over {CONNECTIONS} pooled SMTP connections (median of 3): {:.0}",
        median(parallel_rates)
    );
    println!(
        "emails/s through outbox, sender and MIME without network (median of 3): {:.0}",
        median(file_rates)
    );
}

/// Formats each message (the work a transport must do) and drops it.
struct Discard;

impl Transport for Discard {
    fn send(&self, msg: &OutgoingEmail) -> Result<(), SendError> {
        std::hint::black_box(msg.formatted());
        Ok(())
    }
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).expect("a run folder");
        self
    }
}
