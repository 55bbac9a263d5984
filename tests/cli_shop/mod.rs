//! Shared by the CLI tests over the hand-written shop: the real binary run in a folder, and a
//! folder with the shop in tests/cases/shop imported through `segflow import`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs the binary in `dir`; returns the exit code, stdout and stderr.
pub fn segflow(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run segflow");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A folder with a `rules/` folder and the hand-written shop imported into `segflow.db`.
pub fn shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    for kind in ["customers", "products", "orders", "items", "events"] {
        let file = repo.join(format!("tests/cases/shop/{kind}.csv"));
        let (code, _, err) = segflow(dir.path(), &["import", kind, file.to_str().unwrap()]);
        assert_eq!(code, 0, "import {kind}: {err}");
    }
    dir
}

/// The secret unsubscribe links are signed with in the campaign tests.
pub const UNSUBSCRIBE_SECRET: &str = "a test secret of enough bytes";

/// Runs the binary in `dir` with the unsubscribe secret set, as a command that renders or
/// sends mail needs; returns the exit code, stdout and stderr.
pub fn segflow_mail(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("SEGFLOW_UNSUBSCRIBE_SECRET", UNSUBSCRIBE_SECRET)
        .output()
        .expect("run segflow");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies a folder tree, such as the example workflows, into a test repository.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, target).unwrap();
        }
    }
}

/// How many YAML files the example repository's `dir` (`rules` or `workflows`) holds, so tests
/// that count segments or workflows follow the examples as they grow.
pub fn example_files(dir: &str) -> usize {
    std::fs::read_dir(repo().join(dir))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        })
        .count()
}
