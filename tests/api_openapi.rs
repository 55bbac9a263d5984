//! The HTTP API's OpenAPI 3.1 document (`openapi.json`) against the real daemon: the daemon
//! serves the file as it is in the repository, and schemathesis (from PyPI) generates requests
//! from it, including hostile ones, and checks every answer: no 5xx, each status, content type,
//! header and JSON body as documented, refused methods and missing credentials refused.
//!
//! schemathesis is required: without it this test fails and says how to install it (the README
//! and `.ci/run` install it), rather than passing without having run.

mod daemon_support;

use std::path::Path;
use std::process::Command;

use daemon_support::*;

fn document() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json")).unwrap()
}

#[test]
fn the_daemon_serves_the_repository_document_and_every_route_is_in_it() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let r = daemon.request("GET", "/openapi.json", &[], b"");
    assert_eq!(
        (r.status, r.header("content-type")),
        (200, Some("application/json"))
    );
    assert_eq!(r.body, document());
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // Each documented operation exists: it answers neither 404 for its path nor 405 for its
    // method (a token path answers 404 for a bad token, so those are asked with a POST/GET
    // that must not be 405).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace("{token}", "x");
            let r = daemon.request(&method.to_uppercase(), &concrete, &[], b"{}");
            assert_ne!(r.status, 405, "{method} {path}");
            if !path.contains("{token}") {
                assert_ne!(r.status, 404, "{method} {path}");
            }
        }
    }
}

#[test]
fn schemathesis_finds_no_server_error_and_no_answer_unlike_the_document() {
    let found = Command::new("schemathesis").arg("--version").output();
    let Ok(version) = found else {
        panic!("schemathesis is needed for this test: pip install schemathesis");
    };
    let version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    configure_ses(dir.path());
    let daemon = Daemon::start(dir.path());
    let checks = [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "unsupported_method",
        "missing_required_header",
        "ignored_auth",
    ];
    let out = Command::new("schemathesis")
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .args(["--no-color", "run"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json"))
        .args(["--url", &format!("http://{}", daemon.addr)])
        .args(["--header", &format!("Authorization: Bearer {TOKEN}")])
        .args(["--checks", &checks.join(",")])
        .args(["--max-examples", "60", "--seed", "20261203"])
        .args(["--generation-database", "none", "--workers", "2"])
        .args(["--request-timeout", "10"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{version}\n{stdout}");
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{stdout}\n{}\ndaemon log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        daemon.log_text()
    );
    assert!(
        !daemon.log_text().contains("panicked"),
        "{}",
        daemon.log_text()
    );
}
