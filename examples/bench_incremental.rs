//! Incremental refresh benchmark (bench/daemon/run.sh): on an imported shop, 1,000 new orders
//! for 1,000 existing customers are written the way the HTTP API writes them, then
//!   - incremental: the daemon's path, journal → overlay → the changed customers evaluated
//!     against every segment and their membership rows updated;
//!   - warm full: every segment re-evaluated over the warm snapshot and stored (a scheduled
//!     refresh in the daemon, no reload);
//!   - full: what a refresh without the daemon costs, a fresh snapshot load plus the same.
//!
//! Each round writes new orders; the median of the rounds is printed with the ratios.
//! Usage: bench_incremental DB RULES_DIR NOW [ROUNDS]

use std::time::Instant;

use segflow::compile::columnar::Program;
use segflow::daemon::membership::update_customers;
use segflow::daemon::warm::WarmSnapshot;
use segflow::ingest::{write, OrderIn};
use segflow::repository::CompiledSegment;
use segflow::schedule::Cadence;
use segflow::segment::refresh::store_members;
use segflow::segment::SegmentSet;
use segflow::store::snapshot::Snapshot;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: bench_incremental DB RULES_DIR NOW [ROUNDS]");
        std::process::exit(2);
    }
    let rounds: usize = args.get(4).and_then(|r| r.parse().ok()).unwrap_or(3);
    let now = segflow::dsl::literal::timestamp(&args[3]).expect("NOW is a timestamp");
    let mut conn = segflow::store::open(std::path::Path::new(&args[1])).expect("open the store");
    let set = SegmentSet::load_dir(std::path::Path::new(&args[2])).expect("rules check");
    let segments: Vec<CompiledSegment> =
        CompiledSegment::compile_all(&set, &Cadence::Every { millis: 60_000 }).expect("compiles");
    let customers: Vec<String> = conn
        .prepare("SELECT external_id FROM customers ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let t = Instant::now();
    let mut warm = WarmSnapshot::load(&conn, 50_000, None).expect("load");
    println!(
        "warm load: {} customers in {:.2} s",
        customers.len(),
        t.elapsed().as_secs_f64()
    );
    let refresh_all = |conn: &mut rusqlite::Connection, members: &dyn Fn(&Program) -> Vec<i64>| {
        for s in &segments {
            let m = members(&s.program);
            store_members(conn, &s.name, &m, now).unwrap();
        }
    };
    // The first refresh writes every member; later ones write only the differences.
    refresh_all(&mut conn, &|p| warm.members(p, now));

    let (mut incremental, mut warm_full, mut full) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let tx = conn.transaction().unwrap();
        for k in 0..1_000usize {
            let customer = &customers[(k * 7_919 + round * 104_729) % customers.len()];
            let order: OrderIn = serde_json::from_value(serde_json::json!({
                "id": format!("bench-{round}-{k}"), "customer_id": customer,
                "placed_at": now / 1000 - 3_600, "total": "250.00",
                "items": [{"product_id": "bench-product", "price": "250.00"}]
            }))
            .unwrap();
            write::order(&tx, &order).unwrap();
        }
        tx.commit().unwrap();

        let t = Instant::now();
        // A catch-up applies a bounded number of journal rows, as the daemon's passes do.
        let (mut customers_done, mut changes) = (0, 0);
        loop {
            let caught = warm.catch_up(&conn).unwrap();
            customers_done += caught.customers.len();
            changes +=
                update_customers(&mut conn, &segments, &warm, &caught.customers, now).unwrap();
            if !caught.more {
                break;
            }
        }
        let secs = t.elapsed().as_secs_f64();
        incremental.push(secs);
        println!(
            "round {round}: incremental {secs:.4} s ({customers_done} customers, {changes} membership changes)"
        );

        let t = Instant::now();
        refresh_all(&mut conn, &|p| warm.members(p, now));
        warm_full.push(t.elapsed().as_secs_f64());

        let t = Instant::now();
        let snap = Snapshot::load(&conn).unwrap();
        refresh_all(&mut conn, &|p| p.members(&snap, now));
        full.push(t.elapsed().as_secs_f64());
        println!(
            "round {round}: warm full refresh {:.3} s, full refresh with reload {:.3} s",
            warm_full[round], full[round]
        );
    }
    let (i, w, f) = (median(incremental), median(warm_full), median(full));
    println!(
        "median of {rounds}: incremental {i:.4} s, warm full {w:.3} s, full with reload {f:.3} s; full/incremental {:.0}x, warm full/incremental {:.0}x",
        f / i,
        w / i
    );
}
