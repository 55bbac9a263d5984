//! The set of segments defined in a rules directory, checked as a whole.
//!
//! Loading reads every `*.yaml` file, parses and checks each condition, rejects duplicate names
//! and `in_segment` cycles, and inlines `in_segment` references so that each segment's IR stands
//! alone: both evaluators then evaluate one self-contained expression per segment. All
//! diagnostics of all files are collected and returned together.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use super::rule_file::RuleFile;
use crate::dsl::check::{self, Checked};
use crate::dsl::diagnostic::{Code, Diagnostic, FileDiagnostic, SourceFile};
use crate::dsl::ir::{Expr, ExprKind};
use crate::dsl::span::Span;
use crate::schedule::Cadence;

/// One checked segment.
#[derive(Debug, Clone)]
pub struct Segment {
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    /// How often the daemon re-evaluates the segment (`refresh:`); `None` when only explicit
    /// refreshes (`segflow segments`, imports) update it.
    pub refresh: Option<Cadence>,
    /// The condition as written in the file.
    pub condition_text: String,
    /// The checked condition with every `in_segment` inlined.
    pub expr: Expr,
    /// The segments this one refers to directly.
    pub depends_on: Vec<String>,
    pub file: Arc<SourceFile>,
}

/// All segments of a rules directory, sorted by name.
#[derive(Debug, Clone, Default)]
pub struct SegmentSet {
    pub segments: Vec<Segment>,
}

impl SegmentSet {
    pub fn get(&self, name: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().map(|s| s.name.as_str())
    }

    /// `expr` with every `in_segment` replaced by that segment's condition, for conditions
    /// checked outside the set (workflows). A name the set does not hold matches nobody; the
    /// workflow checker reports it before this is called.
    pub fn inline(&self, expr: &Expr) -> Expr {
        let mut out = expr.clone();
        replace(&mut out, &mut |name| match self.get(name) {
            Some(segment) => segment.expr.clone(),
            None => Expr::new(
                ExprKind::Literal(crate::dsl::ir::Literal::Bool(false)),
                crate::dsl::types::Type::Bool,
            ),
        });
        out
    }

    /// Loads and checks every rule file in `dir`.
    pub fn load_dir(dir: &Path) -> Result<SegmentSet, Vec<FileDiagnostic>> {
        let (files, mut diagnostics) = super::yaml_dir::read_yaml_dir(dir, "rules")?;
        match SegmentSet::from_files(files) {
            Ok(set) if diagnostics.is_empty() => Ok(set),
            Ok(_) => Err(diagnostics),
            Err(more) => {
                diagnostics.extend(more);
                Err(diagnostics)
            }
        }
    }

    /// Checks a set of rule files given as (file, file stem) pairs.
    pub fn from_files(
        files: Vec<(Arc<SourceFile>, String)>,
    ) -> Result<SegmentSet, Vec<FileDiagnostic>> {
        let mut diagnostics = Vec::new();
        let mut rules: Vec<RuleFile> = Vec::new();
        for (file, stem) in files {
            match RuleFile::parse(file.clone(), &stem) {
                Ok(rule) => rules.push(rule),
                Err(ds) => diagnostics.extend(ds.into_iter().map(|d| at(&file, d))),
            }
        }
        let mut first_file: HashMap<String, String> = HashMap::new();
        rules.retain(|rule| {
            if let Some(first) = first_file.get(&rule.name) {
                diagnostics.push(at(
                    &rule.file,
                    Diagnostic::new(
                        Code::DuplicateSegment,
                        format!("segment `{}` is defined twice", rule.name),
                        rule.name_span,
                        "second definition",
                    )
                    .with_help(format!(
                        "it is already defined in {first}; segment names must be unique across the rules directory"
                    )),
                ));
                return false;
            }
            first_file.insert(rule.name.clone(), rule.file.name.clone());
            true
        });
        let ctx = check::Context::rules(rules.iter().map(|r| r.name.clone()).collect());
        let mut checked: BTreeMap<String, (RuleFile, Checked)> = BTreeMap::new();
        for rule in rules {
            match check::check(&rule.condition, &ctx) {
                Ok(c) => {
                    checked.insert(rule.name.clone(), (rule, c));
                }
                Err(ds) => diagnostics.extend(ds.into_iter().map(|d| at(&rule.file, d))),
            }
        }
        diagnostics.extend(cycles(&checked));
        if !diagnostics.is_empty() {
            return Err(diagnostics);
        }
        let mut inlined: HashMap<String, Expr> = HashMap::new();
        let mut segments = Vec::new();
        for name in checked.keys() {
            let expr = inline(name, &checked, &mut inlined);
            let (rule, c) = &checked[name];
            let mut depends_on: Vec<String> =
                c.segment_refs.iter().map(|(n, _)| n.clone()).collect();
            depends_on.sort();
            depends_on.dedup();
            segments.push(Segment {
                name: rule.name.clone(),
                description: rule.description.clone(),
                tags: rule.tags.clone(),
                refresh: rule.refresh.clone(),
                condition_text: rule.condition_text.clone(),
                expr,
                depends_on,
                file: rule.file.clone(),
            });
        }
        Ok(SegmentSet { segments })
    }
}

fn at(file: &Arc<SourceFile>, diagnostic: Diagnostic) -> FileDiagnostic {
    FileDiagnostic {
        diagnostic,
        file: file.clone(),
    }
}

/// Finds every `in_segment` cycle once, reported at the reference that closes it.
fn cycles(checked: &BTreeMap<String, (RuleFile, Checked)>) -> Vec<FileDiagnostic> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        name: &str,
        checked: &BTreeMap<String, (RuleFile, Checked)>,
        marks: &mut HashMap<String, Mark>,
        path: &mut Vec<String>,
        out: &mut Vec<FileDiagnostic>,
    ) {
        marks.insert(name.to_string(), Mark::Visiting);
        path.push(name.to_string());
        if let Some((rule, c)) = checked.get(name) {
            for (dep, span) in &c.segment_refs {
                match marks.get(dep.as_str()) {
                    Some(Mark::Visiting) => out.push(cycle_diagnostic(rule, dep, *span, path)),
                    Some(Mark::Done) => {}
                    None => visit(dep, checked, marks, path, out),
                }
            }
        }
        path.pop();
        marks.insert(name.to_string(), Mark::Done);
    }
    let mut marks = HashMap::new();
    let mut out = Vec::new();
    for name in checked.keys() {
        if !marks.contains_key(name.as_str()) {
            visit(name, checked, &mut marks, &mut Vec::new(), &mut out);
        }
    }
    out
}

fn cycle_diagnostic(rule: &RuleFile, dep: &str, span: Span, path: &[String]) -> FileDiagnostic {
    let start = path.iter().position(|p| p == dep).unwrap_or(0);
    let mut circle: Vec<&str> = path[start..].iter().map(String::as_str).collect();
    circle.push(dep);
    at(
        &rule.file,
        Diagnostic::new(
            Code::SegmentCycle,
            format!(
                "segments refer to each other in a circle: {}",
                circle.join(" → ")
            ),
            span,
            "this reference closes the circle",
        )
        .with_help(
            "a segment cannot depend on itself; move the shared condition into a third segment",
        ),
    )
}

/// The segment's expression with every `in_segment` replaced by the referenced expression.
fn inline(
    name: &str,
    checked: &BTreeMap<String, (RuleFile, Checked)>,
    done: &mut HashMap<String, Expr>,
) -> Expr {
    if let Some(e) = done.get(name) {
        return e.clone();
    }
    let expr = substitute(&checked[name].1.expr, checked, done);
    done.insert(name.to_string(), expr.clone());
    expr
}

fn substitute(
    expr: &Expr,
    checked: &BTreeMap<String, (RuleFile, Checked)>,
    done: &mut HashMap<String, Expr>,
) -> Expr {
    let mut out = expr.clone();
    replace(&mut out, &mut |name| inline(name, checked, done));
    out
}

/// Replaces `InSegment` nodes in place; cycles were rejected before, so this terminates.
fn replace(expr: &mut Expr, f: &mut dyn FnMut(&str) -> Expr) {
    match &mut expr.kind {
        ExprKind::InSegment(name) => {
            let name = name.clone();
            *expr = f(&name);
        }
        ExprKind::Not(e) | ExprKind::Neg(e) | ExprKind::Percentile(e) => replace(e, f),
        ExprKind::And(a, b)
        | ExprKind::Or(a, b)
        | ExprKind::Arith(_, a, b)
        | ExprKind::Compare(_, a, b) => {
            replace(a, f);
            replace(b, f);
        }
        ExprKind::InList { expr, .. } | ExprKind::IsNull { expr, .. } => replace(expr, f),
        ExprKind::Contains { haystack, needle } => {
            replace(haystack, f);
            replace(needle, f);
        }
        ExprKind::Between { expr, low, high } => {
            replace(expr, f);
            replace(low, f);
            replace(high, f);
        }
        ExprKind::Call(_, args) => args.iter_mut().for_each(|a| replace(a, f)),
        ExprKind::Aggregate(agg) => {
            if let Some(filter) = &mut agg.filter {
                replace(filter, f);
            }
        }
        ExprKind::Literal(_)
        | ExprKind::Now
        | ExprKind::Entered
        | ExprKind::TriggerProp(_)
        | ExprKind::Customer(_)
        | ExprKind::Attr(_)
        | ExprKind::Element(_)
        | ExprKind::Outer(_) => {}
    }
}
