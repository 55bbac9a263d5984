//! `segflow diff`: what a change to the rule files does on the current store. Both revisions'
//! segments are evaluated at the same `now`; per segment it says who would enter and leave,
//! what changed in the condition, which workflows would start journeys because of it, and
//! which `check` problems the change adds or fixes.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use serde::Serialize;

use crate::compile::columnar::Program;
use crate::dsl::diagnostic::FileDiagnostic;
use crate::segment::SegmentSet;
use crate::store::snapshot::Snapshot;
use crate::workflow::{Dispatcher, EngineError, Starts, Trigger, Workflows};

/// How many customers each way are named as examples.
pub const SAMPLES: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

/// One segment whose condition or members differ between the two sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentDiff {
    pub segment: String,
    pub status: Status,
    pub before: Option<usize>,
    pub after: Option<usize>,
    pub entered: usize,
    pub exited: usize,
    /// Merchant ids of a few customers who would enter and leave.
    pub entering: Vec<String>,
    pub leaving: Vec<String>,
    pub condition_before: Option<String>,
    pub condition_after: Option<String>,
}

/// A workflow triggered by a segment the change moves customers into or out of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowImpact {
    pub workflow: String,
    pub trigger: String,
    /// Journeys the change would start at the segment's next refresh: by the engine run on a
    /// copy of the store when the templates load, else the customers moved by the change.
    pub journeys: usize,
    /// Emails those journeys would queue within [`HORIZON`] of `now`, found by running the
    /// engine on a copy of the store; `None` when the workflows could not be run (a template
    /// or the mail settings do not load).
    pub emails: Option<usize>,
}

/// How far ahead the emails of the journeys a change starts are counted: one day.
pub const HORIZON: i64 = 24 * 3_600_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Problems {
    pub new: Vec<String>,
    pub fixed: Vec<String>,
    pub remaining: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub base: String,
    pub head: String,
    pub now: i64,
    pub customers: usize,
    pub segments: Vec<SegmentDiff>,
    pub workflows: Vec<WorkflowImpact>,
    pub problems: Problems,
    /// Set when a side's rules do not load, so no members of it could be compared.
    pub not_compared: Option<String>,
}

/// One side of the comparison: its segments, or the problems that keep them from loading.
pub type Side = Result<SegmentSet, Vec<FileDiagnostic>>;

fn problem_lines(side: &Side) -> BTreeSet<String> {
    match side {
        Ok(_) => BTreeSet::new(),
        Err(ds) => ds
            .iter()
            .map(|d| {
                format!(
                    "{}: {} {}",
                    d.location(),
                    d.diagnostic.code.as_str(),
                    d.diagnostic.message
                )
            })
            .collect(),
    }
}

/// Members (internal ids, ascending) and condition text of every segment of a side.
fn evaluate(side: &Side, snap: &Snapshot, now: i64) -> BTreeMap<String, (Vec<i64>, String)> {
    let Ok(set) = side else {
        return BTreeMap::new();
    };
    set.segments
        .iter()
        .filter_map(|s| {
            let program = Program::compile(&s.expr).ok()?;
            let members = program.members(snap, now);
            Some((
                s.name.clone(),
                (members, s.condition_text.trim().to_string()),
            ))
        })
        .collect()
}

/// Why a diff could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("running the workflows on a copy of the store: {0}")]
    Journeys(#[from] EngineError),
}

/// The head's workflows, and the dispatcher that queues their emails when they can be run.
pub struct Runner<'a> {
    pub workflows: &'a Workflows,
    pub dispatcher: Option<&'a mut dyn Dispatcher>,
}

/// Compares `base` with `head` over `conn`, a private copy of the store
/// (`store::copy_in_memory`) that the journeys of the change are then run on, at `now`.
pub fn diff(
    conn: &mut Connection,
    labels: (&str, &str),
    base: &Side,
    head: &Side,
    runner: Option<Runner>,
    now: i64,
) -> Result<Diff, DiffError> {
    let snap = Snapshot::load(conn)?;
    let before = evaluate(base, &snap, now);
    let after = evaluate(head, &snap, now);
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let external = |ids: &[i64]| -> Result<Vec<String>, crate::store::StoreError> {
        let mut out = Vec::new();
        for &id in ids.iter().take(SAMPLES) {
            out.extend(crate::store::customers::external(conn, id)?);
        }
        Ok(out)
    };
    let mut segments = Vec::new();
    let mut moved: BTreeMap<&str, (Vec<i64>, Vec<i64>)> = BTreeMap::new();
    for name in names {
        let (b, a) = (before.get(name), after.get(name));
        let empty = Vec::new();
        let old = b.map_or(&empty, |x| &x.0);
        let new = a.map_or(&empty, |x| &x.0);
        let entering: Vec<i64> = new
            .iter()
            .filter(|c| old.binary_search(c).is_err())
            .copied()
            .collect();
        let leaving: Vec<i64> = old
            .iter()
            .filter(|c| new.binary_search(c).is_err())
            .copied()
            .collect();
        let status = match (b, a) {
            (None, Some(_)) => Status::Added,
            (Some(_), None) => Status::Removed,
            (Some(x), Some(y)) if x.1 != y.1 || !entering.is_empty() || !leaving.is_empty() => {
                Status::Changed
            }
            _ => continue,
        };
        segments.push(SegmentDiff {
            segment: name.clone(),
            status,
            before: b.map(|x| x.0.len()),
            after: a.map(|x| x.0.len()),
            entered: entering.len(),
            exited: leaving.len(),
            entering: external(&entering)?,
            leaving: external(&leaving)?,
            condition_before: b.map(|x| x.1.clone()),
            condition_after: a.map(|x| x.1.clone()),
        });
        moved.insert(name.as_str(), (entering, leaving));
    }
    let mut impacts = Vec::new();
    let mut starts = Vec::new();
    let workflows = runner
        .as_ref()
        .map_or(&[][..], |r| &r.workflows.workflows[..]);
    for w in workflows {
        let (segment, entering) = match &w.trigger {
            Trigger::SegmentEntered(s) => (s, true),
            Trigger::SegmentExited(s) => (s, false),
            _ => continue,
        };
        if let Some((into, out_of)) = moved.get(segment.as_str()) {
            let customers = if entering { into } else { out_of };
            starts.push(Starts {
                workflow: &w.name,
                customers,
            });
            impacts.push(WorkflowImpact {
                workflow: w.name.clone(),
                trigger: format!(
                    "{} {segment}",
                    if entering {
                        "segment_entered"
                    } else {
                        "segment_exited"
                    }
                ),
                journeys: customers.len(),
                emails: None,
            });
        }
    }
    if let Some(Runner {
        workflows,
        dispatcher: Some(dispatcher),
    }) = runner
    {
        let forecast =
            crate::workflow::forecast(conn, workflows, &starts, dispatcher, now, HORIZON)?;
        for impact in &mut impacts {
            let f = forecast.get(&impact.workflow).copied().unwrap_or_default();
            impact.journeys = f.journeys;
            impact.emails = Some(f.emails);
        }
    }
    let (old_problems, new_problems) = (problem_lines(base), problem_lines(head));
    let broken: Vec<&str> = [(base, labels.0), (head, labels.1)]
        .into_iter()
        .filter(|(side, _)| side.is_err())
        .map(|(_, label)| label)
        .collect();
    let not_compared = (!broken.is_empty()).then(|| {
        format!(
            "the rules do not load at {} (see the check problems), so segments are not compared",
            broken.join(" and ")
        )
    });
    Ok(Diff {
        base: labels.0.to_string(),
        head: labels.1.to_string(),
        now,
        customers: snap.len(),
        segments,
        workflows: impacts,
        problems: Problems {
            new: new_problems.difference(&old_problems).cloned().collect(),
            fixed: old_problems.difference(&new_problems).cloned().collect(),
            remaining: new_problems.intersection(&old_problems).cloned().collect(),
        },
        not_compared,
    })
}
