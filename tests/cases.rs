//! File-based test cases (tests/cases): every example rule and every example of GRAMMAR.md runs
//! through both evaluators over the hand-written shop and must return the expected members;
//! every diagnostics case must render exactly as its expected.txt. The shop's model scores are
//! computed first (`segflow model fit` at its NOW), so examples may use model fields.
//!
//! `SEGFLOW_BLESS=1 cargo test --test cases` rewrites the expected diagnostics after a deliberate
//! change; review the diff before committing it.

mod common;

use std::path::Path;

use segflow::dsl::diagnostic::render;
use segflow::dsl::{check, parser, span::OffsetMap};
use segflow::segment::SegmentSet;
use segflow::store::snapshot::Snapshot;

/// The hand-written shop with its model scores computed at its NOW, so rules and examples can
/// use `rfm.*`, `lifecycle` and `predicted.*`.
fn scored_shop(dir: &Path) -> rusqlite::Connection {
    let mut conn = common::shop_db(dir);
    let options = segflow::analytics_store::ScoreOptions::default();
    let report =
        segflow::analytics_store::fit_and_score(&mut conn, common::shop_now(), &options).unwrap();
    assert!(report.fit.is_some(), "{:?}", report.fit_error);
    conn
}

#[test]
fn example_rules_select_the_expected_members() {
    let dir = tempfile::tempdir().unwrap();
    let conn = scored_shop(dir.path());
    let snapshot = Snapshot::load(&conn).unwrap();
    let now = common::shop_now();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let set = SegmentSet::load_dir(&rules).unwrap_or_else(|ds| panic!("{}", render(&ds, false)));
    let expected_dir = common::cases_dir().join("segments");
    let mut failures = Vec::new();
    for segment in &set.segments {
        let path = expected_dir.join(format!("{}.members", segment.name));
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!("rule {} has no test case {}", segment.name, path.display())
        });
        let expected: Vec<String> = expected
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        let got = common::members_both(&conn, &snapshot, &segment.expr, now, &segment.name);
        if got != expected {
            failures.push(format!(
                "{}: expected {:?}, got {:?}",
                segment.name, expected, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let cases = std::fs::read_dir(&expected_dir).unwrap().count();
    assert_eq!(
        cases,
        set.segments.len(),
        "a .members file without a rule in rules/"
    );
}

/// Every ```segflow block of GRAMMAR.md is an expression followed by `# members: ...`.
#[test]
fn grammar_examples_select_the_documented_members() {
    let dir = tempfile::tempdir().unwrap();
    let conn = scored_shop(dir.path());
    let snapshot = Snapshot::load(&conn).unwrap();
    let now = common::shop_now();
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("GRAMMAR.md")).unwrap();
    let ctx = check::Context::rules(vec![]);
    let mut count = 0;
    let mut failures = Vec::new();
    for block in doc.split("```segflow\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let expected_line = block
            .lines()
            .find(|l| l.starts_with("# members:"))
            .unwrap_or_else(|| panic!("no `# members:` line in:\n{block}"));
        let mut expected: Vec<String> = expected_line["# members:".len()..]
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty() && s != "none")
            .collect();
        expected.sort();
        let node = parser::parse(block, &OffsetMap::identity(block.len()))
            .unwrap_or_else(|d| panic!("{block}: {d:?}"));
        let checked = check::check(&node, &ctx).unwrap_or_else(|d| panic!("{block}: {d:?}"));
        let got = common::members_both(&conn, &snapshot, &checked.expr, now, block);
        if got != expected {
            failures.push(format!("{}expected {:?}, got {:?}", block, expected, got));
        }
        count += 1;
    }
    assert!(
        count >= 30,
        "GRAMMAR.md should document every construct, found {count} examples"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Each folder of tests/cases/diagnostics is a rules directory with an expected.txt.
#[test]
fn diagnostics_render_as_expected() {
    common::check_diagnostic_cases(&common::cases_dir().join("diagnostics"), 15, |dir| {
        SegmentSet::load_dir(dir).err()
    });
}
