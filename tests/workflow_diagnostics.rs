//! Workflow diagnostics as `segflow check` renders them: each folder of
//! tests/cases/workflows holds workflow files (checked against the example rules in rules/ and
//! the template names below) and an expected.txt; a folder with a `rules/` subfolder is a rules
//! directory instead, for DSL constructs that only workflows may use.
//!
//! `SEGFLOW_BLESS=1 cargo test --test workflow_diagnostics` rewrites expected.txt files.

mod common;

use std::path::Path;

use segflow::dsl::diagnostic::render;
use segflow::segment::SegmentSet;
use segflow::workflow::Workflows;

/// The template folders of the example repository (`_shared` holds partials, not templates).
fn templates() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/templates");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('_'))
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
    names
}

fn segments() -> SegmentSet {
    SegmentSet::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap()
}

#[test]
fn workflow_diagnostics_render_as_expected() {
    let segments = segments();
    common::check_diagnostic_cases(&common::cases_dir().join("workflows"), 8, |dir| {
        let rules = dir.join("rules");
        if rules.is_dir() {
            SegmentSet::load_dir(&rules).err()
        } else {
            Workflows::load_dir(dir, &segments, Some(&templates())).err()
        }
    });
}

#[test]
fn example_workflows_check_without_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows");
    let set = Workflows::load_dir(&dir, &segments(), Some(&templates()))
        .unwrap_or_else(|ds| panic!("{}", render(&ds, false)));
    assert!(
        set.workflows.len() >= 6,
        "{} workflows",
        set.workflows.len()
    );
}

#[test]
fn every_template_must_exist() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows");
    if !dir.is_dir() {
        return;
    }
    let errs = Workflows::load_dir(&dir, &segments(), Some(&[])).unwrap_err();
    assert!(errs.iter().all(|d| d.diagnostic.code.as_str() == "E013"));
    assert!(errs.len() >= 6);
}
