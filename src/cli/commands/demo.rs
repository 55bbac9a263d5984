//! `segflow init`, `segflow generate` and `segflow demo`: getting started without data of one's
//! own.

use std::io::IsTerminal;
use std::path::Path;

use crate::cli::{CliError, CliResult, Context};
use crate::demo::{play, Files};
use crate::generate::{generate_live_shop, generate_shop, response_rng, GenerateOptions, LiveShop};
use crate::mail::outbox::step_status;
use crate::mail::{FileTransport, MessageDefaults, Sender};
use crate::repository::Generation;
use crate::store::import::{import_csv, ImportKind, ImportOptions};

pub fn generate(ctx: &Context, customers: usize, seed: u64, out: &Path) -> CliResult {
    let summary = generate_shop(
        &GenerateOptions {
            customers,
            seed,
            now: ctx.now,
        },
        out,
    )?;
    println!(
        "wrote {} customers, {} products, {} orders, {} order lines and {} events to {}",
        summary.customers,
        summary.products,
        summary.orders,
        summary.items,
        summary.events,
        out.display()
    );
    Ok(())
}

/// The order matters: orders need customers, items need orders and products.
const FILES: [(&str, ImportKind); 5] = [
    ("customers.csv", ImportKind::Customers),
    ("products.csv", ImportKind::Products),
    ("orders.csv", ImportKind::Orders),
    ("items.csv", ImportKind::Items),
    ("events.csv", ImportKind::Events),
];

/// How many days after `now` the demo plays.
const LIVE_DAYS: u32 = 14;

/// The demo's `[daemon] refresh_every` at the least: six hours, in milliseconds.
const DEMO_REFRESH_EVERY: i64 = 6 * 3_600_000;

pub fn demo(ctx: &Context, customers: usize, seed: u64, dir: &Path) -> CliResult {
    // The generator works in whole seconds, and the live days start at its `now`: the first
    // refresh must not lie after the workflows' activation at that start, or every member it
    // finds would count as newly entered.
    let now = ctx.now.div_euclid(1000) * 1000;
    let shop = dir.join("shop");
    let db = dir.join("segflow.db");
    eprintln!(
        "segflow demo: generating a sample shop of {customers} customers in {}",
        shop.display()
    );
    let (_, mut live) = generate_live_shop(
        &GenerateOptions {
            customers,
            seed,
            now,
        },
        LIVE_DAYS,
        &shop,
    )?;
    // A fresh database each time, so the demo shows the same result on every run.
    for suffix in ["", "-wal", "-shm"] {
        let p = dir.join(format!("segflow.db{suffix}"));
        if p.exists() {
            std::fs::remove_file(&p)
                .map_err(|e| format!("cannot remove the old {}: {e}", p.display()))?;
        }
    }
    let mut conn = crate::store::open(&db)?;
    let opts = ImportOptions {
        strict: false,
        progress: std::io::stderr().is_terminal(),
        reject_dir: None,
        map: None,
    };
    for (file, kind) in FILES {
        let summary = import_csv(&mut conn, kind, &shop.join(file), &opts)?;
        eprintln!("{}", summary.to_string().lines().next().unwrap_or_default());
    }
    drop(conn);
    let demo_ctx = Context {
        config: ctx.config.clone(),
        db: db.clone(),
        paths: ctx.paths.clone(),
        now,
        now_given: ctx.now_given,
        lock_wait: ctx.lock_wait.clone(),
    };
    super::segments::refresh(&demo_ctx, false, None)?;
    println!();
    super::segments::segments(&demo_ctx, false)?;
    let end = live.end;
    let played = campaigns(&demo_ctx, &dir.join("outbox"), &mut live, seed)?;
    println!("\nThe sample shop is in {}. Try:", db.display());
    if played {
        println!(
            "  segflow --db {} --now {} report      # funnels, attributed revenue and the A/B split at the demo's end",
            db.display(),
            rfc3339(end)
        );
    }
    println!("  segflow --db {} segment show vip", db.display());
    println!("  segflow --db {} explain lapsed_6_months", db.display());
    Ok(())
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// Plays the live days with the example workflows running (see `crate::demo`), delivering
/// into `.eml` files in `outbox` (never SMTP), and prints what happened; false when there are
/// no workflows to run.
fn campaigns(
    ctx: &Context,
    outbox: &Path,
    live: &mut LiveShop,
    seed: u64,
) -> Result<bool, CliError> {
    // Changed customers move between segments at once; the full refreshes of segments without
    // a `refresh:` of their own catch what time alone changes, which needs no quarter-hourly
    // pass over the whole shop in a 14-day demo.
    let mut config = ctx.config.clone();
    config.daemon.refresh_every = config.daemon.refresh_every.max(DEMO_REFRESH_EVERY);
    let mut gen = Generation::load(&ctx.paths, &config).map_err(CliError::from_load)?;
    if let Some(warning) = &gen.warning {
        eprintln!("{warning}");
    }
    if gen.workflows.workflows.is_empty() {
        return Ok(false);
    }
    if outbox.exists() {
        std::fs::remove_dir_all(outbox)
            .map_err(|e| format!("cannot remove the old {}: {e}", outbox.display()))?;
    }
    let transport = FileTransport::new(outbox)
        .map_err(|e| format!("cannot create {}: {e}", outbox.display()))?;
    let defaults = MessageDefaults::from_config(&ctx.config.mail)?;
    let sender = Sender::new(transport, defaults, ctx.config.mail.delivery.clone());
    let mut conn = ctx.open_store()?;
    let scores = crate::repository::score_options(&ctx.config);
    let files = Files {
        segments: &gen.segments,
        workflows: &gen.workflows,
        scores: &scores,
    };
    let mut rng = response_rng(seed);
    let report = play(
        &mut conn,
        &files,
        &mut gen.dispatcher,
        &sender,
        live,
        &mut rng,
        ctx.config.daemon.max_overlay,
    )?;
    super::workflows::print_errors(&gen.dispatcher);
    let steps = step_status(&conn, live.end)?;
    println!(
        "\nThe next {LIVE_DAYS} days, played: {} sign-ups, {} orders ({} after a click in an email), {} events ({} opens, {} clicks of the emails below).",
        report.signups, report.orders, report.mail_orders, report.events, report.opens, report.clicks
    );
    println!(
        "The example workflows: journeys started {}, converted {} (reached their goal), exited {}.",
        report.journeys.started, report.journeys.converted, report.journeys.exited
    );
    println!(
        "{:<20} {:<18} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "workflow", "step", "sent", "queued", "held", "skipped", "failed"
    );
    let mut keys: Vec<(String, String)> = gen.dispatcher.counts.keys().cloned().collect();
    keys.extend(steps.iter().map(|s| (s.workflow.clone(), s.step.clone())));
    keys.sort();
    keys.dedup();
    let (mut sent, mut waiting) = (0, 0);
    for (workflow, step) in &keys {
        let s = steps
            .iter()
            .find(|s| &s.workflow == workflow && &s.step == step)
            .cloned()
            .unwrap_or_default();
        let skipped = gen
            .dispatcher
            .counts
            .get(&(workflow.clone(), step.clone()))
            .map_or(0, |c| c.skipped);
        sent += s.sent;
        waiting += s.held + s.queued;
        println!(
            "{workflow:<20} {step:<18} {:>7} {:>7} {:>7} {skipped:>7} {:>7}",
            s.sent, s.queued, s.held, s.failed
        );
    }
    println!(
        "\n{sent} emails sent, written to {}; {waiting} not yet due by the demo's end (held by the sending policy) stay in the outbox.",
        outbox.display()
    );
    Ok(true)
}

/// Scaffolds a merchant repository without overwriting anything that exists, and says what to
/// do next.
pub fn init(dir: Option<&Path>, examples: bool) -> CliResult {
    let dir = dir.unwrap_or(Path::new("."));
    for path in crate::scaffold::init(dir, examples)? {
        println!("created {}", path.display());
    }
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", dir.display())
    };
    println!(
        "next: {cd}segflow import customers customers.csv (then products, orders, items, events), segflow check, segflow refresh, segflow run"
    );
    Ok(())
}
