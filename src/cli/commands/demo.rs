//! `segflow init`, `segflow generate` and `segflow demo`: getting started without data of one's
//! own.

use std::io::IsTerminal;
use std::path::Path;

use std::collections::HashMap;

use crate::cli::{CliResult, Context};
use crate::generate::{generate_shop, GenerateOptions};
use crate::mail::{Clock, FileTransport, MessageDefaults, Sender};
use crate::store::import::{import_csv, ImportKind, ImportOptions};
use crate::workflow::run_until;

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

pub fn demo(ctx: &Context, customers: usize, seed: u64, dir: &Path) -> CliResult {
    let shop = dir.join("shop");
    let db = dir.join("segflow.db");
    eprintln!(
        "segflow demo: generating a sample shop of {customers} customers in {}",
        shop.display()
    );
    generate_shop(
        &GenerateOptions {
            customers,
            seed,
            now: ctx.now,
        },
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
        rules: ctx.rules.clone(),
        workflows: ctx.workflows.clone(),
        now: ctx.now,
        now_given: ctx.now_given,
        lock_wait: ctx.lock_wait.clone(),
    };
    super::segments::refresh(&demo_ctx, false, None)?;
    println!();
    super::segments::segments(&demo_ctx, false)?;
    campaigns(&demo_ctx, &dir.join("outbox"))?;
    println!("\nThe sample shop is in {}. Try:", db.display());
    println!("  segflow --db {} segment show vip", db.display());
    println!("  segflow --db {} explain lapsed_6_months", db.display());
    Ok(())
}

/// How far the demo simulates the example workflows.
const CAMPAIGN_DAYS: i64 = 14;

/// A clock stopped at the end of the simulation: the demo delivers what is due by then at once.
struct SimulatedClock(i64);

impl Clock for SimulatedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }

    fn sleep(&self, _duration: std::time::Duration) {}
}

/// Runs the example workflows over the sample shop for the next `CAMPAIGN_DAYS` days of
/// simulated time, then delivers what is due into `.eml` files in `outbox` (never SMTP).
fn campaigns(ctx: &Context, outbox: &Path) -> CliResult {
    let set = ctx.load_rules()?;
    let workflows = ctx.load_workflows(&set)?;
    if workflows.workflows.is_empty() {
        return Ok(());
    }
    let until = ctx.now + CAMPAIGN_DAYS * 86_400_000;
    let mut d = super::workflows::dispatcher(ctx, &workflows)?;
    let mut conn = ctx.open_store()?;
    let report = run_until(&mut conn, &workflows, ctx.now, until, &mut d)?;
    super::workflows::print_errors(&d);
    if outbox.exists() {
        std::fs::remove_dir_all(outbox)
            .map_err(|e| format!("cannot remove the old {}: {e}", outbox.display()))?;
    }
    let transport = FileTransport::new(outbox)
        .map_err(|e| format!("cannot create {}: {e}", outbox.display()))?;
    let defaults = MessageDefaults::from_config(&ctx.config.mail)?;
    let sender = Sender::new(transport, defaults, ctx.config.mail.delivery.clone());
    let clock = SimulatedClock(until);
    while sender.drain(&conn, &clock)?.processed() > 0 {}
    let mut sent: HashMap<(String, String), i64> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT workflow, step, COUNT(*) FROM outbox WHERE status = 'sent' GROUP BY 1, 2",
    )?;
    for row in stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))? {
        let (key, n) = row?;
        sent.insert(key, n);
    }
    println!(
        "\nThe example workflows over the next {CAMPAIGN_DAYS} days (journeys started {}, exited {}, converted {}):",
        report.started, report.exited, report.converted
    );
    println!(
        "{:<20} {:<18} {:>7} {:>7} {:>7} {:>7}",
        "workflow", "step", "queued", "held", "skipped", "sent"
    );
    for ((workflow, step), c) in &d.counts {
        let n = sent
            .get(&(workflow.clone(), step.clone()))
            .copied()
            .unwrap_or(0);
        println!(
            "{workflow:<20} {step:<18} {:>7} {:>7} {:>7} {n:>7}",
            c.queued, c.held, c.skipped
        );
    }
    println!(
        "\n{} emails written to {} (held messages not yet due stay in the outbox).",
        sent.values().sum::<i64>(),
        outbox.display()
    );
    Ok(())
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
