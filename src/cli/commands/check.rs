//! `segflow check`: load and check every rule file, every workflow and every template, report
//! every problem at once, as text with source lines or in a format CI reads.

use crate::cli::args::CheckFormat;
use crate::cli::{CliError, CliResult, Context};
use crate::repository::check_format;

pub fn check(ctx: &Context, format: CheckFormat) -> CliResult {
    let report = crate::repository::check(&ctx.paths, ctx.config.mail.template_fuel);
    if format != CheckFormat::Text {
        let base = std::env::current_dir().unwrap_or_default();
        match format {
            CheckFormat::Json => println!(
                "{}",
                serde_json::to_string_pretty(&check_format::json(&report, &base))?
            ),
            CheckFormat::Sarif => println!(
                "{}",
                serde_json::to_string_pretty(&check_format::sarif(&report, &base))?
            ),
            CheckFormat::Github | CheckFormat::Text => {
                print!("{}", check_format::github(&report, &base))
            }
        }
        if report.is_ok() {
            return Ok(());
        }
        let n = report.problems().len() + usize::from(report.failure.is_some());
        return Err(CliError::Message(format!(
            "{n} problem{} found",
            if n == 1 { "" } else { "s" }
        )));
    }
    if let Some(failure) = report.failure {
        return Err(CliError::Message(failure));
    }
    if !report.diagnostics.is_empty() {
        return Err(CliError::Diagnostics(report.diagnostics));
    }
    let problems = &report.templates;
    if !problems.is_empty() {
        for p in problems {
            eprintln!("{p}");
        }
        return Err(CliError::Message(format!(
            "{} problem{} in the templates in {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            ctx.paths.templates.display()
        )));
    }
    let n = report.segments;
    println!(
        "{n} segment{} checked in {}: no problems",
        if n == 1 { "" } else { "s" },
        ctx.paths.rules.display()
    );
    let w = report.workflows;
    if w > 0 {
        println!(
            "{w} workflow{} checked in {}: no problems",
            if w == 1 { "" } else { "s" },
            ctx.paths.workflows.display()
        );
    }
    Ok(())
}
