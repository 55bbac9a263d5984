//! `segflow test`: rule tests as files in the merchant's repository. Each test writes a tiny
//! shop into a store in memory, evaluates the repository's segments at the test's `now` with
//! both evaluators (columnar and SQL), and compares the members with the expected ones, so a
//! change to a rule that selects the wrong customers fails before it reaches a real shop.

mod file;

use std::path::{Path, PathBuf};

use crate::compile::columnar::Program;
use crate::compile::sql::SqlQuery;
use crate::config::Config;
use crate::segment::SegmentSet;
use crate::store::snapshot::Snapshot;

pub use file::{RuleTest, TestFileError};

/// What one segment of one test found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentOutcome {
    pub segment: String,
    pub expected: Vec<String>,
    /// The members by the columnar evaluator (merchant ids, sorted).
    pub columnar: Vec<String>,
    /// The members by the SQL evaluator.
    pub sql: Vec<String>,
}

impl SegmentOutcome {
    pub fn passed(&self) -> bool {
        self.columnar == self.expected && self.sql == self.expected
    }
}

/// What one test file found, or why it could not run.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub name: String,
    pub file: PathBuf,
    pub result: Result<Vec<SegmentOutcome>, String>,
}

impl TestOutcome {
    pub fn passed(&self) -> bool {
        self.result
            .as_ref()
            .is_ok_and(|s| s.iter().all(SegmentOutcome::passed))
    }
}

/// The test files of `dir` (`*.yaml`), by name; none when the folder does not exist.
pub fn test_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = read
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    files
}

/// Runs one test file against the segments of `set`.
pub fn run(file: &Path, set: &SegmentSet, config: &Config) -> TestOutcome {
    let name = file
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let result = RuleTest::load(file)
        .map_err(|e| e.message)
        .and_then(|test| evaluate(&test, set, config));
    TestOutcome {
        name,
        file: file.to_path_buf(),
        result,
    }
}

fn evaluate(
    test: &RuleTest,
    set: &SegmentSet,
    config: &Config,
) -> Result<Vec<SegmentOutcome>, String> {
    let store = |e: &dyn std::fmt::Display| format!("writing the test's shop: {e}");
    let mut conn = crate::store::open_in_memory().map_err(|e| store(&e))?;
    crate::store::order_status::sync(&mut conn, &config.shop.uncounted_statuses)
        .map_err(|e| store(&e))?;
    {
        let tx = conn.transaction().map_err(|e| store(&e))?;
        let item = |section: &str, i: usize, e: &dyn std::fmt::Display| {
            format!("writing the test's shop: {section}[{i}]: {e}")
        };
        for (i, c) in test.customers.iter().enumerate() {
            crate::ingest::write::customer(&tx, c).map_err(|e| item("customers", i, &e))?;
        }
        for (i, o) in test.orders.iter().enumerate() {
            crate::ingest::write::order(&tx, o).map_err(|e| item("orders", i, &e))?;
        }
        for (i, e) in test.events.iter().enumerate() {
            crate::ingest::write::event(&tx, e, test.now).map_err(|e| item("events", i, &e))?;
        }
        tx.commit().map_err(|e| store(&e))?;
    }
    if test.expect.keys().any(|s| {
        set.get(s)
            .is_some_and(|s| crate::repository::uses_scores(&s.expr))
    }) {
        // A test's shop has no stored fit, so the models are fitted on its own customers; a
        // fit that fails on so few leaves `predicted.*` missing, as it would in a real shop.
        let options = crate::repository::score_options(config);
        crate::analytics_store::fit_and_score(&mut conn, test.now, &options)
            .map_err(|e| store(&e))?;
    }
    let snapshot = Snapshot::load(&conn).map_err(|e| store(&e))?;
    let external = |ids: Vec<i64>| -> Result<Vec<String>, String> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let name = crate::store::customers::external(&conn, id)
                .map_err(|e| store(&e))?
                .unwrap_or_default();
            out.push(name);
        }
        out.sort();
        Ok(out)
    };
    let mut outcomes = Vec::new();
    for (segment, expected) in &test.expect {
        let Some(s) = set.get(segment) else {
            let hint = crate::dsl::check::names::did_you_mean(segment, set.names())
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(format!("expect: no segment named `{segment}`{hint}"));
        };
        let program = Program::compile(&s.expr).map_err(|e| format!("{segment}: {e}"))?;
        let query = SqlQuery::compile(&s.expr).map_err(|e| format!("{segment}: {e}"))?;
        let sql = query
            .members(&conn, test.now)
            .map_err(|e| format!("{segment}: the SQL evaluator failed: {e}"))?;
        let expected = expected.clone();
        outcomes.push(SegmentOutcome {
            segment: segment.clone(),
            expected,
            columnar: external(program.members(&snapshot, test.now))?,
            sql: external(sql)?,
        });
    }
    Ok(outcomes)
}

/// The lines that explain a failed segment: who is missing, who should not be there, and
/// where the two evaluators disagree.
pub fn explain(o: &SegmentOutcome) -> Vec<String> {
    let mut lines = Vec::new();
    let got = &o.columnar;
    let missing: Vec<&str> = o
        .expected
        .iter()
        .filter(|e| !got.contains(e))
        .map(String::as_str)
        .collect();
    let extra: Vec<&str> = got
        .iter()
        .filter(|g| !o.expected.contains(g))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        lines.push(format!("expected but not selected: {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        lines.push(format!("selected but not expected: {}", extra.join(", ")));
    }
    if o.sql != o.columnar {
        lines.push(format!(
            "the SQL evaluator selects [{}] where the columnar one selects [{}]: a segflow bug, please report it",
            o.sql.join(", "),
            o.columnar.join(", ")
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(expected: &[&str], columnar: &[&str], sql: &[&str]) -> SegmentOutcome {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect();
        SegmentOutcome {
            segment: "vip".into(),
            expected: v(expected),
            columnar: v(columnar),
            sql: v(sql),
        }
    }

    #[test]
    fn a_segment_passes_only_when_both_evaluators_select_the_expected_members() {
        assert!(outcome(&["ana"], &["ana"], &["ana"]).passed());
        let split = outcome(&["ana"], &["ana"], &["ana", "ben"]);
        assert!(!split.passed());
        assert_eq!(
            explain(&split),
            ["the SQL evaluator selects [ana, ben] where the columnar one selects [ana]: a segflow bug, please report it"]
        );
        assert_eq!(
            explain(&outcome(&["ana", "cem"], &["ben", "cem"], &["ben", "cem"])),
            [
                "expected but not selected: ana",
                "selected but not expected: ben"
            ]
        );
    }
}
