//! Shared test fixtures: the hand-written shop in tests/cases/shop, imported through the real
//! importer into a real SQLite file, and both evaluators run side by side.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use segflow::compile::columnar::Program;
use segflow::compile::sql::SqlQuery;
use segflow::dsl::ir::Expr;
use segflow::store::import::{import_csv, ImportKind, ImportOptions};
use segflow::store::snapshot::Snapshot;

pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// The evaluation time of the hand-written shop's expected results.
pub fn shop_now() -> i64 {
    let text = std::fs::read_to_string(cases_dir().join("shop/NOW")).unwrap();
    segflow::dsl::literal::timestamp(text.trim()).unwrap()
}

/// Imports the hand-written shop into a fresh database file in `dir`.
pub fn shop_db(dir: &Path) -> Connection {
    let mut conn = segflow::store::open(&dir.join("shop.db")).unwrap();
    let shop = cases_dir().join("shop");
    let opts = ImportOptions {
        strict: true,
        progress: false,
        reject_dir: Some(dir.to_path_buf()),
        map: None,
    };
    for (file, kind) in [
        ("customers.csv", ImportKind::Customers),
        ("products.csv", ImportKind::Products),
        ("orders.csv", ImportKind::Orders),
        ("items.csv", ImportKind::Items),
        ("events.csv", ImportKind::Events),
    ] {
        import_csv(&mut conn, kind, &shop.join(file), &opts).unwrap();
    }
    conn
}

pub fn external_ids(conn: &Connection, ids: &[i64]) -> Vec<String> {
    let mut stmt = conn
        .prepare("SELECT external_id FROM customers WHERE id = ?1")
        .unwrap();
    let mut out: Vec<String> = ids
        .iter()
        .map(|id| stmt.query_row([id], |r| r.get(0)).unwrap())
        .collect();
    out.sort();
    out
}

/// Members by both evaluators, as external ids; panics with both lists if they differ.
pub fn members_both(
    conn: &Connection,
    snapshot: &Snapshot,
    expr: &Expr,
    now: i64,
    what: &str,
) -> Vec<String> {
    let columnar = Program::compile(expr).unwrap().members(snapshot, now);
    let sql = SqlQuery::compile(expr).unwrap().members(conn, now).unwrap();
    let (c, s) = (external_ids(conn, &columnar), external_ids(conn, &sql));
    assert_eq!(
        c, s,
        "{what}: the columnar evaluator (left) and SQL (right) disagree"
    );
    c
}

/// The diagnostic with `prefix` removed from its file name and texts, before rendering, so that
/// the rendered text (and its line wrapping) does not depend on where the repository lives.
pub fn relative(
    mut d: segflow::dsl::diagnostic::FileDiagnostic,
    prefix: &str,
) -> segflow::dsl::diagnostic::FileDiagnostic {
    let name = d.file.name.replace(prefix, "");
    d.file = segflow::dsl::diagnostic::SourceFile::new(name, d.file.text.clone());
    d.diagnostic.message = d.diagnostic.message.replace(prefix, "");
    d.diagnostic.help = d.diagnostic.help.map(|h| h.replace(prefix, ""));
    d
}

/// Runs every case folder under `root`: `load` checks the folder and must return diagnostics,
/// which must render exactly as the folder's expected.txt. With `SEGFLOW_BLESS=1` the expected
/// files are rewritten instead; review the diff before committing it.
pub fn check_diagnostic_cases(
    root: &Path,
    min_cases: usize,
    load: impl Fn(&Path) -> Option<Vec<segflow::dsl::diagnostic::FileDiagnostic>>,
) {
    let bless = std::env::var_os("SEGFLOW_BLESS").is_some();
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= min_cases,
        "{} cases in {}",
        dirs.len(),
        root.display()
    );
    let prefix = format!("{}/", root.display());
    let mut failures = Vec::new();
    for dir in dirs {
        let diags = load(&dir).unwrap_or_else(|| panic!("{} checks without errors", dir.display()));
        // Paths are made relative before rendering, so that line wrapping does not depend on
        // where the repository is checked out.
        let diags: Vec<_> = diags.into_iter().map(|d| relative(d, &prefix)).collect();
        let rendered = segflow::dsl::diagnostic::render(&diags, false);
        let expected_path = dir.join("expected.txt");
        if bless {
            std::fs::write(&expected_path, &rendered).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if rendered != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}\n--- got\n{rendered}",
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
