//! `segflow init`, `segflow generate` and `segflow demo`: getting started without data of one's
//! own.

use std::io::IsTerminal;
use std::path::Path;

use crate::cli::{CliError, CliResult, Context};
use crate::generate::{generate_shop, GenerateOptions};
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
    };
    super::segments::refresh(&demo_ctx, false)?;
    println!();
    super::segments::segments(&demo_ctx, false)?;
    println!("\nThe sample shop is in {}. Try:", db.display());
    println!("  segflow --db {} segment show vip", db.display());
    println!("  segflow --db {} explain lapsed_6_months", db.display());
    Ok(())
}

/// Scaffolds a merchant repository without overwriting anything that exists.
pub fn init(dir: Option<&Path>) -> CliResult {
    let dir = dir.unwrap_or(Path::new("."));
    let config = dir.join("segflow.toml");
    if config.exists() {
        return Err(CliError::Message(format!(
            "{} already exists; segflow init does not overwrite a repository",
            config.display()
        )));
    }
    let files: [(&str, &str); 4] = [
        ("segflow.toml", crate::config::TEMPLATE),
        ("rules/repeat_buyers.yaml", EXAMPLE_RULE),
        ("workflows/.gitkeep", ""),
        (
            ".gitignore",
            "segflow.db\nsegflow.db-wal\nsegflow.db-shm\n*.rejects.csv\noutbox/\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        if !path.exists() {
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!("created {}", path.display());
        }
    }
    println!(
        "next: segflow import customers customers.csv, then segflow check and segflow segments"
    );
    Ok(())
}

const EXAMPLE_RULE: &str = r#"segment: repeat_buyers
description: Customers with at least two orders in the last year
where: orders(within 365d).count() >= 2
"#;
