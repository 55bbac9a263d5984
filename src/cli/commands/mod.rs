//! One file per group of commands; `run` dispatches to them.

mod bounces;
mod check;
mod daemon;
mod demo;
mod diff;
mod import;
mod mail;
mod model;
mod report;
mod rule_test;
mod segment;
mod segments;
mod send;
mod webhooks;
pub mod workflows;

use super::args::{
    BouncesCommand, Command, ModelCommand, SegmentCommand, SuppressCommand, WebhooksCommand,
    WorkflowsCommand,
};
use super::{CliResult, Context};

/// Runs a command that reads no repository through the CLI's context (`init`, `schema`,
/// `lsp`, which reads it in its own way and reports a broken file in the editor), so that a broken or missing
/// `segflow.toml` cannot keep a merchant from scaffolding or from fetching the schema that
/// would help fix it; `None` for every other command.
pub fn run_without_context(command: &Command) -> Option<CliResult> {
    match command {
        Command::Init { dir, examples } => Some(demo::init(dir.as_deref(), *examples)),
        Command::Schema { kind } => {
            use crate::repository::schemas::{schema, SchemaKind};
            let kind = match kind {
                super::args::SchemaArg::Rules => SchemaKind::Rules,
                super::args::SchemaArg::Workflows => SchemaKind::Workflows,
                super::args::SchemaArg::Config => SchemaKind::Config,
            };
            print!("{}", schema(kind));
            Some(Ok(()))
        }
        Command::Lsp => Some(
            std::env::current_dir()
                .map_err(|e| format!("cannot read the current directory: {e}"))
                .and_then(|cwd| crate::lsp::serve(&cwd).map_err(|e| e.to_string()))
                .map_err(super::CliError::Message),
        ),
        _ => None,
    }
}

pub fn run(ctx: &Context, command: &Command) -> CliResult {
    if let Some(result) = run_without_context(command) {
        return result;
    }
    match command {
        // Answered by `run_without_context` above.
        Command::Init { .. } | Command::Schema { .. } | Command::Lsp => Ok(()),
        Command::Check { format } => check::check(ctx, *format),
        Command::Segments { json } => segments::segments(ctx, *json),
        Command::Explain { name } => segments::explain(ctx, name),
        Command::Refresh { json, history } => segments::refresh(ctx, *json, history.as_deref()),
        Command::Segment { command } => match command {
            SegmentCommand::Show { name, json } => segment::show(ctx, name, *json),
            SegmentCommand::Export { name, format, out } => {
                segment::export(ctx, name, *format, out.as_deref())
            }
            SegmentCommand::History { name, json } => segment::history(ctx, name, *json),
        },
        Command::Workflows { command } => match command {
            WorkflowsCommand::Run { once, until } => workflows::run(ctx, *once, until.as_deref()),
            WorkflowsCommand::List => workflows::list(ctx),
            WorkflowsCommand::Status { name } => workflows::status(ctx, name.as_deref()),
        },
        Command::Model { command } => match command {
            ModelCommand::Fit { json } => model::fit(ctx, *json),
            ModelCommand::Show { holdout, json } => model::show(ctx, holdout.as_deref(), *json),
        },
        Command::Report {
            json,
            since,
            html,
            window_days,
        } => report::report(ctx, *json, since.as_deref(), html.as_deref(), *window_days),
        Command::Preview {
            workflow,
            step,
            customer,
        } => mail::preview(ctx, workflow, step, customer),
        Command::SendTest {
            template,
            to,
            customer,
        } => mail::send_test(ctx, template, to, customer.as_deref()),
        Command::Unsubscribe { email } => mail::unsubscribe(ctx, email),
        Command::Suppress { command } => match command {
            SuppressCommand::Import { file } => mail::suppress_import(ctx, file),
        },
        Command::Webhooks { command } => match command {
            WebhooksCommand::Send { once } => webhooks::send(ctx, *once),
        },
        Command::Bounces { command } => match command {
            BouncesCommand::Import { files } => bounces::import(ctx, files),
        },
        Command::Run { bind } => daemon::run(ctx, bind.clone()),
        Command::Status => daemon::status(ctx),
        Command::Send { once, connections } => send::send(ctx, *once, *connections),
        Command::Import {
            kind,
            file,
            strict,
            map,
        } => import::import(ctx, *kind, file, *strict, map.as_deref()),
        Command::Test => rule_test::test(ctx),
        Command::Diff {
            base,
            head,
            json,
            markdown,
        } => diff::diff(ctx, base.as_deref(), head.as_deref(), *json, *markdown),
        Command::Generate {
            customers,
            seed,
            out,
        } => demo::generate(ctx, *customers, *seed, out),
        Command::Demo {
            customers,
            seed,
            dir,
        } => demo::demo(ctx, *customers, *seed, dir),
    }
}
