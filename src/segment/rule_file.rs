//! One rule file, `rules/NAME.yaml`: its YAML shape, and the parsed condition with spans that
//! point into the YAML file.
//!
//! The `where:` value is a YAML scalar whose decoded text does not sit at a fixed offset in the
//! file (quotes, escapes and block indentation move it), so the loader builds an `OffsetMap` by
//! walking the raw file text alongside the decoded string. Diagnostics then show the line and
//! column the merchant sees in the editor.

use std::sync::Arc;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::dsl::ast::Node;
use crate::dsl::diagnostic::{Code, Diagnostic, SourceFile};
use crate::dsl::parser;
use crate::dsl::span::Span;
use crate::dsl::yaml_span::{offset_map, scalar_span, yaml_error, YamlHelp};
use crate::schedule::Cadence;

use super::refresh_yaml::{self, RawRefresh};

const HELP: YamlHelp = YamlHelp {
    unknown_field: "a rule file has the keys segment, description, where, tags and refresh; `refresh` has `cron` (with an optional `timezone`) or `every`",
    missing_field: "a rule file needs at least `segment:` and `where:`",
    syntax: "check the YAML syntax: `key: value` pairs, and quotes around a condition that starts with a quote or contains `: `",
};

/// The keys a rule file may have; anything else is an error, so typos do not pass silently.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    segment: Spanned<String>,
    description: Option<String>,
    #[serde(rename = "where")]
    condition: Spanned<String>,
    #[serde(default)]
    tags: Vec<String>,
    refresh: Option<Spanned<RawRefresh>>,
}

/// A rule file that is valid YAML of the right shape and whose condition parses.
#[derive(Debug, Clone)]
pub struct RuleFile {
    pub name: String,
    pub name_span: Span,
    pub description: String,
    pub tags: Vec<String>,
    /// How often the daemon re-evaluates the segment; `None` when the file has no `refresh:`.
    pub refresh: Option<Cadence>,
    pub condition: Node,
    /// The condition as written, for display.
    pub condition_text: String,
    pub file: Arc<SourceFile>,
}

impl RuleFile {
    /// Parses a rule file. `stem` is the file name without `.yaml`, which must equal the segment
    /// name so that a merchant always finds a segment's definition by its name.
    pub fn parse(file: Arc<SourceFile>, stem: &str) -> Result<RuleFile, Vec<Diagnostic>> {
        let raw: RawRule = serde_saphyr::from_str(&file.text)
            .map_err(|e| vec![yaml_error(&file.text, &e, &HELP)])?;
        let mut diagnostics = Vec::new();
        let name_span = scalar_span(&file.text, &raw.segment);
        let name = raw.segment.value.clone();
        if !valid_name(&name) {
            diagnostics.push(
                Diagnostic::new(
                    Code::BadFile,
                    format!("invalid segment name `{name}`"),
                    name_span,
                    "invalid name",
                )
                .with_help(
                    "segment names use lowercase letters, digits and _ (for example high_value)",
                ),
            );
        } else if name != stem {
            diagnostics.push(
                Diagnostic::new(
                    Code::NameMismatch,
                    format!("segment `{name}` is defined in a file named `{stem}`"),
                    name_span,
                    "does not match the file name",
                )
                .with_help(format!(
                    "rename the file to {name}.yaml or the segment to `{stem}`"
                )),
            );
        }
        let refresh = match &raw.refresh {
            None => None,
            Some(r) => match refresh_yaml::cadence(&file.text, r) {
                Ok(c) => Some(c),
                Err(ds) => {
                    diagnostics.extend(ds);
                    None
                }
            },
        };
        let map = offset_map(&file.text, &raw.condition);
        let condition = match parser::parse(&raw.condition.value, &map) {
            Ok(node) => Some(node),
            Err(d) => {
                diagnostics.push(d);
                None
            }
        };
        match condition {
            Some(condition) if diagnostics.is_empty() => Ok(RuleFile {
                name,
                name_span,
                description: raw.description.unwrap_or_default(),
                tags: raw.tags,
                refresh,
                condition,
                condition_text: raw.condition.value,
                file,
            }),
            _ => Err(diagnostics),
        }
    }
}

pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
