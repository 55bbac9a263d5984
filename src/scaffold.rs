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

/// A rule test of the starter rule (`segflow test`): who is a repeat buyer and who is not.
const STARTER_TEST: &str = r#"# A rule test: a tiny shop, the time to evaluate at, and the members each segment must have.
# `segflow test` runs every tests/*.yaml through both evaluators.
now: 2026-11-01
customers:
  - { id: ana, email: ana@example.com, created_at: 2025-03-01 }
  - { id: ben, email: ben@example.com, created_at: 2024-06-01 }
  - { id: cem, email: cem@example.com, created_at: 2026-01-15 }
orders:
  # Ana ordered twice within the last year: a repeat buyer.
  - { id: o1, customer_id: ana, placed_at: 2026-03-20, total: "40.00" }
  - { id: o2, customer_id: ana, placed_at: 2026-10-20, total: "60.00" }
  # Ben's first order is more than a year old, so only one counts.
  - { id: o3, customer_id: ben, placed_at: 2024-10-20, total: "60.00" }
  - { id: o4, customer_id: ben, placed_at: 2026-10-21, total: "60.00" }
  # Cem ordered once.
  - { id: o5, customer_id: cem, placed_at: 2026-02-01, total: "25.00",
      items: [{ product_id: socks, quantity: 5, price: "5.00" }] }
expect:
  repeat_buyers: [ana]
"#;

const GITIGNORE: &str =
    "segflow.db\nsegflow.db-wal\nsegflow.db-shm\nsegflow.daemon.lock\nsegflow.sender.lock\nsegflow.webhooks.lock\n*.rejects.csv\noutbox/\n";

/// The files of a bare repository: (path relative to the repository, text).
fn bare_files() -> [(&'static str, &'static str); 8] {
    use crate::repository::schemas::{schema, SchemaKind};
    [
        ("segflow.toml", crate::config::TEMPLATE),
        ("rules/repeat_buyers.yaml", STARTER_RULE),
        ("tests/repeat_buyers.yaml", STARTER_TEST),
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
