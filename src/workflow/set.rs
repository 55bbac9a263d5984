//! `Workflows`: every workflow file of a directory, loaded and checked together so that
//! `segflow check` reports all problems of all files at once.

use std::path::Path;
use std::sync::Arc;

use super::definition::Workflow;
use super::file::{self, World};
use crate::dsl::diagnostic::{Code, Diagnostic, FileDiagnostic, SourceFile};
use crate::segment::SegmentSet;

/// The checked workflows of a merchant repository, sorted by name.
#[derive(Clone, Debug, Default)]
pub struct Workflows {
    pub workflows: Vec<Workflow>,
}

impl Workflows {
    pub fn get(&self, name: &str) -> Option<&Workflow> {
        self.workflows.iter().find(|w| w.name == name)
    }

    /// `(workflow, split step id, metric)` of every split of every workflow.
    pub fn split_metrics(&self) -> Vec<(String, String, super::definition::Metric)> {
        self.workflows
            .iter()
            .flat_map(|w| {
                super::definition::split_metrics(&w.steps)
                    .into_iter()
                    .map(|(step, metric)| (w.name.clone(), step, metric))
            })
            .collect()
    }

    /// Loads every `*.yaml` in `dir` (a missing directory means no workflows), checked against
    /// the segments and the template names (`None`: template names are not checked).
    pub fn load_dir(
        dir: &Path,
        segments: &SegmentSet,
        templates: Option<&[String]>,
    ) -> Result<Workflows, Vec<FileDiagnostic>> {
        if !dir.is_dir() {
            return Ok(Workflows::default());
        }
        let (files, mut diagnostics) = crate::segment::yaml_dir::read_yaml_dir(dir, "workflows")?;
        match Workflows::from_files(files, segments, templates) {
            Ok(w) if diagnostics.is_empty() => Ok(w),
            Ok(_) => Err(diagnostics),
            Err(more) => {
                diagnostics.extend(more);
                Err(diagnostics)
            }
        }
    }

    /// Checks workflow files given as (file, file stem) pairs.
    pub fn from_files(
        files: Vec<(Arc<SourceFile>, String)>,
        segments: &SegmentSet,
        templates: Option<&[String]>,
    ) -> Result<Workflows, Vec<FileDiagnostic>> {
        let world = World {
            segments,
            templates,
        };
        let mut diagnostics = Vec::new();
        let mut workflows: Vec<Workflow> = Vec::new();
        for (f, stem) in files {
            match file::parse(f.clone(), &stem, &world) {
                Ok(w) => {
                    if workflows.iter().any(|o| o.name == w.name) {
                        diagnostics.push(FileDiagnostic {
                            diagnostic: Diagnostic::whole_file(
                                Code::BadFile,
                                format!("workflow `{}` is defined twice", w.name),
                            ),
                            file: f,
                        });
                    } else {
                        workflows.push(w);
                    }
                }
                Err(ds) => diagnostics.extend(ds.into_iter().map(|d| FileDiagnostic {
                    diagnostic: d,
                    file: f.clone(),
                })),
            }
        }
        if !diagnostics.is_empty() {
            return Err(diagnostics);
        }
        workflows.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Workflows { workflows })
    }
}

/// The template names of a repository: the folders of `workflows/templates/`, sorted, without
/// the `_` folders of shared partials (which cannot be sent); none when the folder is missing.
pub fn template_names(templates_dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(templates_dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .filter(|name| !name.starts_with('_'))
        .collect();
    names.sort();
    names
}
