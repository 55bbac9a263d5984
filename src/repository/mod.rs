//! The merchant's repository: where its rule, workflow and template files are, and the one
//! loader every consumer uses to read, check and compile them (the CLI, the daemon and its hot
//! reload, the demo). Keeping it in one place means a rule loads the same way wherever it
//! runs, and "refresh every segment" (which first re-scores the customer models when a
//! segment reads them) has one definition, in `refresh`.

pub mod check;
pub mod check_format;
pub mod diff;
pub mod diff_text;
mod fingerprint;
mod generation;
mod load;
pub mod overlay;
pub mod refresh;
pub mod revision;
pub mod schemas;

use std::path::{Path, PathBuf};

use crate::config::Config;

pub use check::{check, CheckReport, Problem};
pub use fingerprint::fingerprint;
pub use generation::{CompiledSegment, Generation};
pub use load::{load_rules, load_workflows, LoadError};
pub use refresh::{refresh_all, rescore, score_options, uses_scores, AllRefreshed};

/// Where the merchant's files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub rules: PathBuf,
    /// The workflow files: `workflows/` beside the rules directory.
    pub workflows: PathBuf,
    /// The template folders.
    pub templates: PathBuf,
    /// The rule tests (`segflow test`): `tests/` beside the rules directory.
    pub tests: PathBuf,
}

impl Paths {
    /// The folders of `config`, with `rules` (from `--rules`) in place of `[rules] dir`.
    ///
    /// Workflows live in `workflows/` beside the rules directory, so a `--rules` elsewhere
    /// brings its own workflows. Templates are `[mail] templates_dir` when it is set to
    /// something other than its default, else `templates/` in that workflows directory.
    pub fn resolve(config: &Config, rules: Option<&Path>) -> Paths {
        let rules = rules.map_or_else(|| config.rules.dir.clone(), Path::to_path_buf);
        let workflows = rules
            .parent()
            .map_or_else(|| PathBuf::from("workflows"), |p| p.join("workflows"));
        let configured = &config.mail.templates_dir;
        let default = crate::mail::MailConfig::default().templates_dir;
        let templates = if configured == &default || configured.ends_with(&default) {
            workflows.join("templates")
        } else {
            configured.clone()
        };
        let tests = rules
            .parent()
            .map_or_else(|| PathBuf::from("tests"), |p| p.join("tests"));
        Paths {
            rules,
            workflows,
            templates,
            tests,
        }
    }

    /// The template names: the folders of the template directory; none when it does not
    /// exist yet, so a workflow that sends a template is reported where it names it.
    pub fn template_names(&self) -> Vec<String> {
        crate::workflow::template_names(&self.templates)
    }
}
