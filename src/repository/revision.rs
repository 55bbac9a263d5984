//! The rule files of a git revision of the merchant's repository, read with the `git` command
//! (every machine with a clone has it; a library would add a C build for two read-only
//! commands), so `segflow diff` can compare what a change does.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use crate::dsl::diagnostic::SourceFile;

/// Why a revision cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RevisionError {
    #[error("cannot run git: {0}; install git, or run segflow diff inside a clone")]
    NoGit(std::io::Error),
    #[error("git {command}: {message}")]
    Git { command: String, message: String },
}

fn git(dir: &Path, args: &[&str]) -> Result<String, RevisionError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(RevisionError::NoGit)?;
    if !out.status.success() {
        return Err(RevisionError::Git {
            command: args.join(" "),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The revision a change is compared with by default: where HEAD left the main branch
/// (`main`, else `master`), else HEAD itself.
pub fn default_base(dir: &Path) -> Result<String, RevisionError> {
    for branch in ["main", "master"] {
        if let Ok(base) = git(dir, &["merge-base", "HEAD", branch]) {
            return Ok(base.trim().to_string());
        }
    }
    Ok(git(dir, &["rev-parse", "HEAD"])?.trim().to_string())
}

/// The `*.yaml` files of `rules` as they are in `rev`, each with its file stem, named as in the
/// working tree so that problems read the same at both sides.
pub fn rule_files_at(
    rules: &Path,
    rev: &str,
) -> Result<Vec<(Arc<SourceFile>, String)>, RevisionError> {
    git(
        rules,
        &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
    )?;
    let prefix = git(rules, &["rev-parse", "--show-prefix"])?;
    let prefix = prefix.trim();
    let top = git(rules, &["rev-parse", "--show-toplevel"])?;
    let top = Path::new(top.trim());
    // Listed from the top, where `ls-tree` applies no prefix of the current directory.
    let tree = match prefix.trim_end_matches('/') {
        "" => format!("{rev}^{{tree}}"),
        dir => format!("{rev}:{dir}"),
    };
    // A revision before the rules directory existed has no rules.
    let Ok(listing) = git(top, &["ls-tree", "--name-only", &tree]) else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    for name in listing.lines() {
        let stem = match name.rsplit_once('.') {
            Some((stem, "yaml" | "yml")) => stem.to_string(),
            _ => continue,
        };
        let text = git(top, &["show", &format!("{rev}:{prefix}{name}")])?;
        let shown = rules.join(name).display().to_string();
        files.push((SourceFile::new(shown, text), stem));
    }
    Ok(files)
}
