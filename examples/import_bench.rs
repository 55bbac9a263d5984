//! Times `segflow::store::import::import_csv` on a file, for comparing the import's speed with
//! `sqlite3 .import` of the same file: `cargo run --release --example import_bench -- KIND
//! FILE DB` (the database is created if needed).

use std::path::Path;
use std::time::Instant;

use segflow::store::import::{import_csv, ImportKind, ImportOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, file, db] = args.as_slice() else {
        return Err("usage: import_bench KIND FILE DB".into());
    };
    let kind = match kind.as_str() {
        "customers" => ImportKind::Customers,
        "orders" => ImportKind::Orders,
        "items" => ImportKind::Items,
        "products" => ImportKind::Products,
        "events" => ImportKind::Events,
        other => return Err(format!("unknown kind {other}").into()),
    };
    let mut conn = segflow::store::open(Path::new(db))?;
    let start = Instant::now();
    let summary = import_csv(&mut conn, kind, Path::new(file), &ImportOptions::default())?;
    let elapsed = start.elapsed();
    println!("{summary}");
    println!(
        "{:.2} s, {:.0} rows/s",
        elapsed.as_secs_f64(),
        summary.rows_read as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
