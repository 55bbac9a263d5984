//! `segflow init` through the real binary: the repository it makes passes `segflow check` and
//! starts `segflow run` at once, `--examples` copies the starter files, and a missing template
//! folder means "no templates" rather than an error.

mod cli_shop;
mod daemon_support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli_shop::segflow;

/// `segflow init shop` in a fresh folder; returns the folder and the path of `shop`.
fn init(args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["init", "shop"];
    all.extend_from_slice(args);
    let (code, out, err) = segflow(dir.path(), &all);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("created shop/segflow.toml"), "{out}");
    let shop = dir.path().join("shop");
    (dir, shop)
}

#[test]
fn init_then_check_passes_and_the_template_folder_exists() {
    let (_dir, shop) = init(&[]);
    assert!(shop.join("workflows/templates").is_dir());
    let (code, out, err) = segflow(&shop, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "1 segment checked in rules: no problems\n");
    // A second init refuses to overwrite the repository, and says why.
    let (code, _, err) = segflow(shop.parent().unwrap(), &["init", "shop"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("shop/segflow.toml already exists; segflow init does not overwrite"),
        "{err}"
    );
}

#[test]
fn init_with_examples_copies_the_starter_files_and_checks() {
    let (_dir, shop) = init(&["--examples"]);
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "rules/vip.yaml",
        "rules/abandoned_checkout.yaml",
        "workflows/abandoned_checkout.yaml",
        "workflows/welcome.yaml",
        "workflows/templates/cart_reminder/body.html",
        "workflows/templates/cart_reminder/subject.txt",
        "workflows/templates/_shared/footer.html",
    ] {
        let copied = std::fs::read_to_string(shop.join(file))
            .unwrap_or_else(|e| panic!("{file} was not written: {e}"));
        assert_eq!(copied, std::fs::read_to_string(repo.join(file)).unwrap());
    }
    let rules = std::fs::read_dir(repo.join("rules")).unwrap().count();
    let workflows = std::fs::read_dir(repo.join("workflows"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_file())
        .count();
    let (code, out, err) = segflow(&shop, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    // The starter rule of a bare repository comes on top of the examples.
    assert_eq!(
        out,
        format!(
            "{} segments checked in rules: no problems\n{workflows} workflows checked in workflows: no problems\n",
            rules + 1
        )
    );
}

#[test]
fn the_readme_path_runs_from_init_to_report() {
    // README, "Your own shop": init; import customers, products, orders, items and events;
    // check; refresh; model fit; report (run is the next test). The shop is a generated one.
    let (_dir, shop) = init(&["--examples"]);
    let (code, _, err) = segflow(&shop, &["generate", "--customers", "200", "--out", "data"]);
    assert_eq!(code, 0, "{err}");
    for kind in ["customers", "products", "orders", "items", "events"] {
        let file = format!("data/{kind}.csv");
        let (code, out, err) = segflow(&shop, &["import", kind, &file]);
        assert_eq!(code, 0, "import {kind}: {out}{err}");
    }
    for args in [&["check"][..], &["refresh"], &["model", "fit"], &["report"]] {
        let (code, out, err) = segflow(&shop, args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    }
    let conn = rusqlite::Connection::open(shop.join("segflow.db")).unwrap();
    let scored: i64 = conn
        .query_row("SELECT COUNT(*) FROM customer_scores", [], |r| r.get(0))
        .unwrap();
    assert_eq!(scored, 200);
}

#[test]
fn init_then_run_starts_the_daemon() {
    let (_dir, shop) = init(&[]);
    let log = shop.join("daemon.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .args(["run", "--bind", "127.0.0.1:0"])
        .current_dir(&shop)
        .env("NO_COLOR", "1")
        .env_remove("SEGFLOW_API_TOKEN")
        .env_remove("SEGFLOW_BIND")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let Some(addr) = line.trim().strip_prefix("segflow listening on http://") else {
        let _ = child.kill();
        let _ = child.wait();
        panic!(
            "segflow run did not start: {line:?}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    };
    let health = daemon_support::request(addr, "GET", "/healthz", &[], b"");
    assert_eq!((health.status, health.body.trim()), (200, "ok"));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("segflow run did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.success(),
        "{status}: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_missing_template_folder_means_no_templates() {
    let (_dir, shop) = init(&[]);
    std::fs::remove_dir_all(shop.join("workflows/templates")).unwrap();
    // A workflow that sends nothing runs without a template folder.
    write(
        &shop.join("workflows/tagging.yaml"),
        "workflow: tagging\ntrigger: { segment_entered: repeat_buyers }\nsteps:\n  - { id: mark, tag: repeat }\n",
    );
    let (code, out, err) = segflow(&shop, &["check"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = segflow(&shop, &["workflows", "run", "--once"]);
    assert_eq!(code, 0, "{out}{err}");
    // One that sends a template that does not exist is refused where it names it, by every
    // command that loads workflows.
    write(
        &shop.join("workflows/thanks.yaml"),
        "workflow: thanks\ntrigger: { segment_entered: repeat_buyers }\nsteps:\n  - { id: mail, send: thank_you }\n",
    );
    for args in [
        &["check"][..],
        &["workflows", "run", "--once"],
        &["preview", "thanks", "mail", "--customer", "c1"],
    ] {
        let (code, _, err) = segflow(&shop, args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains("unknown template `thank_you`"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("workflows/thanks.yaml:4:23"),
            "{args:?}: {err}"
        );
    }
}
