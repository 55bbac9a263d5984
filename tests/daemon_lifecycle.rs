//! The daemon's life: hot reload keeps serving through a broken rule file and picks up the
//! fixed one; SIGTERM exits 0 and `segflow status` says what happened; `kill -9` under event
//! load loses no acknowledged event; a second daemon on the same store is refused.

mod daemon_support;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use daemon_support::*;

fn status(dir: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .arg("--config")
        .arg(dir.join("segflow.toml"))
        .arg("status")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn metrics(daemon: &Daemon) -> String {
    daemon.request("GET", "/metrics", &[], b"").body
}

#[test]
fn hot_reload_keeps_the_last_good_rules_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let first = status(dir.path());
    assert!(first.starts_with("daemon: running"), "{first}");

    std::fs::write(
        dir.path().join("rules/vip.yaml"),
        "segment: vip\nwhere: orders_count >= \n",
    )
    .unwrap();
    assert!(
        wait_until(Duration::from_secs(10), || metrics(&daemon)
            .contains("segflow_reloads_total{outcome=\"error\"} 1")),
        "the broken file is noticed:\n{}",
        daemon.log_text()
    );
    let log = daemon.log_text();
    assert!(
        log.contains("the edited files have errors; the previous rules stay active"),
        "{log}"
    );
    assert!(log.contains("vip.yaml"), "the error names the file:\n{log}");
    // Still serving, with the previous rules.
    assert_eq!(daemon.request("GET", "/healthz", &[], b"").status, 200);
    assert_eq!(
        daemon
            .api("/v1/events", r#"{"type":"page_viewed","customer_id":"c1"}"#)
            .status,
        200
    );
    let shown = status(dir.path());
    assert!(
        shown.contains("the last edit of the rules did not load"),
        "{shown}"
    );
    assert!(!metrics(&daemon).contains("segment=\"vip\""));

    std::fs::write(
        dir.path().join("rules/vip.yaml"),
        "segment: vip\nwhere: orders_count >= 3\n",
    )
    .unwrap();
    assert!(
        wait_until(Duration::from_secs(10), || metrics(&daemon)
            .contains("segflow_segment_evaluations_total{segment=\"vip\"} 1")),
        "the fixed file is loaded and its segment evaluated:\n{}",
        daemon.log_text()
    );
    assert!(metrics(&daemon).contains("segflow_reloads_total{outcome=\"ok\"} 1"));
    assert!(!status(dir.path()).contains("did not load"));

    let (exit, _) = daemon.terminate(Duration::from_secs(15));
    assert!(exit.success(), "SIGTERM exits 0");
    assert!(status(dir.path()).starts_with("daemon: stopped at"));
}

#[test]
fn a_second_daemon_on_the_same_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let _first = Daemon::start(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .arg("--config")
        .arg(dir.path().join("segflow.toml"))
        .args(["run", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("another segflow daemon is running on"),
        "{stderr}"
    );
}

/// The daemon runs on the wall clock: a `--now` it would silently ignore is refused.
#[test]
fn run_refuses_now() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .arg("--config")
        .arg(dir.path().join("segflow.toml"))
        .args(["--now", "2026-11-22", "run", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `segflow run` works on the wall clock and does not take --now; --now sets the time \
         of one-off commands (refresh, workflows run, send, report)\n"
    );
}

#[test]
fn kill_9_under_event_load_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    write_shop(dir.path(), 1, "1h");
    let daemon = Daemon::start(dir.path());
    let addr = daemon.addr.clone();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|t| {
            let (addr, acked, stop) = (addr.clone(), acked.clone(), stop.clone());
            std::thread::spawn(move || {
                let auth = format!("Bearer {TOKEN}");
                for n in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let ids: Vec<String> = (0..10).map(|k| format!("ev-{t}-{n}-{k}")).collect();
                    let body: Vec<String> = ids
                        .iter()
                        .map(|id| {
                            format!(r#"{{"id":"{id}","type":"page_viewed","customer_id":"c{t}"}}"#)
                        })
                        .collect();
                    let body = format!("[{}]", body.join(","));
                    // After the kill, connecting or reading fails: that request was never acked.
                    let reply = std::panic::catch_unwind(|| {
                        request(
                            &addr,
                            "POST",
                            "/v1/events",
                            &[("Authorization", &auth)],
                            body.as_bytes(),
                        )
                    });
                    match reply {
                        Ok(r) if r.status == 200 => acked.lock().unwrap().extend(ids),
                        // Status 0: the connection died mid-answer, at the kill.
                        Ok(r) if r.status == 0 => return,
                        Ok(r) => panic!("refused: {r:?}"),
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    assert!(wait_until(Duration::from_secs(20), || acked
        .lock()
        .unwrap()
        .len()
        >= 2_000));
    daemon.kill9();
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let db = store(dir.path());
    let mut missing = 0;
    let mut stmt = db
        .prepare("SELECT COUNT(*) FROM events WHERE dedup_key = ?1")
        .unwrap();
    for id in &acked {
        let n: i64 = stmt.query_row([id], |r| r.get(0)).unwrap();
        missing += usize::from(n != 1);
    }
    assert_eq!(
        missing,
        0,
        "{missing} of {} acknowledged events are missing",
        acked.len()
    );
    // The killed daemon's lock is gone with it: a new one starts on the same store.
    let again = Daemon::start(dir.path());
    assert_eq!(again.request("GET", "/healthz", &[], b"").status, 200);
}
