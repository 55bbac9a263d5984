//! Journey engine benchmark: how many journeys per second the real engine starts and advances
//! for N customers in one workflow, beside plain SQLite INSERT throughput on the same machine.
//!
//! Usage: `bench_journeys WORKDIR CUSTOMERS RUNS PHASES` where PHASES is `all` (start, send,
//! wait/if/send) or `start` (trigger consumption only). Run by `bench/journeys/run.sh`.
//! Each run builds a fresh store in WORKDIR with plain INSERTs (customers, an order for every
//! tenth, and one `segment_changes` row per customer, which is what a segment refresh writes),
//! so every run measures the same work; the store is deleted afterwards.

use std::path::Path;
use std::time::Instant;

use rusqlite::{params, Connection};
use segflow::config::ShopConfig;
use segflow::dsl::diagnostic::{render, SourceFile};
use segflow::mail::{Templates, UnsubscribeSigner};
use segflow::policy::PolicyConfig;
use segflow::segment::SegmentSet;
use segflow::workflow::{
    advance, consume_triggers, AdvanceReport, DispatchSettings, OutboxDispatcher, Workflows,
};

const DAY: i64 = 86_400_000;
/// 2026-11-02T10:00:00Z, a Monday morning: outside the default quiet hours.
const T0: i64 = 1_793_613_600_000;
/// Journeys per transaction, as `segflow workflows run` uses.
const BATCH: usize = 500;

const WORKFLOW: &str = "workflow: onboarding\ntrigger: { segment_entered: everyone }\nreentry: never\nsteps:\n  - { id: hello, send: hello }\n  - { id: pause, wait: 1d }\n  - id: check\n    if: total_spent > 50\n    then:\n      - { id: thanks, send: thanks }\n    else:\n      - { id: nudge, send: thanks }\n";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Builds the store: N customers, an order for every tenth, and N `entered` changes.
fn build_store(db: &Path, n: i64) -> Connection {
    let mut conn = segflow::store::open(db).expect("open the benchmark store");
    let tx = conn.transaction().expect("transaction");
    {
        let mut c = tx
            .prepare("INSERT INTO customers (id, external_id, email, first_name, accepts_marketing, created_at) VALUES (?1, ?2, ?3, ?4, 1, ?5)")
            .expect("prepare customers");
        let mut o = tx
            .prepare("INSERT INTO orders (external_id, customer, placed_at, total) VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare orders");
        let mut s = tx
            .prepare("INSERT INTO segment_changes (segment, customer, change, at) VALUES ('everyone', ?1, 'entered', ?2)")
            .expect("prepare segment_changes");
        let mut m = tx
            .prepare("INSERT INTO segment_members (segment, customer, since) VALUES ('everyone', ?1, ?2)")
            .expect("prepare segment_members");
        for i in 1..=n {
            c.execute(params![
                i,
                format!("c{i}"),
                format!("c{i}@example.com"),
                "Ada",
                T0 - 30 * DAY
            ])
            .expect("insert customer");
            if i % 10 == 0 {
                o.execute(params![format!("o{i}"), i, T0 - 5 * DAY, 9_900])
                    .expect("insert order");
            }
            s.execute(params![i, T0 - 1]).expect("insert change");
            m.execute(params![i, T0 - 1]).expect("insert member");
        }
    }
    tx.commit().expect("commit the store");
    conn
}

fn workflows() -> Workflows {
    let everyone = SourceFile::new(
        "rules/everyone.yaml",
        "segment: everyone\nwhere: total_spent >= 0\n",
    );
    let segments =
        SegmentSet::from_files(vec![(everyone, "everyone".into())]).expect("the segment checks");
    let file = SourceFile::new("workflows/onboarding.yaml", WORKFLOW);
    let names = ["hello".to_string(), "thanks".to_string()];
    Workflows::from_files(vec![(file, "onboarding".into())], &segments, Some(&names))
        .unwrap_or_else(|ds| panic!("{}", render(&ds, false)))
}

fn dispatcher(dir: &Path, wf: &Workflows) -> OutboxDispatcher {
    for (name, subject) in [("hello", "Welcome"), ("thanks", "Thank you")] {
        let t = dir.join("templates").join(name);
        std::fs::create_dir_all(&t).expect("templates dir");
        std::fs::write(t.join("subject.txt"), subject).expect("subject");
        std::fs::write(
            t.join("body.html"),
            "<p>Hi {{ customer.first_name }}</p><a href=\"{{ unsubscribe_url }}\">unsubscribe</a>",
        )
        .expect("body");
    }
    let templates = Templates::load_dir(&dir.join("templates"), 50_000).expect("templates load");
    OutboxDispatcher::new(
        templates,
        wf,
        DispatchSettings {
            policy: PolicyConfig::default(),
            signer: UnsubscribeSigner::new(b"a benchmark secret of enough bytes").expect("signer"),
            unsubscribe_base_url: "https://shop.test".into(),
            message_id_domain: "shop.test".into(),
            shop: ShopConfig::default(),
        },
    )
}

/// Seconds taken by `f`, and its result.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed().as_secs_f64(), out)
}

/// Plain INSERT of N rows into a journeys-shaped table in one transaction: the baseline.
fn baseline(db: &Path, n: i64) -> f64 {
    let _ = std::fs::remove_file(db);
    let mut conn = Connection::open(db).expect("baseline db");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    conn.pragma_update(None, "synchronous", "NORMAL")
        .expect("sync");
    conn.execute_batch(
        "CREATE TABLE journeys (id INTEGER PRIMARY KEY, workflow TEXT NOT NULL, customer INTEGER NOT NULL,
         run INTEGER NOT NULL, step_path TEXT, state TEXT NOT NULL, wake_at INTEGER, timeout_at INTEGER,
         variant TEXT, entered_at INTEGER NOT NULL, trigger_event TEXT, exit_reason TEXT,
         updated_at INTEGER NOT NULL, UNIQUE (workflow, customer, run))",
    )
    .expect("baseline table");
    let (secs, ()) = timed(|| {
        let tx = conn.transaction().expect("tx");
        {
            let mut st = tx
                .prepare("INSERT INTO journeys (workflow, customer, run, step_path, state, wake_at, entered_at, updated_at) VALUES ('onboarding', ?1, 1, 'hello', 'active', ?2, ?2, ?2)")
                .expect("prepare");
            for i in 1..=n {
                st.execute(params![i, T0]).expect("insert");
            }
        }
        tx.commit().expect("commit");
    });
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    n as f64 / secs
}

struct Run {
    start: f64,
    send: Option<f64>,
    rest: Option<f64>,
}

fn one_run(dir: &Path, n: i64, all: bool) -> Run {
    let db = dir.join("journeys.db");
    let (build, mut conn) = timed(|| build_store(&db, n));
    eprintln!("  store of {n} customers built in {build:.1} s");
    let wf = workflows();
    let (secs, started) = timed(|| consume_triggers(&mut conn, &wf, T0).expect("consume"));
    assert_eq!(started.started as i64, n, "every customer starts a journey");
    let mut run = Run {
        start: n as f64 / secs,
        send: None,
        rest: None,
    };
    eprintln!("  start: {secs:.2} s");
    if all {
        let mut d = dispatcher(dir, &wf);
        let (secs, r) = timed(|| advance(&mut conn, &wf, T0, BATCH, &mut d).expect("advance"));
        eprintln!("  send: {secs:.2} s, {}", show(&r));
        assert_eq!(r.sent as i64, n, "every first send is queued");
        run.send = Some(n as f64 / secs);
        let (secs, r) =
            timed(|| advance(&mut conn, &wf, T0 + DAY, BATCH, &mut d).expect("advance"));
        eprintln!("  wait/if/send: {secs:.2} s, {}", show(&r));
        assert_eq!(r.done as i64, n, "every journey runs to its end");
        run.rest = Some(n as f64 / secs);
        let outbox: i64 = conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
            .expect("count outbox");
        assert_eq!(outbox, 2 * n, "two outbox rows per customer");
    }
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    run
}

fn show(r: &AdvanceReport) -> String {
    format!(
        "steps {} sent {} held {} skipped {} done {}",
        r.steps, r.sent, r.held, r.skipped, r.done
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, n, runs, phases] = args.as_slice() else {
        eprintln!("usage: bench_journeys WORKDIR CUSTOMERS RUNS all|start");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir).expect("workdir");
    let n: i64 = n.parse().expect("CUSTOMERS is a number");
    let runs: usize = runs.parse().expect("RUNS is a number");
    let all = phases == "all";
    let mut starts = Vec::new();
    let mut sends = Vec::new();
    let mut rests = Vec::new();
    let mut bases = Vec::new();
    for i in 0..runs {
        eprintln!("run {} of {runs}, {n} customers", i + 1);
        let r = one_run(dir, n, all);
        starts.push(r.start);
        sends.extend(r.send);
        rests.extend(r.rest);
        bases.push(baseline(&dir.join("baseline.db"), n));
    }
    let base = median(bases);
    println!("customers: {n}, runs: {runs} (medians)");
    println!("baseline plain INSERT, journeys-shaped table, one transaction: {base:.0} rows/s");
    let line = |name: &str, v: Vec<f64>| {
        if !v.is_empty() {
            let m = median(v);
            println!(
                "{name}: {m:.0} journeys/s ({:.1}x slower than the baseline)",
                base / m
            );
        }
    };
    line("journeys started (consume_triggers)", starts);
    line("advanced through send (OutboxDispatcher)", sends);
    line("advanced through wait/if/send after 1 day", rests);
}
