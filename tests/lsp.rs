//! `segflow lsp` driven over stdio by JSON-RPC, as an editor drives it: initialize, didOpen,
//! didChange, completion, hover, definition, code actions, shutdown and exit. The problems it
//! publishes are compared with `segflow check --format json` on the same file; the store's
//! figures with the store itself.

mod cli_shop;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

/// A running `segflow lsp` and what it has said.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
}

impl Client {
    fn start(dir: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_segflow"))
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 {
                        return;
                    }
                    let header = header.trim();
                    if header.is_empty() {
                        break;
                    }
                    if let Some(n) = header.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("a Content-Length header")];
                reader.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 1,
            notifications: Vec::new(),
        }
    }

    fn write(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.write(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn next(&mut self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(30))
            .expect("segflow lsp answers within 30 s")
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.write(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.next();
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{message}");
                return message["result"].clone();
            }
            self.notifications.push(message);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        if let Some(i) = self.notifications.iter().position(|n| {
            n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
        }) {
            let n = self.notifications.remove(i);
            return n["params"]["diagnostics"].as_array().unwrap().clone();
        }
        loop {
            let n = self.next();
            if n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri {
                return n["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn position(text: &str, marker: &str) -> Value {
    let at = text.find(marker).unwrap() + marker.len();
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": col })
}

#[test]
fn an_editor_sees_checks_completions_hovers_definitions_and_fixes() {
    let shop = cli_shop::shop();
    let dir = shop.path().canonicalize().unwrap();
    std::fs::write(
        dir.join("rules/vip.yaml"),
        "segment: vip\ndescription: Big spenders\nwhere: total_spent > 500\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("workflows/templates/hello")).unwrap();
    std::fs::write(dir.join("workflows/templates/hello/subject.txt"), "Hello").unwrap();
    std::fs::write(
        dir.join("workflows/templates/hello/body.html"),
        "<p>Hello</p>",
    )
    .unwrap();
    let workflow =
        "workflow: greet\ntrigger: { segment_entered: vip }\nsteps:\n  - { id: hi, send: hello }\n";
    std::fs::write(dir.join("workflows/greet.yaml"), workflow).unwrap();
    let (code, _, err) = cli_shop::segflow(&dir, &["--now", "2026-11-01", "refresh"]);
    assert_eq!(code, 0, "{err}");
    let conn = rusqlite::Connection::open(dir.join("segflow.db")).unwrap();
    let vip_size: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM segment_members WHERE segment = 'vip'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(vip_size > 1, "the fixture has big spenders");

    // The broken file is on disk too, so `segflow check` can say what it finds in it.
    let loyal = dir.join("rules/loyal.yaml");
    let broken = "segment: loyal\nwhere: in_segment(\"vipp\") or total_spnt > 100\n";
    std::fs::write(&loyal, broken).unwrap();
    let (_, out, _) = cli_shop::segflow(&dir, &["check", "--format", "json"]);
    let check: Value = serde_json::from_str(&out).unwrap();
    let expected: Vec<Value> = check["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["file"] == "rules/loyal.yaml")
        .cloned()
        .collect();
    assert_eq!(expected.len(), 2, "{check}");

    let mut lsp = Client::start(&dir);
    let init = lsp.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&dir), "capabilities": {} }),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], true, "{init}");
    assert_eq!(init["capabilities"]["definitionProvider"], true);
    lsp.notify("initialized", json!({}));
    // The broken file on disk is reported before it is even opened.
    let on_start = lsp.diagnostics_for(&uri(&loyal));
    assert_eq!(on_start.len(), 2);

    lsp.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(&loyal), "languageId": "yaml", "version": 1, "text": broken } }),
    );
    let published = lsp.diagnostics_for(&uri(&loyal));
    // The same codes, messages and spans as `segflow check` (which counts from 1).
    assert_eq!(published.len(), expected.len());
    for (got, want) in published.iter().zip(&expected) {
        assert_eq!(got["code"], want["code"]);
        assert_eq!(
            got["message"],
            format!(
                "{}\nhelp: {}",
                want["message"].as_str().unwrap(),
                want["help"].as_str().unwrap()
            )
        );
        assert_eq!(
            got["range"]["start"]["line"],
            want["line"].as_i64().unwrap() - 1
        );
        assert_eq!(
            got["range"]["start"]["character"],
            want["column"].as_i64().unwrap() - 1
        );
        assert_eq!(
            got["range"]["end"]["character"],
            want["end_column"].as_i64().unwrap() - 1
        );
        assert_eq!(got["source"], "segflow");
    }

    // "did you mean" as a fix: the edit puts the suggestion on the underlined text.
    let typo = published.iter().find(|d| d["code"] == "E006").unwrap();
    let actions = lsp.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri(&loyal) }, "range": typo["range"], "context": { "diagnostics": [typo] } }),
    );
    assert_eq!(actions[0]["title"], "Replace with `vip`", "{actions}");
    let edit = &actions[0]["edit"]["changes"][uri(&loyal)][0];
    assert_eq!(
        (edit["newText"].clone(), edit["range"].clone()),
        (json!("vip"), typo["range"].clone())
    );

    // Typing the fixes clears the file's problems.
    let fixed = "segment: loyal\nwhere: in_segment(\"vip\") or total_spent > 100\n";
    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&loyal), "version": 2 }, "contentChanges": [{ "text": fixed }] }),
    );
    assert_eq!(lsp.diagnostics_for(&uri(&loyal)), Vec::<Value>::new());

    // Completion: segments inside in_segment, aggregates after a collection, the store's
    // attributes and event types, templates after send:.
    let typing = "segment: loyal\nwhere: in_segment(\"\n";
    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&loyal), "version": 3 }, "contentChanges": [{ "text": typing }] }),
    );
    let complete = |lsp: &mut Client, file: &Path, text: &str, marker: &str| {
        lsp.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri(file) }, "position": position(text, marker) }),
        )
    };
    let segments = labels(&complete(&mut lsp, &loyal, typing, "in_segment(\""));
    assert!(segments.contains(&"vip".to_string()), "{segments:?}");
    for (text, marker, want) in [
        ("where: orders(within 30d).", "30d).", "count"),
        ("where: attr.", "attr.", "interests"),
        ("where: events(type == \"", "== \"", "product_viewed"),
        ("where: events(prop.", "prop.", "category"),
        ("where: orders(to", "orders(", "total"),
        ("where: total_sp", "total_sp", "total_spent"),
    ] {
        let text = format!("segment: loyal\n{text}\n");
        lsp.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri(&loyal), "version": 4 }, "contentChanges": [{ "text": text }] }),
        );
        let got = labels(&complete(&mut lsp, &loyal, &text, marker));
        assert!(got.contains(&want.to_string()), "{text}: {got:?}");
    }
    let greet = dir.join("workflows/greet.yaml");
    let templates = labels(&complete(&mut lsp, &greet, workflow, "send: "));
    assert_eq!(templates, ["hello"]);

    // Hover: a field's type and meaning; a segment's description and current size.
    lsp.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&loyal), "version": 5 }, "contentChanges": [{ "text": fixed }] }),
    );
    let hover = |lsp: &mut Client, file: &Path, text: &str, marker: &str| {
        lsp.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri(file) }, "position": position(text, marker) }),
        )["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let field = hover(&mut lsp, &loyal, fixed, "total_sp");
    assert!(field.starts_with("**total_spent** — number"), "{field}");
    assert!(field.contains("net of refunds"), "{field}");
    let segment = hover(&mut lsp, &loyal, fixed, "in_segment(\"v");
    assert!(segment.contains("Big spenders"), "{segment}");
    assert!(
        segment.contains(&format!("{vip_size} customers now")),
        "{segment}"
    );

    // Go to definition: the segment's rule file, the template's folder.
    let definition = |lsp: &mut Client, file: &Path, text: &str, marker: &str| {
        lsp.request(
            "textDocument/definition",
            json!({ "textDocument": { "uri": uri(file) }, "position": position(text, marker) }),
        )["uri"]
            .clone()
    };
    assert_eq!(
        definition(&mut lsp, &loyal, fixed, "in_segment(\"v"),
        uri(&dir.join("rules/vip.yaml"))
    );
    assert_eq!(
        definition(&mut lsp, &greet, workflow, "send: he"),
        uri(&dir.join("workflows/templates/hello/subject.txt"))
    );

    // A workflow naming a template that does not exist is a problem as you type.
    let wrong = workflow.replace("send: hello", "send: helo");
    lsp.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(&greet), "languageId": "yaml", "version": 1, "text": wrong } }),
    );
    let problems = lsp.diagnostics_for(&uri(&greet));
    assert_eq!(problems[0]["code"], "E013", "{problems:?}");

    // Renaming a segment in its (unsaved) file breaks the file that still refers to it.
    let vip = dir.join("rules/vip.yaml");
    // What was published while typing above is stale now.
    lsp.notifications.clear();
    lsp.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(&vip), "languageId": "yaml", "version": 1,
                "text": "segment: big_spenders\nwhere: total_spent > 500\n" } }),
    );
    let referring = lsp.diagnostics_for(&uri(&loyal));
    assert!(
        referring.iter().any(|d| d["code"] == "E006"),
        "{referring:?}"
    );
    // Requests at positions past the end, and methods it does not know, are answered.
    let far = lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&loyal) }, "position": { "line": 9999, "character": 9999 } }),
    );
    assert_eq!(far, Value::Null);
    lsp.write(
        json!({ "jsonrpc": "2.0", "id": 999, "method": "textDocument/formatting", "params": {} }),
    );
    let refused = loop {
        let m = lsp.next();
        if m["id"] == 999 {
            break m;
        }
    };
    assert_eq!(refused["error"]["code"], -32601, "{refused}");

    // A broken segflow.toml is shown where TOML says it is broken.
    let config = dir.join("segflow.toml");
    lsp.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(&config), "languageId": "toml", "version": 1, "text": "[store]\npath = 3\n" } }),
    );
    let problems = lsp.diagnostics_for(&uri(&config));
    assert_eq!(problems[0]["range"]["start"]["line"], 1, "{problems:?}");

    let shutdown = lsp.request("shutdown", Value::Null);
    assert_eq!(shutdown, Value::Null);
    lsp.notify("exit", Value::Null);
    let status = lsp.child.wait().unwrap();
    assert!(status.success());
}

#[test]
fn malformed_messages_and_multibyte_text_never_take_the_server_down() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().canonicalize().unwrap();
    let (code, _, err) = cli_shop::segflow(&dir, &["init", "."]);
    assert_eq!(code, 0, "{err}");
    let rule = dir.join("rules/repeat_buyers.yaml");
    let mut lsp = Client::start(&dir);
    lsp.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri(&dir), "capabilities": {} }),
    );
    lsp.notify("initialized", json!({}));
    // A request without its parameters is refused with InvalidParams; a notification without
    // them is dropped.
    lsp.write(json!({ "jsonrpc": "2.0", "id": 50, "method": "textDocument/hover", "params": {} }));
    let refused = loop {
        let m = lsp.next();
        if m["id"] == 50 {
            break m;
        }
    };
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    lsp.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": "not a uri" } }),
    );
    // Completion and hover right after é and 😀 (several bytes each).
    let text =
        "segment: repeat_buyers\ndescription: café 😀\nwhere: éx > 1 and orders.count() >= 2\n";
    lsp.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(&rule), "languageId": "yaml", "version": 1, "text": text } }),
    );
    for marker in ["café", "😀", "where: é", "orders.cou"] {
        let at = position(text, marker);
        let c = lsp.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri(&rule) }, "position": at }),
        );
        assert!(c.is_array(), "{marker}: {c}");
        lsp.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri(&rule) }, "position": at }),
        );
    }
    // The aggregate after a collection has its own hover.
    let hover = lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&rule) }, "position": position(text, "orders.cou") }),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .starts_with("**count** — aggregate"),
        "{hover}"
    );
    // `exit` without `shutdown` ends the server with exit code 1, as the protocol says.
    lsp.notify("exit", Value::Null);
    let status = lsp.child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn a_message_claiming_an_absurd_length_ends_the_session_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .arg("lsp")
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"Content-Length: 99999999999999\r\n\r\n{}")
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    // Exit 1 with the reason, not an abort from allocating 100 TB.
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("over the limit"), "{err}");
}

/// A burst of changes (keystrokes faster than a check) may be checked once, as the server
/// coalesces the changes it has already read; whatever it skips, what it publishes last is the
/// problem of the last text, and a request after the burst is answered from that text.
#[test]
fn a_burst_of_changes_ends_with_the_problems_of_the_last_text() {
    let shop = cli_shop::shop();
    let dir = shop.path().canonicalize().unwrap();
    let loyal = dir.join("rules/loyal.yaml");
    std::fs::write(&loyal, "segment: loyal\nwhere: total_spent > 0\n").unwrap();
    let uri = uri(&loyal);
    let mut client = Client::start(&dir);
    client.request(
        "initialize",
        json!({ "rootUri": format!("file://{}", dir.display()), "capabilities": {} }),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": 1,
                "text": "segment: loyal\nwhere: total_spent > 0\n" } }),
    );
    // Every text but the last has a typo of its own, so each check would publish something.
    let last = 40;
    for v in 2..=last {
        let text = if v == last {
            "segment: loyal\nwhere: orders_cnt > 1\n".to_string()
        } else {
            format!("segment: loyal\nwhere: total_spnt{v} > 0\n")
        };
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": v },
                    "contentChanges": [{ "text": text }] }),
        );
    }
    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 9 } }),
    );
    assert!(
        hover.is_null(),
        "no documented name under the cursor: {hover}"
    );
    let published: Vec<&Value> = client
        .notifications
        .iter()
        .filter(|n| n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri)
        .collect();
    let final_problems =
        &published.last().expect("problems were published")["params"]["diagnostics"];
    assert_eq!(
        final_problems.as_array().unwrap().len(),
        1,
        "{final_problems}"
    );
    assert_eq!(
        final_problems[0]["message"]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap(),
        "unknown field `orders_cnt`"
    );
    eprintln!("{} of {} changes were checked", published.len(), last - 1);
    client.request("shutdown", json!(null));
    client.notify("exit", json!(null));
    assert_eq!(client.child.wait().unwrap().code(), Some(0));
}
