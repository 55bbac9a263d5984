//! `segflow webhooks send`: queues what the journals have new for the `[[webhooks]]` and makes
//! the due calls, for shops that run segflow from cron rather than as a daemon (the daemon
//! does the same on its own thread).

use crate::cli::{CliError, CliResult, Context};
use crate::webhooks::{deliver, load, pump, DeliveryReport};

pub fn send(ctx: &Context, once: bool) -> CliResult {
    let hooks = load(&ctx.config.webhooks, &|var| std::env::var(var).ok())
        .map_err(|e| CliError::Message(e.to_string()))?;
    if hooks.is_empty() {
        return Err(CliError::Message(
            "no webhooks are configured; add a [[webhooks]] table to segflow.toml (README \"Outgoing webhooks\")".into(),
        ));
    }
    let Some(_lock) =
        crate::mail::sender_lock::try_lock_webhooks(&ctx.db).map_err(CliError::Message)?
    else {
        println!("another process (a running `segflow run`, or another `segflow webhooks send`) is making the webhook calls; this run leaves them to it");
        return Ok(());
    };
    let mut conn = ctx.open_store()?;
    let queued = pump(&mut conn, &hooks, ctx.now)?;
    let mut total = DeliveryReport::default();
    loop {
        let r = deliver(&conn, &hooks, ctx.now)?;
        total.delivered += r.delivered;
        total.retried += r.retried;
        total.failed += r.failed;
        // A pass that delivered nothing has only failing endpoints left, each retried later.
        if once || r.delivered == 0 {
            break;
        }
    }
    println!(
        "webhooks: {queued} queued, {} delivered, {} to retry, {} given up",
        total.delivered, total.retried, total.failed
    );
    Ok(())
}
