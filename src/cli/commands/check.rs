//! `segflow check`: load and check every rule file, every workflow and every template, report
//! every problem at once.

use crate::cli::{CliError, CliResult, Context};
use crate::mail::template_check;
use crate::mail::templates::Templates;

pub fn check(ctx: &Context) -> CliResult {
    let set = ctx.load_rules()?;
    let workflows = ctx.load_workflows(&set)?;
    let dir = &ctx.paths.templates;
    let (templates, mut problems) = Templates::load_all(dir, ctx.config.mail.template_fuel);
    problems.extend(template_check::check(&templates));
    problems.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        return Err(CliError::Message(format!(
            "{} problem{} in the templates in {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            dir.display()
        )));
    }
    let n = set.segments.len();
    println!(
        "{n} segment{} checked in {}: no problems",
        if n == 1 { "" } else { "s" },
        ctx.paths.rules.display()
    );
    let w = workflows.workflows.len();
    if w > 0 {
        println!(
            "{w} workflow{} checked in {}: no problems",
            if w == 1 { "" } else { "s" },
            ctx.paths.workflows.display()
        );
    }
    Ok(())
}
