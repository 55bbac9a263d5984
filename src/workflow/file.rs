//! One workflow file, `workflows/NAME.yaml`: its YAML shape and its conversion into a checked
//! `Workflow`, collecting every problem of the file as a diagnostic with its position.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use super::definition::{
    Condition, Metric, Reentry, SendAt, Step, StepKind, Trigger, Variant, Workflow,
};
use crate::dsl::ast::{Arg, Ident, Node, NodeKind};
use crate::dsl::check::{self, Context};
use crate::dsl::diagnostic::{Code, Diagnostic, SourceFile};
use crate::dsl::ir::{ElementField, EventField, Expr, ExprKind, Literal};
use crate::dsl::parser;
use crate::dsl::span::Span;
use crate::dsl::types::Type;
use crate::dsl::yaml_span::{offset_map, scalar_span, yaml_error, YamlHelp};
use crate::policy::PolicyOverrides;
use crate::segment::SegmentSet;

const HELP: YamlHelp = YamlHelp {
    unknown_field: "a workflow has the keys workflow, description, trigger, reentry, goal, exit_when, policy and steps; a trigger has one of segment_entered, segment_exited, event (with where) and schedule, and optionally backfill; a step has an id and one of send (with subject, at or send_time), wait, wait_until, if, split, tag, untag, exit",
    missing_field: "a workflow needs `workflow:`, `trigger:` and `steps:`, and every step an `id:`",
    syntax: "check the YAML syntax: `key: value` pairs, and quotes around a condition that starts with a quote or contains `: `",
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkflow {
    workflow: Spanned<String>,
    description: Option<String>,
    trigger: RawTrigger,
    reentry: Option<Spanned<String>>,
    goal: Option<Spanned<String>>,
    exit_when: Option<Spanned<String>>,
    policy: Option<PolicyOverrides>,
    steps: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrigger {
    segment_entered: Option<Spanned<String>>,
    segment_exited: Option<Spanned<String>>,
    event: Option<Spanned<String>>,
    #[serde(rename = "where")]
    filter: Option<Spanned<String>>,
    schedule: Option<RawSchedule>,
    backfill: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    cron: Spanned<String>,
    timezone: Option<Spanned<String>>,
    segment: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    send: Option<Spanned<String>>,
    subject: Option<String>,
    /// A send's time of day in the customer's zone, `"09:00"`.
    at: Option<Spanned<String>>,
    /// `optimal`: the customer's most frequent open hour.
    send_time: Option<Spanned<String>>,
    wait: Option<Spanned<String>>,
    wait_until: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    #[serde(rename = "if")]
    condition: Option<Spanned<String>>,
    then: Option<Vec<RawStep>>,
    #[serde(rename = "else")]
    otherwise: Option<Vec<RawStep>>,
    split: Option<Vec<RawVariant>>,
    /// What a split is judged by in the report: `conversion` (the default) or `revenue`.
    metric: Option<Spanned<String>>,
    tag: Option<Spanned<String>>,
    untag: Option<Spanned<String>>,
    /// `exit:` with or without a reason: present-but-null is `Some(None)`.
    #[serde(default, deserialize_with = "present")]
    exit: Option<Option<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    variant: Spanned<String>,
    weight: u32,
    #[serde(default)]
    steps: Vec<RawStep>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// What a workflow is checked against: the segments and the template names that exist
/// (`None`: template names are not checked, for callers that check workflows without a
/// repository; the CLI and the daemon always pass the names, none when the folder is missing).
pub struct World<'a> {
    pub segments: &'a SegmentSet,
    pub templates: Option<&'a [String]>,
}

/// Parses and checks one workflow file. `stem` is the file name without `.yaml`.
pub fn parse(
    file: Arc<SourceFile>,
    stem: &str,
    world: &World,
) -> Result<Workflow, Vec<Diagnostic>> {
    let raw: RawWorkflow =
        serde_saphyr::from_str(&file.text).map_err(|e| vec![yaml_error(&file.text, &e, &HELP)])?;
    let mut l = Loader {
        text: &file.text,
        world,
        ctx: Context::workflow(world.segments.names().map(String::from).collect()),
        diagnostics: Vec::new(),
        ids: HashMap::new(),
    };
    let name = raw.workflow.value.clone();
    let name_span = l.span(&raw.workflow);
    if !crate::segment::rule_file::valid_name(&name) {
        l.report(
            Diagnostic::new(
                Code::BadFile,
                format!("invalid workflow name `{name}`"),
                name_span,
                "invalid name",
            )
            .with_help(
                "workflow names use lowercase letters, digits and _ (for example abandoned_cart)",
            ),
        );
    } else if name != stem {
        l.report(
            Diagnostic::new(
                Code::NameMismatch,
                format!("workflow `{name}` is defined in a file named `{stem}`"),
                name_span,
                "does not match the file name",
            )
            .with_help(format!(
                "rename the file to {name}.yaml or the workflow to `{stem}`"
            )),
        );
    }
    let trigger = l.trigger(&raw.trigger, name_span);
    let backfill = match &raw.trigger.backfill {
        Some(b) => l.backfill(b, raw.trigger.schedule.is_some()),
        None => Some(None),
    };
    let reentry = raw
        .reentry
        .as_ref()
        .map_or(Some(Reentry::Never), |r| l.reentry(r));
    let goal = raw.goal.as_ref().map(|g| l.condition(g));
    let exit_when = raw.exit_when.as_ref().map(|g| l.condition(g));
    let steps = l.steps(&raw.steps);
    if raw.steps.is_empty() {
        l.report(
            Diagnostic::new(
                Code::BadStep,
                "a workflow needs at least one step",
                name_span,
                "no steps",
            )
            .with_help("add `steps:` with a list such as `- { id: hello, send: welcome_1 }`"),
        );
    }
    let (Some(trigger), Some(backfill), Some(reentry), Some(steps)) =
        (trigger, backfill, reentry, steps)
    else {
        return Err(l.diagnostics);
    };
    if !l.diagnostics.is_empty() {
        return Err(l.diagnostics);
    }
    Ok(Workflow {
        name,
        description: raw.description.unwrap_or_default(),
        trigger,
        backfill,
        reentry,
        goal: goal.flatten(),
        exit_when: exit_when.flatten(),
        policy: raw.policy.unwrap_or_default(),
        steps,
        file,
    })
}

struct Loader<'a> {
    text: &'a str,
    world: &'a World<'a>,
    ctx: Context,
    diagnostics: Vec<Diagnostic>,
    /// Every step id seen, with the span of its first definition.
    ids: HashMap<String, Span>,
}

impl Loader<'_> {
    fn report(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn span(&self, value: &Spanned<String>) -> Span {
        scalar_span(self.text, value)
    }

    fn node(&mut self, value: &Spanned<String>) -> Option<Node> {
        let map = offset_map(self.text, value);
        match parser::parse(&value.value, &map) {
            Ok(node) => Some(node),
            Err(d) => {
                self.report(d);
                None
            }
        }
    }

    fn checked(&mut self, node: &Node, text: &str) -> Option<Condition> {
        match check::check(node, &self.ctx) {
            Ok(c) => {
                let expr = self.world.segments.inline(&c.expr);
                if let Some((name, span)) = ranked_segment(&c, self.world.segments) {
                    self.report(
                        Diagnostic::new(
                            Code::BadAggregate,
                            format!("segment `{name}` ranks customers against each other with `percentile`, which a workflow condition, evaluated for one customer at a time, cannot do"),
                            span,
                            "uses percentile",
                        )
                        .with_help(format!("trigger the workflow on `segment_entered: {name}` instead of testing it in a condition")),
                    );
                    return None;
                }
                Some(Condition {
                    text: text.to_string(),
                    expr,
                })
            }
            Err(ds) => {
                self.diagnostics.extend(ds);
                None
            }
        }
    }

    fn condition(&mut self, value: &Spanned<String>) -> Option<Condition> {
        let node = self.node(value)?;
        self.checked(&node, &value.value)
    }

    fn duration(&mut self, value: &Spanned<String>, what: &str) -> Option<i64> {
        let d = crate::dsl::literal::duration(value.value.trim());
        if d.is_none() {
            let span = self.span(value);
            self.report(
                Diagnostic::new(
                    Code::BadLiteral,
                    format!("`{}` is not a duration", value.value),
                    span,
                    format!("bad {what}"),
                )
                .with_help(format!(
                    "write a number and a unit: 15m, 6h, 3d or 2w, at most {}d",
                    crate::dsl::literal::MAX_DURATION_MS / 86_400_000
                )),
            );
        }
        d
    }

    /// A send step's time: `at: "HH:MM"` or `send_time: optimal`, not both; `Err` after a
    /// reported problem.
    fn send_at(
        &mut self,
        at: Option<&Spanned<String>>,
        send_time: Option<&Spanned<String>>,
    ) -> Result<Option<SendAt>, ()> {
        match (at, send_time) {
            (None, None) => Ok(None),
            (Some(a), Some(_)) => {
                let span = self.span(a);
                self.report(
                    Diagnostic::new(Code::BadStep, "a send step has both `at` and `send_time`", span, "one of the two")
                        .with_help("keep `at: \"09:00\"` for a fixed local time or `send_time: optimal` for each customer's own hour"),
                );
                Err(())
            }
            (Some(a), None) => {
                let clock = chrono::NaiveTime::parse_from_str(a.value.trim(), "%H:%M").ok();
                match clock {
                    Some(t) => {
                        use chrono::Timelike;
                        Ok(Some(SendAt::Clock(t.hour() * 60 + t.minute())))
                    }
                    None => {
                        let span = self.span(a);
                        self.report(
                            Diagnostic::new(
                                Code::BadLiteral,
                                format!("`{}` is not a time of day", a.value),
                                span,
                                "bad time",
                            )
                            .with_help("write hours and minutes on a 24-hour clock in quotes, such as at: \"09:00\" or at: \"18:30\""),
                        );
                        Err(())
                    }
                }
            }
            (None, Some(t)) if t.value.trim() == "optimal" => Ok(Some(SendAt::Optimal)),
            (None, Some(t)) => {
                let span = self.span(t);
                self.report(
                    Diagnostic::new(
                        Code::BadStep,
                        format!("`{}` is not a send time", t.value),
                        span,
                        "unknown send time",
                    )
                    .with_help("write `send_time: optimal` (each customer's most frequent open hour) or a fixed `at: \"09:00\"`"),
                );
                Err(())
            }
        }
    }

    fn segment(&mut self, value: &Spanned<String>) -> Option<String> {
        let name = value.value.clone();
        if self.world.segments.get(&name).is_some() {
            return Some(name);
        }
        let span = self.span(value);
        let diag = Diagnostic::new(
            Code::UnknownSegment,
            format!("unknown segment `{name}`"),
            span,
            "no rule defines it",
        );
        let names = self.world.segments.names();
        self.report(match check::names::did_you_mean(&name, names) {
            Some(s) => diag.with_help(format!("did you mean `{s}`?")),
            None => diag.with_help(format!(
                "add rules/{name}.yaml or use a segment that exists"
            )),
        });
        None
    }

    fn reentry(&mut self, value: &Spanned<String>) -> Option<Reentry> {
        let text = value.value.trim();
        match text {
            "never" => return Some(Reentry::Never),
            "always" => return Some(Reentry::Always),
            _ => {}
        }
        if let Some(d) = text
            .strip_prefix("after ")
            .and_then(|d| crate::dsl::literal::duration(d.trim()))
        {
            return Some(Reentry::After(d));
        }
        let span = self.span(value);
        self.report(
            Diagnostic::new(
                Code::BadStep,
                format!("`{text}` is not a re-entry rule"),
                span,
                "bad reentry",
            )
            .with_help("write never, always or `after DURATION` such as `after 30d`"),
        );
        None
    }

    /// `backfill:` of a segment or event trigger: a duration; `None` when it is wrong.
    fn backfill(&mut self, value: &Spanned<String>, schedule: bool) -> Option<Option<i64>> {
        if schedule {
            let span = self.span(value);
            self.report(
                Diagnostic::new(
                    Code::BadStep,
                    "`backfill` applies only to segment and event triggers",
                    span,
                    "on a schedule",
                )
                .with_help("a schedule fires from its next slot on; remove `backfill`"),
            );
            return None;
        }
        self.duration(value, "backfill").map(Some)
    }

    fn trigger(&mut self, raw: &RawTrigger, at: Span) -> Option<Trigger> {
        let kinds = [
            raw.segment_entered.is_some(),
            raw.segment_exited.is_some(),
            raw.event.is_some(),
            raw.schedule.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            self.report(
                Diagnostic::new(Code::BadStep, "a trigger needs exactly one of segment_entered, segment_exited, event and schedule", at, "in this workflow")
                    .with_help("for example `trigger: { segment_entered: vip }` or `trigger: { event: checkout_started }`"),
            );
            return None;
        }
        if raw.filter.is_some() && raw.event.is_none() {
            self.report(
                Diagnostic::new(
                    Code::BadStep,
                    "`where` filters only an event trigger",
                    at,
                    "in this workflow",
                )
                .with_help("use `goal` or an `if` step to test a segment trigger"),
            );
            return None;
        }
        if let Some(s) = &raw.segment_entered {
            return self.segment(s).map(Trigger::SegmentEntered);
        }
        if let Some(s) = &raw.segment_exited {
            return self.segment(s).map(Trigger::SegmentExited);
        }
        if let Some(e) = &raw.event {
            let filter = match &raw.filter {
                Some(f) => Some(self.event_filter(f, &e.value)?),
                None => None,
            };
            return Some(Trigger::Event {
                event_type: e.value.clone(),
                filter,
            });
        }
        let s = raw.schedule.as_ref()?;
        let cron_ok = s.cron.value.parse::<croner::Cron>().is_ok();
        if !cron_ok {
            let span = self.span(&s.cron);
            self.report(
                Diagnostic::new(Code::BadStep, format!("`{}` is not a cron pattern", s.cron.value), span, "bad cron")
                    .with_help("five fields: minute hour day-of-month month day-of-week, for example \"0 9 * * 1\""),
            );
        }
        let timezone = match &s.timezone {
            None => Some(chrono_tz::UTC),
            Some(tz) => match tz.value.parse::<chrono_tz::Tz>() {
                Ok(z) => Some(z),
                Err(_) => {
                    let span = self.span(tz);
                    self.report(
                        Diagnostic::new(
                            Code::BadStep,
                            format!("unknown time zone `{}`", tz.value),
                            span,
                            "not an IANA zone",
                        )
                        .with_help("write an IANA zone such as Europe/Berlin or America/New_York"),
                    );
                    None
                }
            },
        };
        let segment = self.segment(&s.segment);
        Some(Trigger::Schedule {
            cron: s.cron.value.clone(),
            timezone: timezone?,
            segment: segment.filter(|_| cron_ok)?,
        })
    }

    /// An event filter is checked as the filter of `events(...)` (so `type`, `prop.NAME` and
    /// `occurred_at` resolve), then turned into a condition over the journey's inputs.
    fn event_filter(&mut self, value: &Spanned<String>, event_type: &str) -> Option<Condition> {
        let node = self.node(value)?;
        let span = node.span;
        let ident = |name: &str| Ident {
            name: name.into(),
            span,
        };
        let wrapped = Node::new(
            NodeKind::Method {
                target: Box::new(Node::new(
                    NodeKind::Call {
                        name: ident("events"),
                        args: vec![Arg::Expr(node)],
                    },
                    span,
                )),
                name: ident("exists"),
                args: vec![],
            },
            span,
        );
        let c = self.checked(&wrapped, &value.value)?;
        let ExprKind::Aggregate(agg) = c.expr.kind else {
            return None;
        };
        let mut filter = *agg.filter?;
        to_trigger(&mut filter, event_type);
        Some(Condition {
            text: c.text,
            expr: filter,
        })
    }

    fn steps(&mut self, raw: &[RawStep]) -> Option<Vec<Step>> {
        let mut out = Vec::new();
        let mut failed = false;
        let mut exited: Option<String> = None;
        for r in raw {
            if let Some(exit_id) = &exited {
                let span = self.span(&r.id);
                self.report(
                    Diagnostic::new(Code::UnreachableStep, format!("step `{}` can never run", r.id.value), span, "unreachable")
                        .with_help(format!("it follows the exit step `{exit_id}` in the same list; move it before the exit or remove it")),
                );
                failed = true;
            }
            match self.step(r) {
                Some(step) => {
                    if matches!(step.kind, StepKind::Exit(_)) && exited.is_none() {
                        exited = Some(step.id.clone());
                    }
                    out.push(step);
                }
                None => failed = true,
            }
        }
        (!failed).then_some(out)
    }

    fn step(&mut self, r: &RawStep) -> Option<Step> {
        let id_span = self.span(&r.id);
        let id = r.id.value.clone();
        let mut ok = true;
        if !crate::segment::rule_file::valid_name(&id) {
            ok = false;
            self.report(
                Diagnostic::new(
                    Code::BadStep,
                    format!("invalid step id `{id}`"),
                    id_span,
                    "invalid id",
                )
                .with_help("step ids use lowercase letters, digits and _ (for example wait_1h)"),
            );
        } else if let Some(first) = self.ids.get(&id).copied() {
            ok = false;
            let line = self.text[..first.start.min(self.text.len())]
                .matches('\n')
                .count()
                + 1;
            self.report(
                Diagnostic::new(Code::DuplicateStep, format!("step id `{id}` is used twice"), id_span, "second use")
                    .with_help(format!("it is already the id of the step on line {line}; every step needs its own id, it names the step in journeys and analytics")),
            );
        } else {
            self.ids.insert(id.clone(), id_span);
        }
        let kinds = [
            r.send.is_some(),
            r.wait.is_some(),
            r.wait_until.is_some(),
            r.condition.is_some(),
            r.split.is_some(),
            r.tag.is_some(),
            r.untag.is_some(),
            r.exit.is_some(),
        ];
        let n = kinds.iter().filter(|k| **k).count();
        let bad = |msg: String, help: &str| {
            Diagnostic::new(Code::BadStep, msg, id_span, "this step").with_help(help.to_string())
        };
        if n != 1 {
            let msg = if n == 0 {
                format!("step `{id}` does nothing")
            } else {
                format!("step `{id}` has {n} kinds")
            };
            self.report(bad(msg, "give each step exactly one of send, wait, wait_until, if, split, tag, untag and exit"));
            return None;
        }
        if (r.at.is_some() || r.send_time.is_some()) && r.send.is_none() {
            self.report(bad(
                format!("`at`/`send_time` on step `{id}`, which sends nothing"),
                "`at` and `send_time` say when a `send` step's message goes",
            ));
            ok = false;
        }
        let at = self.send_at(r.at.as_ref(), r.send_time.as_ref());
        if r.subject.is_some() && r.send.is_none() {
            self.report(bad(
                format!("`subject` on step `{id}`, which sends nothing"),
                "`subject` overrides the subject of a `send` step",
            ));
            ok = false;
        }
        let metric = match &r.metric {
            None => Metric::Conversion,
            Some(_) if r.split.is_none() => {
                self.report(bad(
                    format!("`metric` on step `{id}`, which is not a split"),
                    "`metric` says what a `split` is judged by",
                ));
                ok = false;
                Metric::Conversion
            }
            Some(m) => match m.value.trim() {
                "conversion" => Metric::Conversion,
                "revenue" => Metric::Revenue,
                other => {
                    let span = self.span(m);
                    self.report(
                        Diagnostic::new(
                            Code::BadStep,
                            format!("`{other}` is not a split metric"),
                            span,
                            "unknown metric",
                        )
                        .with_help("write `metric: conversion` (goal conversion, the default) or `metric: revenue` (revenue per recipient)"),
                    );
                    ok = false;
                    Metric::Conversion
                }
            },
        };
        if r.timeout.is_some() && r.wait_until.is_none() {
            self.report(bad(
                format!("`timeout` on step `{id}`, which is not a wait_until"),
                "`timeout` belongs to a `wait_until` step",
            ));
            ok = false;
        }
        if (r.then.is_some() || r.otherwise.is_some()) && r.condition.is_none() {
            self.report(bad(
                format!("`then`/`else` on step `{id}`, which is not an if"),
                "`then` and `else` belong to an `if` step",
            ));
            ok = false;
        }
        let kind = if let Some(t) = &r.send {
            if self
                .world
                .templates
                .is_some_and(|ts| !ts.contains(&t.value))
            {
                let span = self.span(t);
                let diag = Diagnostic::new(
                    Code::UnknownTemplate,
                    format!("unknown template `{}`", t.value),
                    span,
                    "no such template",
                );
                let names = self
                    .world
                    .templates
                    .unwrap_or_default()
                    .iter()
                    .map(String::as_str);
                self.report(match check::names::did_you_mean(&t.value, names) {
                    Some(s) => diag.with_help(format!("did you mean `{s}`?")),
                    None => diag.with_help(format!(
                        "create the folder workflows/templates/{}/ with the message",
                        t.value
                    )),
                });
                None
            } else {
                Some(StepKind::Send {
                    template: t.value.clone(),
                    subject: r.subject.clone(),
                    at: at.ok()?,
                })
            }
        } else if let Some(w) = &r.wait {
            self.duration(w, "wait").map(StepKind::Wait)
        } else if let Some(w) = &r.wait_until {
            let condition = self.condition(w);
            let timeout = match &r.timeout {
                Some(t) => self.duration(t, "timeout"),
                None => {
                    self.report(
                        Diagnostic::new(Code::MissingTimeout, format!("`wait_until` step `{id}` has no timeout"), id_span, "waits forever")
                            .with_help("add `timeout: DURATION` (for example 3d); after it the journey goes on with the next step"),
                    );
                    None
                }
            };
            Some(StepKind::WaitUntil {
                condition: condition?,
                timeout: timeout?,
            })
        } else if let Some(c) = &r.condition {
            let condition = self.condition(c);
            let then = self.steps(r.then.as_deref().unwrap_or_default());
            let otherwise = self.steps(r.otherwise.as_deref().unwrap_or_default());
            Some(StepKind::If {
                condition: condition?,
                then: then?,
                otherwise: otherwise?,
            })
        } else if let Some(vs) = &r.split {
            self.split(&id, id_span, vs)
                .map(|variants| StepKind::Split(variants, metric))
        } else if let Some(t) = &r.tag {
            Some(StepKind::Tag(t.value.clone()))
        } else if let Some(t) = &r.untag {
            Some(StepKind::Untag(t.value.clone()))
        } else {
            Some(StepKind::Exit(r.exit.clone().flatten()))
        };
        let kind = kind?;
        ok.then_some(Step { id, kind })
    }

    fn split(&mut self, id: &str, at: Span, raw: &[RawVariant]) -> Option<Vec<Variant>> {
        let total: u64 = raw.iter().map(|v| u64::from(v.weight)).sum();
        let mut failed = false;
        if raw.len() < 2 || total == 0 {
            self.report(
                Diagnostic::new(Code::BadStep, format!("split `{id}` needs two or more variants with weights"), at, "this split")
                    .with_help("for example `split: [{variant: a, weight: 50, steps: [...]}, {variant: b, weight: 50, steps: [...]}]`"),
            );
            failed = true;
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for v in raw {
            if seen.contains(&v.variant.value.as_str()) {
                let span = self.span(&v.variant);
                self.report(Diagnostic::new(
                    Code::BadStep,
                    format!(
                        "variant `{}` appears twice in split `{id}`",
                        v.variant.value
                    ),
                    span,
                    "second use",
                ));
                failed = true;
            }
            seen.push(&v.variant.value);
            match self.steps(&v.steps) {
                Some(steps) => out.push(Variant {
                    name: v.variant.value.clone(),
                    weight: v.weight,
                    steps,
                }),
                None => failed = true,
            }
        }
        (!failed).then_some(out)
    }
}

/// Rewrites an events filter into a condition over the journey's inputs: `prop.NAME` becomes
/// `trigger.prop.NAME`, `type` the event's type and `occurred_at` the entry time (the engine
/// evaluates it with `entered` set to the event's time). An aggregate inside the filter becomes
/// a customer-level one, so its `outer.FIELD` (the event) is rewritten the same way.
fn to_trigger(expr: &mut Expr, event_type: &str) {
    rewrite_event(expr, event_type, false);
}

/// `to_trigger` for the fields of the event: `Element` ones at the filter's level (`outer` is
/// false), `Outer` ones inside an aggregate of the filter.
fn rewrite_event(expr: &mut Expr, event_type: &str, outer: bool) {
    let field = match (&expr.kind, outer) {
        (ExprKind::Element(field), false) | (ExprKind::Outer(field), true) => Some(field),
        _ => None,
    };
    if let Some(field) = field {
        *expr = match field {
            ElementField::Event(EventField::Prop(name)) => {
                Expr::new(ExprKind::TriggerProp(name.clone()), Type::Dynamic)
            }
            ElementField::Event(EventField::Type) => Expr::new(
                ExprKind::Literal(Literal::String(event_type.into())),
                Type::String,
            ),
            _ => Expr::new(ExprKind::Entered, Type::Time),
        };
        return;
    }
    let go = |e: &mut Expr| rewrite_event(e, event_type, outer);
    match &mut expr.kind {
        ExprKind::Not(e) | ExprKind::Neg(e) | ExprKind::Percentile(e) => go(e),
        ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Arith(_, a, b)
        | ExprKind::Compare(_, a, b) => {
            go(a);
            go(b);
        }
        ExprKind::InList { expr, .. } | ExprKind::IsNull { expr, .. } => go(expr),
        ExprKind::Contains { haystack, needle } => {
            go(haystack);
            go(needle);
        }
        ExprKind::Between { expr, low, high } => {
            go(expr);
            go(low);
            go(high);
        }
        ExprKind::Call(_, args) => args.iter_mut().for_each(go),
        // One level of nesting: only the filter's own aggregates can read the event as outer.
        ExprKind::Aggregate(agg) if !outer => {
            if let Some(filter) = &mut agg.filter {
                rewrite_event(filter, event_type, true);
            }
        }
        _ => {}
    }
}

/// The first `in_segment` reference of a workflow condition whose segment, inlined, ranks
/// customers with `percentile`.
fn ranked_segment(
    checked: &crate::dsl::check::Checked,
    segments: &SegmentSet,
) -> Option<(String, Span)> {
    checked.segment_refs.iter().find_map(|(name, span)| {
        let inlined = segments.inline(&Expr::new(ExprKind::InSegment(name.clone()), Type::Bool));
        let mut ranked = false;
        inlined.walk(&mut |e| ranked |= matches!(e.kind, ExprKind::Percentile(_)));
        ranked.then(|| (name.clone(), *span))
    })
}
