//! The JSON Schemas (draft 2020-12) of the merchant's files, committed under `schemas/` and
//! printed by `segflow schema`, so that yaml-language-server and Taplo validate and complete
//! rule files, workflow files and segflow.toml without segflow. They describe the shapes
//! segflow accepts; the conditions inside are checked by `segflow check` only.

/// Which file kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    Rules,
    Workflows,
    Config,
}

/// The schema of `kind`, as committed.
pub fn schema(kind: SchemaKind) -> &'static str {
    match kind {
        SchemaKind::Rules => include_str!("../../schemas/rules.schema.json"),
        SchemaKind::Workflows => include_str!("../../schemas/workflows.schema.json"),
        SchemaKind::Config => include_str!("../../schemas/config.schema.json"),
    }
}
