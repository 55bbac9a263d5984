//! `segflow workflows run|list|status`: the journey engine on the command line.

use rusqlite::Transaction;

use crate::cli::{CliError, CliResult, Context};
use crate::workflow::{
    run_once, run_until, AdvanceReport, DispatchOutcome, Dispatcher, SendRequest, Trigger,
};

/// The dispatcher the CLI sends through. Until the outbox exists this is a dry run: the
/// engine logs every send in `journey_log` and nothing leaves. The mail module swaps this.
pub fn dispatcher(_ctx: &Context) -> Box<dyn Dispatcher> {
    Box::new(DryRun)
}

struct DryRun;

impl Dispatcher for DryRun {
    fn dispatch(
        &mut self,
        _tx: &Transaction,
        _req: &SendRequest,
    ) -> Result<DispatchOutcome, String> {
        Ok(DispatchOutcome::Queued)
    }
}

pub fn run(ctx: &Context, _once: bool, until: Option<&str>) -> CliResult {
    let set = ctx.load_rules()?;
    let workflows = ctx.load_workflows(&set)?;
    let mut conn = ctx.open_store()?;
    let mut d = dispatcher(ctx);
    let report = match until {
        None => run_once(&mut conn, &workflows, ctx.now, d.as_mut())?,
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
            run_until(&mut conn, &workflows, ctx.now, until, d.as_mut())?
        }
    };
    print_report(&report);
    Ok(())
}

fn print_report(r: &AdvanceReport) {
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
    let mut stmt = conn.prepare(
        "SELECT workflow,
                CASE WHEN state IN ('active', 'waiting') THEN COALESCE(step_path, '-') ELSE '-' END,
                state, COUNT(*) FROM journeys
         WHERE ?1 IS NULL OR workflow = ?1 GROUP BY 1, 2, 3 ORDER BY 1, 3, 2",
    )?;
    let rows = stmt.query_map([name], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut any = false;
    println!(
        "{:<24} {:<24} {:<10} {:>8}",
        "workflow", "step", "state", "journeys"
    );
    for row in rows {
        let (w, step, state, n) = row?;
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
