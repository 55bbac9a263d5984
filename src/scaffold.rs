//! `segflow init`: a new merchant repository in which every command works at once.
//!
//! A bare repository has `segflow.toml`, one rule, an empty `workflows/` and an empty
//! `workflows/templates/`, so `segflow check` and `segflow run` start without further setup.
//! With `--examples` it also receives the starter rules, workflows and templates of this
//! repository, embedded in the binary by `build.rs`, so the merchant has campaigns to adapt
//! instead of a blank page. Nothing that exists is ever overwritten.

use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/examples.rs"));

/// Why a repository could not be scaffolded.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("{} already exists; segflow init does not overwrite a repository (pick another folder or remove the file)", .0.display())]
    Exists(PathBuf),
    #[error("cannot create {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The rule every new repository starts with, so `segflow check` has something to check.
const STARTER_RULE: &str = r#"# yaml-language-server: $schema=../schemas/rules.schema.json
segment: repeat_buyers
description: Customers with at least two orders in the last year
where: orders(within 365d).count() >= 2
"#;

const GITIGNORE: &str =
    "segflow.db\nsegflow.db-wal\nsegflow.db-shm\nsegflow.daemon.lock\nsegflow.sender.lock\n*.rejects.csv\noutbox/\n";

/// The files of a bare repository: (path relative to the repository, text).
fn bare_files() -> [(&'static str, &'static str); 7] {
    use crate::repository::schemas::{schema, SchemaKind};
    [
        ("segflow.toml", crate::config::TEMPLATE),
        ("rules/repeat_buyers.yaml", STARTER_RULE),
        // Git keeps no empty folders; the marker keeps `workflows/templates/` in a clone.
        ("workflows/templates/.gitkeep", ""),
        (".gitignore", GITIGNORE),
        // For editors: the starter rule and segflow.toml name these (`segflow schema`).
        ("schemas/rules.schema.json", schema(SchemaKind::Rules)),
        (
            "schemas/workflows.schema.json",
            schema(SchemaKind::Workflows),
        ),
        ("schemas/config.schema.json", schema(SchemaKind::Config)),
    ]
}

/// Creates a repository in `dir` (made if missing) and returns the files written, in order.
/// With `examples`, the starter rules, workflows and templates are written too. Fails before
/// writing anything if `dir` already holds a `segflow.toml`.
pub fn init(dir: &Path, examples: bool) -> Result<Vec<PathBuf>, ScaffoldError> {
    let config = dir.join("segflow.toml");
    if config.exists() {
        return Err(ScaffoldError::Exists(config));
    }
    let extra: &[(&str, &str)] = if examples { EXAMPLE_FILES } else { &[] };
    let mut written = Vec::new();
    for (name, text) in bare_files().iter().chain(extra) {
        let path = dir.join(name);
        if path.exists() {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ScaffoldError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| ScaffoldError::Io {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_examples_hold_the_starter_rules_workflows_and_templates() {
        let has = |name: &str| EXAMPLE_FILES.iter().any(|(n, _)| *n == name);
        assert!(has("rules/vip.yaml"));
        assert!(has("workflows/abandoned_checkout.yaml"));
        assert!(has("workflows/templates/cart_reminder/body.html"));
        assert!(has("workflows/templates/_shared/footer.html"));
        assert!(EXAMPLE_FILES.iter().all(|(n, _)| !n.contains('\\')));
    }
}
