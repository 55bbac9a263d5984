//! `segflow run` and `segflow status`: start the daemon, or show what it is doing.

use crate::cli::{CliError, CliResult, Context};
use crate::daemon::Setup;

pub fn run(ctx: &Context, bind: Option<String>) -> CliResult {
    if ctx.now_given {
        return Err(CliError::Message(
            "`segflow run` works on the wall clock and does not take --now; --now sets the time \
             of one-off commands (refresh, workflows run, send, report)"
                .into(),
        ));
    }
    crate::daemon::init_logging();
    let setup = Setup {
        config: ctx.config.clone(),
        db: ctx.db.clone(),
        paths: ctx.paths.clone(),
        bind,
        clock: std::sync::Arc::new(crate::mail::SystemClock),
    };
    crate::daemon::run(setup).map_err(|e| match e {
        crate::daemon::StartError::Files(load) => CliError::from_load(load),
        other => CliError::Message(other.to_string()),
    })
}

pub fn status(ctx: &Context) -> CliResult {
    let conn = ctx.open_store()?;
    print!("{}", crate::daemon::status::report(&conn, ctx.now)?);
    Ok(())
}
