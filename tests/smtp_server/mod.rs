//! Test helpers for the mail tests: a real SMTP server on 127.0.0.1 (mailin-embedded, in
//! process) that stores what it receives and can refuse chosen recipients with a chosen reply,
//! a manual clock, and a small shop of outbox fixtures.
//!
//! Each test binary uses only some of these helpers, so unused ones are allowed here.
#![allow(dead_code)]

pub mod fixtures;

use std::cell::Cell;
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::{Handler, Response, Server};
use segflow::mail::Clock;

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    /// The parsed message.
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.data).unwrap()
    }

    /// The Message-ID header.
    pub fn message_id(&self) -> String {
        use mailparse::MailHeaderMap;
        self.parsed()
            .headers
            .get_first_value("Message-ID")
            .unwrap_or_default()
    }
}

/// A refusal for one recipient: reply `code` to RCPT, `times` more times (None: always).
#[derive(Debug, Clone)]
struct Refusal {
    code: u16,
    text: String,
    times: Option<u32>,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    refusals: HashMap<String, Refusal>,
}

#[derive(Clone)]
struct Recorder {
    state: Arc<Mutex<State>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn rcpt(&mut self, to: &str) -> Response {
        let mut state = self.state.lock().unwrap();
        let key = to.trim_matches(|c| c == '<' || c == '>').to_lowercase();
        if let Some(refusal) = state.refusals.get_mut(&key) {
            let refuse = match &mut refusal.times {
                None => true,
                Some(0) => false,
                Some(n) => {
                    *n -= 1;
                    true
                }
            };
            if refuse {
                return Response::custom(refusal.code, refusal.text.clone());
            }
        }
        mailin_embedded::response::OK
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let received = Received {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
        };
        self.state.lock().unwrap().received.push(received);
        mailin_embedded::response::OK
    }
}

/// A running SMTP server; it lives until the test process ends.
pub struct TestSmtpServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl TestSmtpServer {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start() -> Self {
        Self::on_listener(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    /// Starts a server on `port` of 127.0.0.1 (e.g. one that was down before).
    pub fn start_on(port: u16) -> Self {
        Self::on_listener(TcpListener::bind(("127.0.0.1", port)).unwrap())
    }

    fn on_listener(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let handler = Recorder {
            state: state.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = Server::new(handler);
        server
            .with_name("mx.test")
            .with_num_threads(8)
            .with_tcp_listener(listener);
        // The listener is already bound, so clients queue in its backlog until `serve` runs.
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        TestSmtpServer { addr, state }
    }

    /// Refuses `rcpt` with `code` on every attempt.
    pub fn refuse(&self, rcpt: &str, code: u16, text: &str) {
        self.add_refusal(rcpt, code, text, None);
    }

    /// Refuses `rcpt` with `code` on the next `times` attempts, then accepts.
    pub fn refuse_times(&self, rcpt: &str, times: u32, code: u16, text: &str) {
        self.add_refusal(rcpt, code, text, Some(times));
    }

    fn add_refusal(&self, rcpt: &str, code: u16, text: &str, times: Option<u32>) {
        self.state.lock().unwrap().refusals.insert(
            rcpt.to_lowercase(),
            Refusal {
                code,
                text: text.to_string(),
                times,
            },
        );
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// The Message-ID of the message delivered to `to`; panics when there is none.
    pub fn message_id_to(&self, to: &str) -> String {
        self.received()
            .iter()
            .find(|m| m.to.iter().any(|t| t == to))
            .unwrap_or_else(|| panic!("nothing to {to}"))
            .message_id()
    }

    /// How many messages arrived so far, without copying them.
    pub fn received_count(&self) -> usize {
        self.state.lock().unwrap().received.len()
    }

    /// How often each Message-ID arrived.
    pub fn message_id_counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for message in self.received() {
            *counts.entry(message.message_id()).or_insert(0) += 1;
        }
        counts
    }
}

/// A port on 127.0.0.1 where nothing listens (bound once, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A clock that only moves when slept on or advanced.
pub struct ManualClock {
    now: Cell<i64>,
    slept: Cell<i64>,
}

impl ManualClock {
    pub fn new(now: i64) -> Self {
        ManualClock {
            now: Cell::new(now),
            slept: Cell::new(0),
        }
    }

    pub fn set(&self, now: i64) {
        self.now.set(now);
    }

    pub fn advance(&self, ms: i64) {
        self.now.set(self.now.get() + ms);
    }

    /// The total time slept through `Clock::sleep`, in milliseconds.
    pub fn slept_ms(&self) -> i64 {
        self.slept.get()
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.get()
    }

    fn sleep(&self, duration: Duration) {
        let ms = duration.as_millis() as i64;
        self.slept.set(self.slept.get() + ms);
        self.advance(ms);
    }
}
