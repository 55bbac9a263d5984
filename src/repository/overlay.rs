//! The merchant's rule and workflow files as an editor has them: the files on disk with each
//! open document's unsaved text in place of its file (or beside them, for a new file), checked
//! by the same checks as `segflow check`, so the language server reports what the command
//! would report once the files are saved.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Paths;
use crate::dsl::diagnostic::{FileDiagnostic, SourceFile};
use crate::segment::yaml_dir::{read_yaml_dir, YamlFiles};
use crate::segment::SegmentSet;
use crate::workflow::Workflows;

/// The outcome of one check of everything.
#[derive(Default)]
pub struct Checked {
    /// The segments, when every rule file checks.
    pub segments: Option<SegmentSet>,
    pub diagnostics: Vec<FileDiagnostic>,
}

/// The YAML files of `dir` with open documents in place of (or beside) their files.
fn yaml_files(
    docs: &BTreeMap<PathBuf, String>,
    dir: &Path,
    what: &str,
) -> Result<YamlFiles, Vec<FileDiagnostic>> {
    let (mut files, diagnostics) = if dir.is_dir() {
        read_yaml_dir(dir, what)?
    } else {
        (Vec::new(), Vec::new())
    };
    for (path, text) in docs {
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if !is_yaml || path.parent() != Some(dir) {
            continue;
        }
        let name = path.display().to_string();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let file = SourceFile::new(name.clone(), text.clone());
        match files.iter_mut().find(|(f, _)| f.name == name) {
            Some(slot) => slot.0 = file,
            None => files.push((file, stem)),
        }
    }
    files.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    Ok((files, diagnostics))
}

/// Checks the rules, then (when they load) the workflows against them, as `check` does, with
/// each open document's text in place of its file.
pub fn check(paths: &Paths, docs: &BTreeMap<PathBuf, String>) -> Checked {
    let mut diagnostics = Vec::new();
    let rules = match yaml_files(docs, &paths.rules, "rules") {
        Ok((files, unreadable)) => {
            diagnostics.extend(unreadable);
            SegmentSet::from_files(files)
        }
        Err(ds) => Err(ds),
    };
    let segments = match rules {
        Ok(set) if diagnostics.is_empty() => Some(set),
        Ok(_) => None,
        Err(ds) => {
            diagnostics.extend(ds);
            None
        }
    };
    if let Some(set) = &segments {
        let templates = paths.template_names();
        match yaml_files(docs, &paths.workflows, "workflows") {
            Ok((files, unreadable)) => {
                diagnostics.extend(unreadable);
                if let Err(ds) = Workflows::from_files(files, set, Some(&templates)) {
                    diagnostics.extend(ds);
                }
            }
            Err(ds) => diagnostics.extend(ds),
        }
    }
    Checked {
        segments,
        diagnostics,
    }
}
