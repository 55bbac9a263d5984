//! Reading a directory of YAML definition files (`rules/`, `workflows/`) for checking.
//!
//! Both kinds of definitions are one file per item, named after it, and both want every
//! unreadable file reported beside the other diagnostics rather than stopping at the first.

use std::path::Path;
use std::sync::Arc;

use crate::dsl::diagnostic::{Code, Diagnostic, FileDiagnostic, SourceFile};

/// The `*.yaml` and `*.yml` files of `dir` in name order, each with its file stem, and a
/// diagnostic for each file that could not be read. `what` names the directory in messages.
pub type YamlFiles = (Vec<(Arc<SourceFile>, String)>, Vec<FileDiagnostic>);

pub fn read_yaml_dir(dir: &Path, what: &str) -> Result<YamlFiles, Vec<FileDiagnostic>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![whole_file(
            &dir.display().to_string(),
            format!("cannot read the {what} directory {}: {e}", dir.display()),
        )]
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    paths.sort();
    let (mut files, mut diagnostics) = (Vec::new(), Vec::new());
    for path in paths {
        let display = path.display().to_string();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push((SourceFile::new(display, text), stem)),
                Err(_) => {
                    diagnostics.push(whole_file(&display, "the file is not valid UTF-8".into()))
                }
            },
            Err(e) => diagnostics.push(whole_file(&display, format!("cannot read the file: {e}"))),
        }
    }
    Ok((files, diagnostics))
}

/// A problem with a file as a whole (unreadable, not UTF-8), with no position in it.
pub fn whole_file(name: &str, message: String) -> FileDiagnostic {
    FileDiagnostic {
        diagnostic: Diagnostic::whole_file(Code::BadFile, message),
        file: SourceFile::new(name, ""),
    }
}
