//! One consistent set of what the merchant wrote: segments, workflows and templates, checked
//! together and compiled, plus the fingerprint of the files they came from.
//!
//! Hot reload builds a new generation whenever the fingerprint changes and swaps it in only if
//! every file checks; otherwise the errors are reported and the running generation stays, so a
//! typo saved in an editor never stops the daemon or sends mail from half-edited rules.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::compile::columnar::Program;
use crate::config::Config;
use crate::dsl::diagnostic::render;
use crate::segment::SegmentSet;
use crate::workflow::{OutboxDispatcher, Workflows};

/// Where the merchant's files are.
#[derive(Debug, Clone)]
pub struct Paths {
    pub rules: PathBuf,
    pub workflows: PathBuf,
    pub templates: PathBuf,
}

/// A compiled segment.
pub struct CompiledSegment {
    pub name: String,
    pub program: Program,
    pub refresh: crate::schedule::Cadence,
}

pub struct Generation {
    pub segments: Vec<CompiledSegment>,
    pub workflows: Workflows,
    pub dispatcher: OutboxDispatcher,
    pub fingerprint: u64,
    /// Shown once at start-up (the development secret standing in, for example).
    pub warning: Option<String>,
}

impl Generation {
    /// Loads and checks everything; `Err` is the rendered list of problems.
    pub fn load(paths: &Paths, config: &Config) -> Result<Generation, String> {
        let fingerprint = fingerprint(paths);
        if !paths.rules.is_dir() {
            return Err(format!(
                "the rules directory {} does not exist; create it or pass --rules DIR",
                paths.rules.display()
            ));
        }
        let set = SegmentSet::load_dir(&paths.rules).map_err(|d| render(&d, false))?;
        // A missing template folder means no templates, as for `segflow check`.
        let templates = crate::workflow::template_names(&paths.templates);
        let workflows = Workflows::load_dir(&paths.workflows, &set, Some(&templates))
            .map_err(|d| render(&d, false))?;
        let (dispatcher, warning) =
            OutboxDispatcher::from_config(config, &paths.templates, &workflows)?;
        let default_refresh = crate::schedule::Cadence::Every {
            millis: config.daemon.refresh_every.max(60_000),
        };
        let mut segments = Vec::with_capacity(set.segments.len());
        for s in &set.segments {
            let program =
                Program::compile(&s.expr).map_err(|e| format!("segment {}: {e}", s.name))?;
            segments.push(CompiledSegment {
                name: s.name.clone(),
                program,
                refresh: s.refresh.clone().unwrap_or_else(|| default_refresh.clone()),
            });
        }
        Ok(Generation {
            segments,
            workflows,
            dispatcher,
            fingerprint,
            warning,
        })
    }
}

/// A hash of the names, sizes and modification times of every file under the three folders:
/// cheap enough to poll every few seconds, and any save in an editor changes it.
pub fn fingerprint(paths: &Paths) -> u64 {
    let mut entries = Vec::new();
    for dir in [&paths.rules, &paths.workflows, &paths.templates] {
        collect(dir, 0, &mut entries);
    }
    entries.sort();
    let mut text = String::new();
    for (path, len, modified) in entries {
        text.push_str(&format!("{}\0{len}\0{modified}\n", path.display()));
    }
    crate::store::import::events::content_hash(&[&text]) as u64
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<(PathBuf, u64, u128)>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            if depth < 3 {
                collect(&path, depth + 1, out);
            }
            continue;
        }
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        out.push((path, meta.len(), modified));
    }
}
