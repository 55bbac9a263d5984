//! Reading and checking the rule and workflow files, with one error type for everything that
//! can be wrong with them.

use std::path::PathBuf;

use super::Paths;
use crate::dsl::diagnostic::{render, FileDiagnostic};
use crate::segment::SegmentSet;
use crate::workflow::Workflows;

/// Why the merchant's files cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the rules directory {} does not exist; create it or pass --rules DIR (segflow init scaffolds one)", .0.display())]
    NoRules(PathBuf),
    /// Problems located in the files, rendered with their source lines.
    #[error("{}", render(.0, false))]
    Diagnostics(Vec<FileDiagnostic>),
    #[error("segment {segment}: {source}")]
    Compile {
        segment: String,
        source: crate::compile::CompileError,
    },
    /// The templates or the mail settings the workflows send with.
    #[error("{0}")]
    Mail(String),
}

/// Loads and checks every rule file.
pub fn load_rules(paths: &Paths) -> Result<SegmentSet, LoadError> {
    if !paths.rules.is_dir() {
        return Err(LoadError::NoRules(paths.rules.clone()));
    }
    SegmentSet::load_dir(&paths.rules).map_err(LoadError::Diagnostics)
}

/// Loads and checks every workflow against the segments and the template names.
pub fn load_workflows(paths: &Paths, segments: &SegmentSet) -> Result<Workflows, LoadError> {
    let templates = paths.template_names();
    Workflows::load_dir(&paths.workflows, segments, Some(&templates))
        .map_err(LoadError::Diagnostics)
}
