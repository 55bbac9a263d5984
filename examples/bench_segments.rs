//! Segment evaluation benchmark: the columnar evaluator against hand-written SQL (and the SQL
//! segflow generates) on the same SQLite file, in one process, as ratios.
//!
//! Usage: `bench_segments DB RULES_DIR NOW HANDWRITTEN_SQL`. Run by `bench/segments/run.sh`.
//! Every timing is the median of several runs; every hand-written query must return as many
//! customers as segflow does, or the benchmark stops.

use std::path::Path;
use std::time::Instant;

use segflow::compile::columnar::Program;
use segflow::compile::sql::SqlQuery;
use segflow::segment::SegmentSet;
use segflow::store::snapshot::Snapshot;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (median(times), last.expect("at least one run"))
}

/// Peak resident memory of this process so far, from /proc (Linux).
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn handwritten(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).expect("handwritten SQL file");
    text.split("-- name: ")
        .skip(1)
        .map(|block| {
            let (name, sql) = block.split_once('\n').expect("a name line");
            (name.trim().to_string(), sql.trim().to_string())
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, rules, now, hand] = args.as_slice() else {
        eprintln!("usage: bench_segments DB RULES_DIR NOW HANDWRITTEN_SQL");
        std::process::exit(2);
    };
    let now = segflow::dsl::literal::timestamp(now).expect("--now");
    let set = SegmentSet::load_dir(Path::new(rules)).expect("rules check");
    let conn = segflow::store::open(Path::new(db)).expect("db");
    let (load_ms, snapshot) = time(1, || Snapshot::load(&conn).expect("snapshot"));
    println!(
        "snapshot: {} customers loaded in {:.0} ms, peak RSS {:.0} MiB",
        snapshot.len(),
        load_ms,
        peak_rss_mib()
    );

    let hand = handwritten(Path::new(hand));
    println!(
        "\n{:<22} {:>9} {:>12} {:>14} {:>8} {:>14} {:>8}",
        "segment", "members", "columnar ms", "hand SQL ms", "ratio", "gen. SQL ms", "ratio"
    );
    let mut ratios = Vec::new();
    let mut columnar_ms = serde_json::Map::new();
    for segment in &set.segments {
        let program = Program::compile(&segment.expr).expect("compile");
        let (col_ms, members) = time(5, || program.members(&snapshot, now));
        columnar_ms.insert(
            segment.name.clone(),
            serde_json::json!({"ms": col_ms, "members": members.len()}),
        );
        let query = SqlQuery::compile(&segment.expr).expect("sql");
        let (gen_ms, gen_members) = time(1, || query.members(&conn, now).expect("generated SQL"));
        assert_eq!(
            gen_members, members,
            "{}: generated SQL and columnar disagree",
            segment.name
        );
        let hand_cell = match hand.iter().find(|(n, _)| *n == segment.name) {
            Some((_, sql)) => {
                let mut stmt = conn.prepare(sql).expect("hand-written SQL");
                let (ms, count) = time(3, || {
                    let uses_now = stmt.parameter_index(":now").ok().flatten().is_some();
                    let mut rows = if uses_now {
                        stmt.query(rusqlite::named_params! {":now": now})
                    } else {
                        stmt.query([])
                    }
                    .expect("query");
                    let mut n = 0;
                    while rows.next().expect("row").is_some() {
                        n += 1;
                    }
                    n
                });
                assert_eq!(
                    count,
                    members.len(),
                    "{}: hand-written SQL selects {count}, segflow {}",
                    segment.name,
                    members.len()
                );
                ratios.push(ms / col_ms);
                format!("{:>14.1} {:>7.1}x", ms, ms / col_ms)
            }
            None => format!("{:>14} {:>8}", "-", "-"),
        };
        println!(
            "{:<22} {:>9} {:>12.2} {} {:>14.1} {:>7.1}x",
            segment.name,
            members.len(),
            col_ms,
            hand_cell,
            gen_ms,
            gen_ms / col_ms
        );
    }
    println!(
        "\nmedian speed-up of columnar over hand-written SQL: {:.1}x over {} segments",
        median(ratios.clone()),
        ratios.len()
    );
    println!(
        "smallest speed-up: {:.1}x",
        ratios.iter().copied().fold(f64::INFINITY, f64::min)
    );
    println!("peak RSS of this process: {:.0} MiB", peak_rss_mib());
    if let Some(path) = std::env::var_os("BENCH_JSON") {
        std::fs::write(path, serde_json::Value::Object(columnar_ms).to_string())
            .expect("BENCH_JSON");
    }
}
