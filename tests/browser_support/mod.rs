//! Headless Chromium for the page tests, driven over the DevTools protocol (a WebSocket on
//! 127.0.0.1): navigate, run a script in the page, read cookies, collect console errors and
//! failed loads, and take full-page screenshots.
//!
//! Chromium is required: without it `Browser::launch` fails the test, unless
//! `SEGFLOW_SKIP_BROWSER=1` is set, when it returns `None` and the test says SKIPPED.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

pub struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// Every console error, uncaught exception and error log entry so far.
    pub errors: Vec<String>,
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// The chromium binary, or `None` when the tests may skip (SEGFLOW_SKIP_BROWSER=1).
fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    match found {
        Some(b) => Some(b),
        None if std::env::var("SEGFLOW_SKIP_BROWSER").is_ok_and(|v| v == "1") => {
            eprintln!("SKIPPED: no chromium binary on PATH and SEGFLOW_SKIP_BROWSER=1");
            None
        }
        None => panic!(
            "no chromium binary on PATH: install Debian's `chromium` package (.ci/run does), or set SEGFLOW_SKIP_BROWSER=1 to skip the browser tests"
        ),
    }
}

/// A GET of DevTools' HTTP endpoint, read up to its Content-Length (it keeps the connection
/// open).
fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(s);
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let l = line.trim();
        if l.is_empty() {
            break;
        }
        if let Some((name, value)) = l.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8_lossy(&body).to_string()
}

impl Browser {
    /// Starts headless Chromium with a fresh profile and a 1280 × 900 window, attached to its
    /// first page.
    pub fn launch() -> Option<Browser> {
        let binary = chromium()?;
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-default-apps",
                "--disable-extensions",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                "--window-size=1280,900",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut reader = BufReader::new(stderr);
        let started = Instant::now();
        let mut line = String::new();
        let port = loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0
                || started.elapsed() > Duration::from_secs(30)
            {
                let _ = child.kill();
                panic!("chromium did not open its DevTools port: {line}");
            }
            if let Some(rest) = line
                .trim()
                .strip_prefix("DevTools listening on ws://127.0.0.1:")
            {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        // Chromium keeps writing to stderr; drain it so it never blocks.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        let addr = format!("127.0.0.1:{port}");
        let targets: Value = serde_json::from_str(&http_get(&addr, "/json/list")).unwrap();
        let page = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .expect("chromium has a page");
        let url = page["webSocketDebuggerUrl"].as_str().unwrap().to_string();
        let stream = TcpStream::connect(&addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let (socket, _) = tungstenite::client(url.as_str(), stream).unwrap();
        let mut b = Browser {
            child,
            socket,
            next_id: 0,
            errors: Vec::new(),
            events: Vec::new(),
            _profile: profile,
        };
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            b.call(domain, json!({}));
        }
        Some(b)
    }

    fn note(&mut self, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Runtime.consoleAPICalled") if params["type"] == "error" => {
                self.errors
                    .push(format!("console.error: {}", params["args"]));
            }
            Some("Runtime.exceptionThrown") => {
                self.errors
                    .push(format!("exception: {}", params["exceptionDetails"]));
            }
            Some("Log.entryAdded") if params["entry"]["level"] == "error" => {
                self.errors.push(format!(
                    "{}: {}",
                    params["entry"]["url"].as_str().unwrap_or(""),
                    params["entry"]["text"].as_str().unwrap_or("")
                ));
            }
            _ => {}
        }
        self.events.push(event.clone());
    }

    fn read(&mut self) -> Value {
        loop {
            match self.socket.read().expect("the DevTools connection") {
                Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
                Message::Close(_) => panic!("chromium closed the DevTools connection"),
                _ => {}
            }
        }
    }

    /// Sends a DevTools command and returns its result (panics on a protocol error).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let text = json!({ "id": id, "method": method, "params": params }).to_string();
        self.socket.send(Message::Text(text.into())).unwrap();
        loop {
            let m = self.read();
            if m["id"] == id {
                assert!(m.get("error").is_none(), "{method}: {}", m["error"]);
                return m["result"].clone();
            }
            self.note(&m);
        }
    }

    /// Waits for an event named `method` that arrived after the last call to this function.
    fn wait_for(&mut self, method: &str) {
        if let Some(i) = self.events.iter().position(|e| e["method"] == method) {
            self.events.drain(..=i);
            return;
        }
        loop {
            let m = self.read();
            self.note(&m);
            if m["method"] == method {
                self.events.clear();
                return;
            }
        }
    }

    /// Opens `url` and waits until the page has loaded.
    pub fn goto(&mut self, url: &str) {
        self.events.clear();
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_for("Page.loadEventFired");
    }

    /// Runs `script` in the page and waits for the navigation it starts (a form submission).
    pub fn submit(&mut self, script: &str) {
        self.events.clear();
        self.eval(script);
        self.wait_for("Page.loadEventFired");
    }

    /// The value of a JavaScript expression in the page.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(
            r.get("exceptionDetails").is_none(),
            "{expression}: {}",
            r["exceptionDetails"]
        );
        r["result"]["value"].clone()
    }

    /// Every cookie the browser holds.
    pub fn cookies(&mut self) -> Vec<Value> {
        self.call("Network.getAllCookies", json!({}))["cookies"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn set_cookie(&mut self, name: &str, value: &str, url: &str) {
        self.call(
            "Network.setCookie",
            json!({ "name": name, "value": value, "url": url, "path": "/dashboard" }),
        );
    }

    pub fn clear_cookies(&mut self) {
        self.call("Network.clearBrowserCookies", json!({}));
    }

    /// A PNG of the whole page (not only the window) at `path`.
    pub fn screenshot(&mut self, path: &Path) {
        use base64::Engine;
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let size = &metrics["cssContentSize"];
        let (w, h) = (
            size["width"].as_f64().unwrap_or(1280.0),
            size["height"].as_f64().unwrap_or(900.0).min(12_000.0),
        );
        let shot = self.call(
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": w, "height": h, "scale": 1 } }),
        );
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the page's charts draw, as the browser laid them out.
#[derive(Debug, Clone)]
pub struct Chart {
    pub name: String,
    /// Drawn data: dots, bars and heat-map cells.
    pub drawn: u64,
    /// Non-empty axis titles.
    pub axis_labels: Vec<String>,
    /// Tick labels on the axes.
    pub ticks: u64,
    /// Texts that reach outside the chart's own box (a legend that does not fit, a cut label).
    pub outside: Vec<String>,
}

const CHARTS: &str = r#"(() => [...document.querySelectorAll('svg.chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const outside = [...svg.querySelectorAll('text')].filter(t => {
    const b = t.getBoundingClientRect();
    return b.width > 0 && (b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1 || b.bottom > box.bottom + 1);
  }).map(t => t.textContent);
  return {
    name: svg.dataset.chart,
    drawn: svg.querySelectorAll('.point, .bar, .cell').length,
    axis_labels: [...svg.querySelectorAll('.axis-label')].map(t => t.textContent.trim()).filter(t => t.length > 0),
    ticks: svg.querySelectorAll('.tick').length,
    outside,
  };
}))()"#;

/// Every chart of the loaded page.
pub fn charts(b: &mut Browser) -> Vec<Chart> {
    b.eval(CHARTS)
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|c| Chart {
            name: c["name"].as_str().unwrap_or("").to_string(),
            drawn: c["drawn"].as_u64().unwrap_or(0),
            axis_labels: c["axis_labels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            ticks: c["ticks"].as_u64().unwrap_or(0),
            outside: c["outside"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
        })
        .collect()
}

/// Asserts that every chart of the page draws data, titles its axes, labels its ticks and
/// keeps its texts inside its box; returns the charts' names.
pub fn assert_readable_charts(b: &mut Browser, page: &str) -> Vec<String> {
    let charts = charts(b);
    for c in &charts {
        assert!(c.drawn > 0, "{page}: chart {} draws no data", c.name);
        assert!(
            !c.axis_labels.is_empty(),
            "{page}: chart {} has no axis title",
            c.name
        );
        assert!(c.ticks > 0, "{page}: chart {} has no tick labels", c.name);
        assert!(
            c.outside.is_empty(),
            "{page}: chart {} has texts outside its box: {:?}",
            c.name,
            c.outside
        );
    }
    charts.into_iter().map(|c| c.name).collect()
}
