//! One consistent set of what the merchant wrote: segments, workflows and templates, checked
//! together and compiled, plus the fingerprint of the files they came from.
//!
//! Hot reload builds a new generation whenever the fingerprint changes and swaps it in only if
//! every file checks; otherwise the errors are reported and the running generation stays, so a
//! typo saved in an editor never stops the daemon or sends mail from half-edited rules.

use super::{fingerprint, load_rules, load_workflows, LoadError, Paths};
use crate::compile::columnar::Program;
use crate::config::Config;
use crate::schedule::Cadence;
use crate::segment::SegmentSet;
use crate::workflow::{OutboxDispatcher, Workflows};

/// A compiled segment.
pub struct CompiledSegment {
    pub name: String,
    pub program: Program,
    pub refresh: Cadence,
    /// Whether the condition reads a stored model score, so the scores must be brought up to
    /// date before the segment's full refresh.
    pub uses_scores: bool,
}

impl CompiledSegment {
    /// Compiles every segment of `set`; a segment without a `refresh:` of its own is refreshed
    /// on `default_refresh`.
    pub fn compile_all(
        set: &SegmentSet,
        default_refresh: &Cadence,
    ) -> Result<Vec<CompiledSegment>, LoadError> {
        set.segments
            .iter()
            .map(|s| {
                let program = Program::compile(&s.expr).map_err(|source| LoadError::Compile {
                    segment: s.name.clone(),
                    source,
                })?;
                Ok(CompiledSegment {
                    name: s.name.clone(),
                    program,
                    refresh: s.refresh.clone().unwrap_or_else(|| default_refresh.clone()),
                    uses_scores: super::uses_scores(&s.expr),
                })
            })
            .collect()
    }
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
    /// Loads, checks and compiles everything.
    pub fn load(paths: &Paths, config: &Config) -> Result<Generation, LoadError> {
        let fingerprint = fingerprint(paths);
        let set = load_rules(paths)?;
        let workflows = load_workflows(paths, &set)?;
        let (dispatcher, warning) =
            OutboxDispatcher::from_config(config, &paths.templates, &workflows)
                .map_err(LoadError::Mail)?;
        let default_refresh = Cadence::Every {
            millis: config.daemon.refresh_every.max(60_000),
        };
        Ok(Generation {
            segments: CompiledSegment::compile_all(&set, &default_refresh)?,
            workflows,
            dispatcher,
            fingerprint,
            warning,
        })
    }

    /// Whether any segment reads a stored model score.
    pub fn uses_scores(&self) -> bool {
        self.segments.iter().any(|s| s.uses_scores)
    }
}
