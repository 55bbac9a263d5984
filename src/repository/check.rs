//! `segflow check` as data: every problem of the rule, workflow and template files, each with
//! its file, start and end position, code and help, for the text rendering and for the
//! machine formats (`check_format`) that CI and editors read.

use super::{load_rules, load_workflows, LoadError, Paths};
use crate::dsl::diagnostic::FileDiagnostic;
use crate::mail::templates::{TemplateError, Templates};

/// One problem, located in its file (1-based lines and columns in characters).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
    /// The error code (`E002`) of a rule or workflow problem; `T001` for a template's.
    pub code: String,
    pub message: String,
    pub help: Option<String>,
}

/// The code of every template problem, which has no finer kinds yet.
pub const TEMPLATE_CODE: &str = "T001";

/// The code of an unlocated failure to load the repository (a missing rules directory, a
/// workflow whose mail settings cannot be built); code-scanning tools need a rule for every result.
pub const FAILURE_CODE: &str = "L001";

/// What `check` found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Located problems of the rule and workflow files, for their rendering with source lines.
    pub diagnostics: Vec<FileDiagnostic>,
    /// A problem that is not located in a file (no rules directory, an unusable mail setting).
    pub failure: Option<String>,
    pub templates: Vec<TemplateError>,
    pub segments: usize,
    pub workflows: usize,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.diagnostics.is_empty() && self.failure.is_none() && self.templates.is_empty()
    }

    /// Every problem as data, rules and workflows first, in file order within each.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out: Vec<Problem> = self.diagnostics.iter().map(from_diagnostic).collect();
        out.extend(self.templates.iter().map(|t| Problem {
            file: t.file.display().to_string(),
            line: t.line,
            column: t.column,
            end_line: None,
            end_column: None,
            code: TEMPLATE_CODE.into(),
            message: t.message.clone(),
            help: None,
        }));
        out
    }
}

fn from_diagnostic(d: &FileDiagnostic) -> Problem {
    let position = |offset: usize| d.file.line_col(offset);
    let start = d.diagnostic.span.map(|s| position(s.start));
    let end = d.diagnostic.span.map(|s| position(s.end.max(s.start)));
    Problem {
        file: d.file.name.clone(),
        line: start.map(|p| p.0),
        column: start.map(|p| p.1),
        end_line: end.map(|p| p.0),
        end_column: end.map(|p| p.1),
        code: d.diagnostic.code.as_str().into(),
        message: d.diagnostic.message.clone(),
        help: d.diagnostic.help.clone(),
    }
}

/// Checks everything: the rules, then (when they load) the workflows against them, and the
/// templates in any case, so one run reports every problem it can find.
pub fn check(paths: &Paths, template_fuel: u64) -> CheckReport {
    let mut report = CheckReport::default();
    match load_rules(paths) {
        Ok(set) => {
            report.segments = set.segments.len();
            match load_workflows(paths, &set) {
                Ok(w) => report.workflows = w.workflows.len(),
                Err(e) => report.record(e),
            }
        }
        Err(e) => report.record(e),
    }
    let (templates, mut problems) = Templates::load_all(&paths.templates, template_fuel);
    problems.extend(crate::mail::template_check::check(&templates));
    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    report.templates = problems;
    report
}

impl CheckReport {
    fn record(&mut self, error: LoadError) {
        match error {
            LoadError::Diagnostics(ds) => self.diagnostics.extend(ds),
            other => self.failure = Some(other.to_string()),
        }
    }
}
