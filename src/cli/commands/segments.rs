//! `segflow segments`, `segflow refresh` and `segflow explain`: all segments at once, or how one
//! compiles to SQL.

use serde::Serialize;

use crate::cli::table::{percent, Table};
use crate::cli::{CliError, CliResult, Context};
use crate::compile::columnar::Program;
use crate::compile::sql::SqlQuery;
use crate::repository::refresh_all;
use crate::segment::SegmentSet;
use crate::store::snapshot::Snapshot;

#[derive(Serialize)]
struct SegmentSize<'a> {
    name: &'a str,
    members: usize,
    share: f64,
    description: &'a str,
}

/// Evaluates every segment now (without storing membership) and prints the sizes.
pub fn segments(ctx: &Context, json: bool) -> CliResult {
    let set = ctx.load_rules()?;
    let conn = ctx.open_store()?;
    let snapshot = Snapshot::load(&conn)?;
    let total = snapshot.len();
    let mut sizes = Vec::new();
    for segment in &set.segments {
        let program = Program::compile(&segment.expr)
            .map_err(|e| format!("segment {}: {e}", segment.name))?;
        let members = program.members(&snapshot, ctx.now).len();
        sizes.push(SegmentSize {
            name: &segment.name,
            members,
            share: share(members, total),
            description: &segment.description,
        });
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&sizes)?);
        return Ok(());
    }
    let mut table = Table::new(&["segment", "members", "share", "description"], &[1, 2]);
    for s in &sizes {
        table.row(vec![
            s.name.into(),
            s.members.to_string(),
            percent(s.share),
            s.description.into(),
        ]);
    }
    print!("{}", table.render());
    println!("{} customers, {} segments", total, sizes.len());
    Ok(())
}

fn share(members: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        members as f64 / total as f64
    }
}

/// Evaluates every segment, stores membership and records who entered and exited.
pub fn refresh(ctx: &Context, json: bool, history: Option<&str>) -> CliResult {
    let span = match history {
        None => None,
        Some(text) => Some(
            crate::dsl::literal::duration(text.trim())
                .filter(|d| *d >= crate::segment::history::WEEK_MS)
                .ok_or_else(|| {
                    CliError::Message(format!(
                        "--history {text}: not a span of whole weeks; write 52w (a year) or 13w"
                    ))
                })?,
        ),
    };
    let set = ctx.load_rules()?;
    let mut conn = ctx.open_store()?;
    let all = refresh_all(&mut conn, &set, ctx.now, &ctx.config, span)?;
    let report = &all.segments;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let mut table = Table::new(&["segment", "members", "entered", "exited"], &[1, 2, 3]);
    for r in report {
        table.row(vec![
            r.segment.clone(),
            r.members.to_string(),
            r.entered.to_string(),
            r.exited.to_string(),
        ]);
    }
    print!("{}", table.render());
    println!(
        "refreshed {} segments over {} customers",
        report.len(),
        all.customers
    );
    if let Some(h) = &all.history {
        println!(
            "rebuilt {} weekly sizes per segment from {} to {} ({} rows written; sizes already recorded are kept)",
            h.points,
            day(h.from),
            day(h.until),
            h.written
        );
    }
    Ok(())
}

pub fn explain(ctx: &Context, name: &str) -> CliResult {
    let set = ctx.load_rules()?;
    let segment = find(&set, name)?;
    let query = SqlQuery::compile(&segment.expr).map_err(|e| e.to_string())?;
    println!(
        "-- segment {}: {}",
        segment.name,
        segment.condition_text.trim()
    );
    println!("{}", query.explain(ctx.now).trim_end());
    Ok(())
}

/// The named segment, or an error that lists the closest name.
pub fn find<'s>(set: &'s SegmentSet, name: &str) -> Result<&'s crate::segment::Segment, CliError> {
    set.get(name).ok_or_else(|| {
        let hint = crate::dsl::check::names::did_you_mean(name, set.names())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_else(|| "; `segflow segments` lists them".into());
        CliError::Message(format!("no segment named `{name}`{hint}"))
    })
}

/// `2026-11-15`.
fn day(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| ms.to_string(), |t| t.format("%Y-%m-%d").to_string())
}
