//! `segflow check`: load and check every rule file, report every problem at once.

use crate::cli::{CliResult, Context};

pub fn check(ctx: &Context) -> CliResult {
    let set = ctx.load_rules()?;
    let n = set.segments.len();
    println!(
        "{n} segment{} checked in {}: no problems",
        if n == 1 { "" } else { "s" },
        ctx.rules.display()
    );
    Ok(())
}
