//! `segflow workflows run|list|status`: the journey engine on the command line.

use crate::cli::{CliError, CliResult, Context};
use crate::workflow::{run_once, run_until, AdvanceReport, OutboxDispatcher, Trigger, Workflows};

/// The dispatcher the CLI sends through: policy, templates and the outbox. A missing
/// unsubscribe secret falls back to the development secret with a warning on stderr.
pub fn dispatcher(ctx: &Context, workflows: &Workflows) -> Result<OutboxDispatcher, CliError> {
    let (d, warning) = OutboxDispatcher::from_config(&ctx.config, &ctx.paths.templates, workflows)
        .map_err(CliError::Message)?;
    if let Some(warning) = warning {
        eprintln!("{warning}");
    }
    Ok(d)
}

/// Prints the template errors the dispatcher met, so a broken template is seen, not just logged.
pub fn print_errors(d: &OutboxDispatcher) {
    for e in &d.errors {
        eprintln!("not sent: {e}");
    }
}

pub fn run(ctx: &Context, _once: bool, until: Option<&str>) -> CliResult {
    let set = ctx.load_rules()?;
    let workflows = ctx.load_workflows(&set)?;
    let mut conn = ctx.open_store()?;
    let mut d = dispatcher(ctx, &workflows)?;
    let report = match until {
        None => run_once(&mut conn, &workflows, ctx.now, &mut d)?,
        Some(text) => {
            let until = crate::dsl::literal::timestamp(text).ok_or_else(|| {
                CliError::Message(format!(
                    "--until {text}: not a timestamp; write 2026-11-22 or 2026-11-22T10:00:00Z"
                ))
            })?;
            if until < ctx.now {
                return Err(CliError::Message(format!(
                    "--until {text} is before --now; nothing to simulate"
                )));
            }
            run_until(&mut conn, &workflows, ctx.now, until, &mut d)?
        }
    };
    print_report(&report);
    print_errors(&d);
    Ok(())
}

pub fn print_report(r: &AdvanceReport) {
    println!(
        "started {}, steps {}, sent {}, held {}, skipped {}, converted {}, exited {}, done {}",
        r.started, r.steps, r.sent, r.held, r.skipped, r.converted, r.exited, r.done
    );
}

pub fn list(ctx: &Context) -> CliResult {
    let set = ctx.load_rules()?;
    let workflows = ctx.load_workflows(&set)?;
    for w in &workflows.workflows {
        let trigger = match &w.trigger {
            Trigger::SegmentEntered(s) => format!("segment_entered {s}"),
            Trigger::SegmentExited(s) => format!("segment_exited {s}"),
            Trigger::Event { event_type, .. } => format!("event {event_type}"),
            Trigger::Schedule {
                cron,
                timezone,
                segment,
            } => format!("schedule \"{cron}\" {timezone} {segment}"),
        };
        println!(
            "{:<24} {:<48} {} steps",
            w.name,
            trigger,
            w.step_ids().len()
        );
    }
    Ok(())
}

pub fn status(ctx: &Context, name: Option<&str>) -> CliResult {
    let conn = ctx.open_store()?;
    let rows = crate::store::journeys::step_counts(&conn, name)?;
    let mut any = false;
    println!(
        "{:<24} {:<24} {:<10} {:>8}",
        "workflow", "step", "state", "journeys"
    );
    for row in rows {
        let (w, step, state, n) = (row.workflow, row.step, row.state, row.journeys);
        let step = if matches!(state.as_str(), "done" | "converted" | "exited") {
            "-".to_string()
        } else {
            step
        };
        println!("{w:<24} {step:<24} {state:<10} {n:>8}");
        any = true;
    }
    if !any {
        println!("no journeys yet; run `segflow workflows run --once`");
    }
    Ok(())
}
