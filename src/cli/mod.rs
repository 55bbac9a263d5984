//! The command-line front end: parses arguments, resolves configuration, calls the library and
//! formats its results. No business logic lives here.

pub mod args;
mod commands;
mod table;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::config::Config;
use crate::dsl::diagnostic::{render, FileDiagnostic};
use crate::repository::{LoadError, Paths};
use crate::segment::SegmentSet;
use crate::store::{describe_wait, LockWait};
use crate::workflow::Workflows;

pub use args::Cli;

/// Why a command failed. Diagnostics are rendered with source snippets; other errors are one
/// line that says what went wrong and, where there is one, what to do.
#[derive(Debug)]
pub enum CliError {
    Message(String),
    Diagnostics(Vec<FileDiagnostic>),
}

/// The library errors a command reports as one line: each says what went wrong in the
/// merchant's words. Listed one by one, so an error type the CLI has not been written to
/// report does not turn into a message by accident.
macro_rules! reported_as_message {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                CliError::Message(e.to_string())
            }
        }
    )*};
}

reported_as_message!(
    String,
    &str,
    std::io::Error,
    rusqlite::Error,
    serde_json::Error,
    csv::Error,
    crate::config::ConfigError,
    crate::mail::message::ConfigError,
    crate::scaffold::ScaffoldError,
    crate::generate::GenerateError,
    crate::store::StoreError,
    crate::store::import::ImportError,
    crate::analytics_store::ScoreError,
    crate::repository::refresh::RefreshAllError,
    crate::workflow::EngineError,
    crate::demo::DemoError,
    crate::repository::revision::RevisionError,
);

pub type CliResult = Result<(), CliError>;

/// Resolved settings every command works with.
pub struct Context {
    pub config: Config,
    pub db: PathBuf,
    /// Where the rule, workflow and template files are (`--rules` resolved against the config).
    pub paths: Paths,
    /// The evaluation time in unix milliseconds.
    pub now: i64,
    /// Whether `now` came from `--now` rather than the clock: commands that would otherwise
    /// keep reading the clock (the sender) then keep to `now` instead.
    pub now_given: bool,
    /// How the command's store connections wait for the write lock (`[store] busy_timeout`).
    pub lock_wait: LockWait,
}

impl Context {
    fn new(global: &args::Global) -> Result<Context, CliError> {
        let config = match &global.config {
            Some(path) => Config::load(path)?,
            None => Config::discover()?,
        };
        let now = match &global.now {
            Some(text) => crate::dsl::literal::timestamp(text).ok_or_else(|| {
                CliError::Message(format!(
                    "--now {text}: not a timestamp; write 2026-11-22, 2026-11-22T10:00:00Z or 2026-11-22 10:00:00"
                ))
            })?,
            None => chrono::Utc::now().timestamp_millis(),
        };
        let paths = Paths::resolve(&config, global.rules.as_deref());
        Ok(Context {
            paths,
            db: global
                .db
                .clone()
                .unwrap_or_else(|| config.store.path.clone()),
            now,
            now_given: global.now.is_some(),
            lock_wait: LockWait::new(std::time::Duration::from_millis(
                config.store.busy_timeout.max(0) as u64,
            )),
            config,
        })
    }

    /// Opens the store for a command: its transactions take the write lock when they begin
    /// and wait for it up to `[store] busy_timeout`, so the command works beside the daemon.
    /// The shop's `uncounted_statuses` are applied (a no-op unless the list changed).
    pub fn open_store(&self) -> Result<rusqlite::Connection, CliError> {
        let mut conn = crate::store::open_waiting(&self.db, &self.lock_wait)?;
        crate::store::order_status::sync(&mut conn, &self.config.shop.uncounted_statuses).map_err(
            |e| {
                CliError::Message(format!(
                    "cannot apply [shop] uncounted_statuses to {}: {e}",
                    self.db.display()
                ))
            },
        )?;
        Ok(conn)
    }

    pub fn load_rules(&self) -> Result<SegmentSet, CliError> {
        crate::repository::load_rules(&self.paths).map_err(CliError::from_load)
    }

    /// Loads and checks every workflow against the segments and the templates.
    pub fn load_workflows(&self, segments: &SegmentSet) -> Result<Workflows, CliError> {
        crate::repository::load_workflows(&self.paths, segments).map_err(CliError::from_load)
    }
}

impl CliError {
    /// A loading error: located problems keep their source snippets (in colour on a terminal).
    pub fn from_load(error: LoadError) -> CliError {
        match error {
            LoadError::Diagnostics(ds) => CliError::Diagnostics(ds),
            other => CliError::Message(other.to_string()),
        }
    }
}

/// Rewords the error of a command that gave up waiting for the write lock: SQLite only says
/// "database is locked", while the merchant needs to know which command waited, for how long,
/// and what to do about it.
fn lock_timeout(ctx: &Context, matches: &clap::ArgMatches, error: CliError) -> CliError {
    let CliError::Message(message) = error else {
        return error;
    };
    if !ctx.lock_wait.gave_up() {
        return CliError::Message(message);
    }
    let mut command = String::from("segflow");
    let mut level = matches;
    while let Some((name, sub)) = level.subcommand() {
        command.push(' ');
        command.push_str(name);
        level = sub;
    }
    let waited = describe_wait(ctx.lock_wait.timeout());
    CliError::Message(format!(
        "`{command}` waited {waited} for the write lock of {db} and gave up: another writer held \
         it all that time (a running `segflow run` busy with a large refresh, or another import or \
         refresh). Its unfinished transaction was rolled back. Run the command again later, or \
         let it wait longer with `busy_timeout` under [store] in segflow.toml (now \"{waited}\"). \
         SQLite said: {message}",
        db = ctx.db.display(),
    ))
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let result = commands::run_without_context(&cli.command).unwrap_or_else(|| {
        Context::new(&cli.global).and_then(|ctx| {
            commands::run(&ctx, &cli.command).map_err(|e| lock_timeout(&ctx, &matches, e))
        })
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Message(m)) => {
            eprintln!("error: {m}");
            ExitCode::FAILURE
        }
        Err(CliError::Diagnostics(ds)) => {
            let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            eprint!("{}", render(&ds, color));
            let files: std::collections::BTreeSet<&str> =
                ds.iter().map(|d| d.file.name.as_str()).collect();
            eprintln!(
                "error: {} problem{} in {} file{}",
                ds.len(),
                if ds.len() == 1 { "" } else { "s" },
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            );
            ExitCode::FAILURE
        }
    }
}
