//! A checked workflow: its trigger, re-entry rule, goal, exit condition and the tree of steps,
//! with every condition already type-checked (segments inlined) and every name verified.

use std::sync::Arc;

pub use crate::analytics::report::Metric;
use crate::dsl::diagnostic::SourceFile;
use crate::dsl::ir::Expr;
use crate::policy::PolicyOverrides;

/// A checked workflow condition and its text, for display.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub text: String,
    pub expr: Expr,
}

/// What starts a journey.
#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    SegmentEntered(String),
    SegmentExited(String),
    /// An event of this type; `filter` is a condition over the event (its `type`, `prop.NAME`
    /// and `occurred_at` are checked into `trigger.prop.NAME`, a literal and `entered`).
    Event {
        event_type: String,
        filter: Option<Condition>,
    },
    /// A cron schedule in a time zone, for the members of a segment at each slot.
    Schedule {
        cron: String,
        timezone: chrono_tz::Tz,
        segment: String,
    },
}

/// Whether a customer may start the workflow again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reentry {
    Never,
    Always,
    /// After this many milliseconds since the previous run's entry.
    After(i64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Send {
        template: String,
        subject: Option<String>,
        /// When in the customer's day the message goes (`at:` or `send_time:`).
        at: Option<SendAt>,
    },
    /// Milliseconds.
    Wait(i64),
    WaitUntil {
        condition: Condition,
        timeout: i64,
    },
    If {
        condition: Condition,
        then: Vec<Step>,
        otherwise: Vec<Step>,
    },
    /// The variants, and what the report judges the split by.
    Split(Vec<Variant>, Metric),
    Tag(String),
    Untag(String),
    Exit(Option<String>),
}

/// The time of day a send step waits for, in the customer's zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendAt {
    /// Minutes after local midnight (`at: "09:00"`).
    Clock(u32),
    /// The hour the customer opens mail most (`send_time: optimal`).
    Optimal,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub name: String,
    pub weight: u32,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug)]
pub struct Workflow {
    pub name: String,
    pub description: String,
    pub trigger: Trigger,
    /// How long before the workflow's activation (its first run, recorded in the store) a
    /// segment change or event may have happened and still start a journey, in milliseconds.
    /// `None`: only what happens after the activation, so a new workflow never mails about
    /// months-old checkouts or treats a segment's existing members as newly entered.
    pub backfill: Option<i64>,
    pub reentry: Reentry,
    pub goal: Option<Condition>,
    pub exit_when: Option<Condition>,
    pub policy: PolicyOverrides,
    pub steps: Vec<Step>,
    pub file: Arc<SourceFile>,
}

impl Workflow {
    /// The step with this id anywhere in the tree.
    pub fn step(&self, id: &str) -> Option<&Step> {
        find(&self.steps, id).map(|path| path.last_step)
    }

    /// The first step of the workflow.
    pub fn first(&self) -> Option<&Step> {
        self.steps.first()
    }

    /// The step that follows `id` once it is done: its next sibling, else the step after the
    /// enclosing `if` or `split`, and so on up; `None` when the journey has run to its end.
    pub fn next_after(&self, id: &str) -> Option<&Step> {
        let path = find(&self.steps, id)?;
        for (list, index) in path.lists.iter().rev() {
            if let Some(next) = list.get(index + 1) {
                return Some(next);
            }
        }
        None
    }

    /// Every step id, depth first.
    pub fn step_ids(&self) -> Vec<&str> {
        let mut out = Vec::new();
        visit(&self.steps, &mut |s| out.push(s.id.as_str()));
        out
    }
}

/// Calls `f` on every step of the tree, parents before children.
pub fn visit<'a>(steps: &'a [Step], f: &mut dyn FnMut(&'a Step)) {
    for step in steps {
        f(step);
        match &step.kind {
            StepKind::If {
                then, otherwise, ..
            } => {
                visit(then, f);
                visit(otherwise, f);
            }
            StepKind::Split(variants, _) => variants.iter().for_each(|v| visit(&v.steps, f)),
            _ => {}
        }
    }
}

/// `(step id, metric)` of every split of the tree.
pub fn split_metrics(steps: &[Step]) -> Vec<(String, Metric)> {
    let mut out = Vec::new();
    visit(steps, &mut |step| {
        if let StepKind::Split(_, metric) = &step.kind {
            out.push((step.id.clone(), *metric));
        }
    });
    out
}

struct Path<'a> {
    /// The lists from the top down to the step's own, each with the index taken in it.
    lists: Vec<(&'a [Step], usize)>,
    last_step: &'a Step,
}

fn find<'a>(steps: &'a [Step], id: &str) -> Option<Path<'a>> {
    for (i, step) in steps.iter().enumerate() {
        if step.id == id {
            return Some(Path {
                lists: vec![(steps, i)],
                last_step: step,
            });
        }
        let children: Vec<&'a [Step]> = match &step.kind {
            StepKind::If {
                then, otherwise, ..
            } => vec![then, otherwise],
            StepKind::Split(variants, _) => variants.iter().map(|v| v.steps.as_slice()).collect(),
            _ => continue,
        };
        for child in children {
            if let Some(mut path) = find(child, id) {
                path.lists.insert(0, (steps, i));
                return Some(path);
            }
        }
    }
    None
}
