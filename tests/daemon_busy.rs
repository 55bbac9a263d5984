//! Cron commands beside a running daemon: the real `segflow run` takes events over HTTP in a
//! loop while `segflow import`, `refresh`, `model fit`, `suppress import`, `unsubscribe`,
//! `workflows run` and `send` run again and again through the real binary on the same SQLite
//! file. Every command succeeds and every acknowledged event is
//! stored. A command that cannot get the write lock within `[store] busy_timeout` gives up
//! after that long and says which command waited, how long, and what to do.

mod daemon_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use daemon_support::*;

struct Out {
    code: i32,
    stderr: String,
    elapsed: Duration,
}

fn segflow(dir: &Path, args: &[&str]) -> Out {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .arg("--config")
        .arg(dir.join("segflow.toml"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run segflow");
    Out {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Customers whose attribute `run` changes every round, so every import updates every row.
fn customers_csv(dir: &Path, round: usize) -> String {
    let mut text = String::from("customer_id,email,first_name,accepts_marketing,attr.run\n");
    for i in 0..300 {
        text.push_str(&format!("C{i:07},c{i}@example.test,Name{i},true,{round}\n"));
    }
    let path = dir.join(format!("customers-{round}.csv"));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// Posts events in a loop until `stop`; returns the sequence numbers the daemon acknowledged.
fn load(addr: String, stop: Arc<AtomicBool>) -> Vec<u64> {
    let auth = format!("Bearer {TOKEN}");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let mut acknowledged = Vec::new();
    let mut seq = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let batch: Vec<String> = (0..3)
            .map(|k| {
                let n = seq + k;
                format!(
                    r#"{{"id":"load-{n}","type":"load_ping","customer_id":"C{:07}","properties":{{"seq":{n}}}}}"#,
                    n % 400
                )
            })
            .collect();
        let body = format!("[{}]", batch.join(","));
        let reply = request(&addr, "POST", "/v1/events", &headers, body.as_bytes());
        if reply.status == 200 {
            acknowledged.extend(seq..seq + 3);
        }
        seq += 3;
        std::thread::sleep(Duration::from_millis(40));
    }
    acknowledged
}

#[test]
fn cron_commands_succeed_beside_a_daemon_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    write_shop(dir, 1, "1h");
    std::fs::write(
        dir.join("rules/pinged.yaml"),
        "segment: pinged\nwhere: events(type == \"load_ping\", within 1d).exists()\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("rules/champions.yaml"),
        "segment: champions\nwhere: rfm.group == \"champions\"\n",
    )
    .unwrap();
    let shop = dir.join("shop");
    let out = segflow(
        dir,
        &[
            "generate",
            "--customers",
            "300",
            "--seed",
            "7",
            "--out",
            shop.to_str().unwrap(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    for kind in ["customers", "products", "orders", "items", "events"] {
        let file = shop.join(format!("{kind}.csv"));
        let out = segflow(dir, &["import", kind, file.to_str().unwrap()]);
        assert_eq!(out.code, 0, "import {kind}: {}", out.stderr);
    }

    let daemon = Daemon::start(dir);
    let stop = Arc::new(AtomicBool::new(false));
    let loader = {
        let (addr, stop) = (daemon.addr.clone(), Arc::clone(&stop));
        std::thread::spawn(move || load(addr, stop))
    };
    let db = store(dir);
    assert!(
        wait_until(Duration::from_secs(10), || count(
            &db,
            "SELECT COUNT(*) FROM events WHERE type = 'load_ping'"
        ) > 0),
        "the load reaches the store:\n{}",
        daemon.log_text()
    );

    let mut failures = Vec::new();
    for round in 0..5 {
        let file = customers_csv(dir, round);
        let suppressions = dir.join(format!("suppress-{round}.csv"));
        std::fs::write(
            &suppressions,
            format!("email,reason\nbounce{round}@example.test,bounced\n"),
        )
        .unwrap();
        let unsubscribed = format!("c{round}@example.test");
        let runs: [&[&str]; 7] = [
            &["import", "customers", &file],
            &["refresh"],
            &["model", "fit"],
            &["suppress", "import", suppressions.to_str().unwrap()],
            &["unsubscribe", &unsubscribed],
            &["workflows", "run", "--once"],
            &["send", "--once"],
        ];
        for args in runs {
            let out = segflow(dir, args);
            if out.code != 0 {
                failures.push(format!("round {round}, {args:?}: {}", out.stderr));
            }
        }
    }
    stop.store(true, Ordering::SeqCst);
    let acknowledged = loader.join().unwrap();
    assert!(failures.is_empty(), "{failures:#?}");

    assert!(acknowledged.len() >= 30, "{} events", acknowledged.len());
    eprintln!(
        "{} events acknowledged while 35 commands ran",
        acknowledged.len()
    );
    let stored: BTreeSet<u64> = {
        let mut stmt = db
            .prepare(
                "SELECT json_extract(properties, '$.seq') FROM events WHERE type = 'load_ping'",
            )
            .unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0)).unwrap();
        rows.map(|r| r.unwrap() as u64).collect()
    };
    let lost: Vec<u64> = acknowledged
        .iter()
        .filter(|s| !stored.contains(s))
        .copied()
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    // The commands' writes landed too: the last round's attribute is on every customer, and
    // every round's suppressions are stored.
    assert_eq!(count(&db, "SELECT COUNT(*) FROM suppressions"), 10);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM customers WHERE json_extract(attributes, '$.run') = 4"
        ),
        300
    );
    let (status, _) = daemon.terminate(Duration::from_secs(20));
    assert!(status.success());
}

#[test]
fn a_command_gives_up_after_busy_timeout_and_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(
        dir.join("segflow.toml"),
        "[store]\npath = \"shop.db\"\nbusy_timeout = \"1s\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.join("rules")).unwrap();
    std::fs::write(
        dir.join("rules/everyone.yaml"),
        "segment: everyone\nwhere: true\n",
    )
    .unwrap();
    let file = customers_csv(dir, 0);
    let out = segflow(dir, &["import", "customers", &file]);
    assert_eq!(out.code, 0, "{}", out.stderr);

    // Another connection holds the write lock, as a daemon in the middle of a long write would.
    let holder = store(dir);
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let runs: [(&[&str], &str); 3] = [
        (&["refresh"], "segflow refresh"),
        (&["import", "customers", &file], "segflow import"),
        (&["model", "fit"], "segflow model fit"),
    ];
    for (args, command) in runs {
        let out = segflow(dir, args);
        assert_eq!(out.code, 1, "{command}: {}", out.stderr);
        let expected = format!("error: `{command}` waited 1s for the write lock of ");
        assert!(
            out.stderr.starts_with(&expected),
            "{command}: {}",
            out.stderr
        );
        for words in [
            "and gave up: another writer held it all that time",
            "Run the command again later, or let it wait longer with `busy_timeout` under [store] in segflow.toml (now \"1s\")",
            "database is locked",
        ] {
            assert!(out.stderr.contains(words), "{command}: {}", out.stderr);
        }
        assert!(
            out.elapsed >= Duration::from_secs(1) && out.elapsed < Duration::from_secs(15),
            "{command} waited {:?}",
            out.elapsed
        );
    }
    assert_eq!(count(&holder, "SELECT COUNT(*) FROM segment_sizes"), 0);
    assert_eq!(count(&holder, "SELECT COUNT(*) FROM customer_scores"), 0);

    // Once the lock is free the same command goes through.
    holder.execute_batch("ROLLBACK").unwrap();
    let out = segflow(dir, &["refresh"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(count(&holder, "SELECT COUNT(*) FROM segment_sizes"), 1);
}
