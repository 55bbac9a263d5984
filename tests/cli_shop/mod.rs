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
