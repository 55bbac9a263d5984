//! `segflow bounces import`: prints what `mail::bounce::import` found in each file.

use std::path::PathBuf;

use crate::cli::{CliError, CliResult, Context};
use crate::mail::bounce::{import as import_file, FileSummary};

/// How many unknown addresses a summary lists by name.
const LISTED: usize = 10;

pub fn import(ctx: &Context, files: &[PathBuf]) -> CliResult {
    let verp = crate::mail::message::verp_of(&ctx.config.mail)
        .map_err(|e| CliError::Message(format!("[mail] in the config: {e}")))?;
    let mut conn = ctx.open_store()?;
    let mut unreadable = 0;
    let mut missing = Vec::new();
    for file in files {
        let data = match std::fs::read(file) {
            Ok(data) => data,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", file.display());
                missing.push(file.display().to_string());
                continue;
            }
        };
        let tx = conn.transaction()?;
        let summary = import_file(
            &tx,
            file,
            &data,
            &ctx.config.mail.bounces,
            verp.as_ref(),
            ctx.now,
        )?;
        tx.commit()?;
        print!("{}", describe(&file.display().to_string(), &summary));
        for error in &summary.errors {
            eprintln!("error: {error}");
        }
        unreadable += summary.errors.len();
    }
    match (unreadable, missing.len()) {
        (0, 0) => Ok(()),
        (n, 0) => Err(CliError::Message(format!(
            "{n} message{} could not be read (listed above); the others were recorded",
            plural(n)
        ))),
        (_, _) => Err(CliError::Message(format!(
            "could not read {}; the other files were imported",
            missing.join(", ")
        ))),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The lines printed for one file.
fn describe(file: &str, s: &FileSummary) -> String {
    let mut out = format!(
        "{file}: {} message{}: {} delivery report{}, {} complaint report{}, {} other message{}{}\n",
        s.messages,
        plural(s.messages),
        s.delivery_reports,
        plural(s.delivery_reports),
        s.complaint_reports,
        plural(s.complaint_reports),
        s.not_reports,
        plural(s.not_reports),
        if s.errors.is_empty() {
            String::new()
        } else {
            format!(", {} unreadable", s.errors.len())
        },
    );
    out.push_str(&format!(
        "  bounces: {} hard, {} soft; complaints: {}\n",
        s.hard, s.soft, s.complaints
    ));
    let mut unknown = String::new();
    if !s.unknown.is_empty() {
        let named: Vec<&str> = s
            .unknown
            .iter()
            .take(LISTED)
            .map(|r| r.as_deref().unwrap_or("no address given"))
            .collect();
        let more = s.unknown.len().saturating_sub(LISTED);
        unknown = format!(
            " ({}{})",
            named.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    out.push_str(&format!(
        "  tied to their message: {}, to a customer by address only: {}, unknown address: {}{unknown}, already recorded: {}\n",
        s.matched,
        s.by_address,
        s.unknown.len(),
        s.duplicates
    ));
    if s.suppressed.is_empty() {
        out.push_str("  suppressed: none\n");
    } else {
        let list: Vec<String> = s
            .suppressed
            .iter()
            .take(LISTED)
            .map(|(email, reason)| format!("{email}: {reason}"))
            .collect();
        let more = s.suppressed.len().saturating_sub(LISTED);
        out.push_str(&format!(
            "  suppressed: {} ({}{})\n",
            s.suppressed.len(),
            list.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ));
    }
    if s.journeys_exited > 0 {
        out.push_str(&format!(
            "  journeys exited after a complaint: {}\n",
            s.journeys_exited
        ));
    }
    out
}
