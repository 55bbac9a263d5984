//! Generates a synthetic shop and prints how long it took and how large the files are; used to
//! measure the generator in release mode until the CLI wires `segflow generate`.
//!
//! `cargo run --release --example generate -- CUSTOMERS SEED OUT_DIR [NOW_MS]`

use std::path::PathBuf;
use std::time::Instant;

use segflow::generate::{generate_shop, GenerateOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let customers: usize = args.first().map_or(Ok(1_000), |a| a.parse())?;
    let seed: u64 = args.get(1).map_or(Ok(42), |a| a.parse())?;
    let out = PathBuf::from(args.get(2).map_or("shop", String::as_str));
    let now: i64 = match args.get(3) {
        Some(a) => a.parse()?,
        None => chrono::Utc::now().timestamp_millis(),
    };
    let started = Instant::now();
    let summary = generate_shop(
        &GenerateOptions {
            customers,
            seed,
            now,
        },
        &out,
    )?;
    let elapsed = started.elapsed();
    println!(
        "customers {} products {} orders {} items {} events {} in {:.2?}",
        summary.customers, summary.products, summary.orders, summary.items, summary.events, elapsed
    );
    for file in &summary.files {
        let bytes = std::fs::metadata(file)?.len();
        println!("{:>12} bytes  {}", bytes, file.display());
    }
    Ok(())
}
