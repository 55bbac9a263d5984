//! `segflow run` and `segflow status`: start the daemon, or show what it is doing.

use crate::cli::{CliError, CliResult, Context};
use crate::daemon::{Paths, Setup};

pub fn run(ctx: &Context, bind: Option<String>) -> CliResult {
    crate::daemon::init_logging();
    let setup = Setup {
        config: ctx.config.clone(),
        db: ctx.db.clone(),
        paths: Paths {
            rules: ctx.rules.clone(),
            workflows: ctx.workflows.clone(),
            templates: ctx.templates_dir(),
        },
        bind,
    };
    crate::daemon::run(setup).map_err(CliError::Message)
}

pub fn status(ctx: &Context) -> CliResult {
    let conn = ctx.open_store()?;
    print!("{}", crate::daemon::status::report(&conn, ctx.now)?);
    Ok(())
}
