//! The store owns every table (ARCHITECTURE.md, "Tables and their owners"): no SQL is written
//! outside `src/store/` except by the SQL compiler, which generates it through a syntax tree.
//! This test reads the sources and fails on a statement or a statement call anywhere else, so a
//! second store backend never has to be written into another module.

use std::path::{Path, PathBuf};

/// What a line holding SQL looks like: a statement keyword opening a string, or a call that
/// runs one.
const MARKERS: &[&str] = &[
    "\"SELECT ",
    "\"INSERT ",
    "\"UPDATE ",
    "\"DELETE ",
    "\"WITH ",
    "\"CREATE ",
    "\"PRAGMA ",
    ".execute(",
    ".execute_batch(",
    ".query_row(",
    ".prepare(",
    ".prepare_cached(",
];

/// Where SQL may be written.
const ALLOWED: &[&str] = &[
    "src/store/",
    "src/compile/sql/",
    "src/compile/columnar/float_sum.rs",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every line with SQL in a source file under `root/src` outside the allowed places.
fn scan(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED.iter().any(|a| relative.starts_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            // Unit tests may look at the tables directly.
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(m) = MARKERS.iter().find(|m| line.contains(*m)) {
                found.push(format!("{relative}:{}: `{m}` in: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn no_sql_outside_the_store() {
    let found = scan(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        found.is_empty(),
        "SQL outside src/store/ (move it into the table's owner):\n{}",
        found.join("\n")
    );
}

/// The scan reports a statement outside the store, and not one inside it or in a unit test.
#[test]
fn the_scan_finds_a_statement_outside_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("store")).unwrap();
    std::fs::create_dir_all(src.join("cli")).unwrap();
    let statement = "    conn.query_row(\"SELECT 1\", [], |r| r.get(0))\n";
    std::fs::write(src.join("store/owner.rs"), statement).unwrap();
    std::fs::write(
        src.join("cli/command.rs"),
        format!("fn f() {{\n{statement}}}\n#[cfg(test)]\n{statement}"),
    )
    .unwrap();
    let found = scan(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("src/cli/command.rs:2: "), "{found:?}");
}
