//! `segflow send`: drains the outbox through the configured transport and prints what happened.
//!
//! It exists so delivery can run on its own schedule (cron, a systemd timer, or by hand after
//! `workflows run`), separate from deciding who gets mail. Every run starts by recovering rows a
//! killed run left in `sending`; they keep their Message-ID, so a message the server had already
//! accepted before the crash arrives at most once more, recognisably.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use crate::mail::config::TransportKind;
use crate::mail::{outbox, sender_lock};
use crate::mail::{Clock, DrainReport, PinnedClock, SystemClock};

use super::super::{CliError, CliResult, Context};

/// Sends one batch (`once`) or everything due with up to `connections` messages in flight,
/// then prints a summary.
pub fn send(ctx: &Context, once: bool, connections: usize) -> CliResult {
    let mail = &ctx.config.mail;
    let Some(_lock) = sender_lock::try_lock(&ctx.db).map_err(CliError::Message)? else {
        println!(
            "another sender is delivering the outbox of {} (a running `segflow run`, or another \
             `segflow send`); it sends what is due, so this run leaves it to that one",
            ctx.db.display()
        );
        return Ok(());
    };
    let sender = crate::mail::configured_sender(mail).map_err(CliError::Message)?;
    let conn = ctx.open_store()?;
    // With --now the run is as of that time: due rows are those due by then, and it is the
    // time recorded for what is sent. Without it, the wall clock.
    let clock: Box<dyn Clock> = if ctx.now_given {
        Box::new(PinnedClock::new(ctx.now))
    } else {
        Box::new(SystemClock)
    };
    let clock = clock.as_ref();
    let recovered = sender.recover(&conn, clock.now_ms())?;
    let mut total = DrainReport::default();
    // No signal handling yet: a stop is a kill, which the recovery above covers.
    let never = AtomicBool::new(false);
    loop {
        let report = sender.drain_concurrent(&conn, clock, &never, connections)?;
        add(&mut total, &report);
        // A drain that handled nothing means nothing is due: what is left waits for a retry time.
        if once || report.processed() == 0 {
            break;
        }
    }
    println!(
        "{}",
        summary(&total, recovered, mail.transport, &mail.file.dir)
    );
    let counts = outbox::status_counts(&conn)?;
    let mut parts: Vec<String> = counts
        .iter()
        .map(|(status, n)| format!("{} {n}", status.as_str()))
        .collect();
    parts.sort();
    println!("outbox: {}", parts.join(", "));
    Ok(())
}

fn add(total: &mut DrainReport, report: &DrainReport) {
    total.sent += report.sent;
    total.retried += report.retried;
    total.failed += report.failed;
    total.bounced += report.bounced;
    total.skipped += report.skipped;
}

fn summary(total: &DrainReport, recovered: usize, kind: TransportKind, dir: &Path) -> String {
    let via = match kind {
        TransportKind::Smtp => "over SMTP".to_string(),
        TransportKind::File => format!("into {}", dir.display()),
    };
    let mut line = format!(
        "sent {} {via}; {} to retry later, {} failed ({} hard bounces suppressed), {} skipped as suppressed",
        total.sent, total.retried, total.failed, total.bounced, total.skipped
    );
    if recovered > 0 {
        line.push_str(&format!(
            "; {recovered} interrupted by an earlier run were sent again with their Message-ID"
        ));
    }
    line
}
