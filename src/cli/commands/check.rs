//! `segflow check`: load and check every rule file and every workflow, report every problem
//! at once.

use crate::cli::{CliResult, Context};

pub fn check(ctx: &Context) -> CliResult {
    let set = ctx.load_rules()?;
    let workflows = ctx.load_workflows(&set)?;
    let n = set.segments.len();
    println!(
        "{n} segment{} checked in {}: no problems",
        if n == 1 { "" } else { "s" },
        ctx.rules.display()
    );
    let w = workflows.workflows.len();
    if w > 0 {
        println!(
            "{w} workflow{} checked in {}: no problems",
            if w == 1 { "" } else { "s" },
            ctx.workflows.display()
        );
    }
    Ok(())
}
