//! `segflow diff`: compares two revisions of the rule files on the current store.

use crate::cli::{CliResult, Context};
use crate::repository::diff::{diff as compare, Runner, Side};
use crate::repository::revision::{default_base, rule_files_at};
use crate::repository::{diff_text, load_rules, load_workflows, Generation, LoadError};
use crate::segment::SegmentSet;

fn at_revision(ctx: &Context, rev: &str) -> Result<Side, crate::cli::CliError> {
    let files = rule_files_at(&ctx.paths.rules, rev)?;
    Ok(SegmentSet::from_files(files))
}

pub fn diff(
    ctx: &Context,
    base: Option<&str>,
    head: Option<&str>,
    json: bool,
    markdown: bool,
) -> CliResult {
    let base = match base {
        Some(rev) => rev.to_string(),
        None => default_base(&ctx.paths.rules)?,
    };
    let base_side = at_revision(ctx, &base)?;
    let head_side: Side = match head {
        Some(rev) => at_revision(ctx, rev)?,
        None => match load_rules(&ctx.paths) {
            Ok(set) => Ok(set),
            Err(LoadError::Diagnostics(ds)) => Err(ds),
            Err(other) => return Err(crate::cli::CliError::from_load(other)),
        },
    };
    // The journeys a change would start are those of the workflows as they are now, run with
    // the templates as they are now when everything loads.
    let workflows = head_side
        .as_ref()
        .ok()
        .and_then(|set| load_workflows(&ctx.paths, set).ok());
    let mut generation = Generation::load(&ctx.paths, &ctx.config).ok();
    let label = |rev: &str| rev.get(..rev.len().min(10)).unwrap_or(rev).to_string();
    let head_label = head.map_or_else(|| "working tree".to_string(), label);
    // Everything runs on a copy in memory, with this configuration's order statuses applied
    // to it only: the merchant's store is opened read-only and never written.
    let store = crate::store::open_read_only(&ctx.db)?;
    let mut conn = crate::store::copy_in_memory(&store)?;
    drop(store);
    crate::store::order_status::sync(&mut conn, &ctx.config.shop.uncounted_statuses)?;
    let d = compare(
        &mut conn,
        (&label(&base), &head_label),
        &base_side,
        &head_side,
        workflows.as_ref().map(|workflows| Runner {
            workflows,
            dispatcher: generation
                .as_mut()
                .map(|g| &mut g.dispatcher as &mut dyn crate::workflow::Dispatcher),
        }),
        ctx.now,
    )
    .map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&d)?);
    } else if markdown {
        print!("{}", diff_text::markdown(&d));
    } else {
        print!("{}", diff_text::text(&d));
    }
    Ok(())
}
