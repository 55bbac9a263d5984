//! Rough timing of the columnar snapshot and evaluator against hand-written SQL on the same
//! SQLite file. Run with `cargo run --release --example columnar_bench [DB] [CUSTOMERS]`; the
//! database is generated with plain INSERTs (seeded) unless the file already exists.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use segflow::compile::columnar::Program;
use segflow::dsl::ir::*;
use segflow::dsl::types::Type;
use segflow::store::snapshot::Snapshot;

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_781_000_000_000;

fn generate(conn: &rusqlite::Connection, customers: i64) -> rusqlite::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let countries = ["US", "CA", "GB", "FR", "DE", "AU"];
    let categories = ["running shoes", "apparel", "grocery", "books", "toys"];
    let statuses = ["paid", "paid", "paid", "refunded", "pending"];
    let types = [
        "page_view",
        "checkout_started",
        "product_viewed",
        "email_open",
    ];
    conn.execute_batch("BEGIN")?;
    for p in 1..=2_000i64 {
        conn.execute(
            "INSERT INTO products (id, external_id, title, category, price, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![p, format!("sku-{p}"), format!("Product {p}"), categories[(p % 5) as usize], 500 + p * 7, if p % 3 == 0 { r#"["sale"]"# } else { "[]" }],
        )?;
    }
    let mut cust = conn.prepare("INSERT INTO customers (id, external_id, email, first_name, created_at, birthday, country, accepts_marketing, tags, attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?;
    let mut order = conn.prepare("INSERT INTO orders (id, external_id, customer, placed_at, total, discount, status, channel) VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, 'web')")?;
    let mut line = conn.prepare(
        "INSERT INTO order_items (order_id, product, quantity, price) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut event = conn.prepare("INSERT INTO events (customer, type, occurred_at, properties, dedup_key) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    let (mut order_id, mut event_id) = (0i64, 0i64);
    for c in 1..=customers {
        let attrs = format!(
            r#"{{"score": {}, "vip": {}}}"#,
            rng.random_range(0..100),
            rng.random_bool(0.1)
        );
        cust.execute(rusqlite::params![
            c,
            format!("cus-{c}"),
            format!("user{c}@example.com"),
            format!("Name{}", c % 500),
            NOW - rng.random_range(0..1000) * DAY,
            NOW - rng.random_range(6000..25000) * DAY,
            countries[rng.random_range(0..6)],
            rng.random_bool(0.6),
            if c % 10 == 0 { r#"["vip"]"# } else { "[]" },
            attrs
        ])?;
        for _ in 0..rng.random_range(0..=10) {
            order_id += 1;
            let total = rng.random_range(500..40_000);
            order.execute(rusqlite::params![
                order_id,
                format!("ord-{order_id}"),
                c,
                NOW - rng.random_range(0..720) * DAY,
                total,
                statuses[rng.random_range(0..5)]
            ])?;
            let first = rng.random_range(1..=1990);
            for k in 0..rng.random_range(1..=3) {
                line.execute(rusqlite::params![
                    order_id,
                    first + k,
                    rng.random_range(1..4),
                    rng.random_range(500..9000)
                ])?;
            }
        }
        for _ in 0..rng.random_range(0..=10) {
            event_id += 1;
            let props = format!(r#"{{"value": {}}}"#, rng.random_range(0..300));
            event.execute(rusqlite::params![
                c,
                types[rng.random_range(0..4)],
                NOW - rng.random_range(0..60 * 24) * 3_600_000,
                props,
                format!("e{event_id}")
            ])?;
        }
    }
    conn.execute_batch("COMMIT")
}

fn lit(l: Literal, ty: Type) -> Expr {
    Expr::new(ExprKind::Literal(l), ty)
}
fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}
fn agg(
    collection: Collection,
    filter: Option<Expr>,
    within: Option<i64>,
    func: AggFunc,
    arg: Option<ElementField>,
) -> Expr {
    Expr::new(
        ExprKind::Aggregate(Aggregate {
            collection,
            filter: filter.map(bx),
            within,
            func,
            arg,
        }),
        Type::Number,
    )
}
fn cmp(op: CompareOp, a: Expr, b: Expr) -> Expr {
    Expr::new(ExprKind::Compare(op, bx(a), bx(b)), Type::Bool)
}
fn and(a: Expr, b: Expr) -> Expr {
    Expr::new(ExprKind::And(bx(a), bx(b)), Type::Bool)
}
fn num(n: f64) -> Expr {
    lit(Literal::Number(n), Type::Number)
}
fn text(s: &str) -> Expr {
    lit(Literal::String(s.into()), Type::String)
}

fn cases() -> Vec<(&'static str, Expr, String)> {
    let big_spender = and(
        cmp(
            CompareOp::Ge,
            agg(
                Collection::Orders,
                None,
                Some(90 * DAY),
                AggFunc::Count,
                None,
            ),
            num(2.0),
        ),
        cmp(
            CompareOp::Gt,
            agg(
                Collection::Orders,
                None,
                None,
                AggFunc::Sum,
                Some(ElementField::Order(OrderField::Total)),
            ),
            num(500.0),
        ),
    );
    let sql1 = format!("SELECT c.id FROM customers c WHERE (SELECT count(*) FROM orders o WHERE o.customer = c.id AND o.placed_at >= {}) >= 2 AND (SELECT coalesce(sum(total), 0) FROM orders o WHERE o.customer = c.id) / 100.0 > 500 ORDER BY c.id", NOW - 90 * DAY);
    let country = Expr::new(
        ExprKind::InList {
            expr: bx(Expr::new(
                ExprKind::Customer(CustomerField::Country),
                Type::String,
            )),
            list: vec![Literal::String("US".into()), Literal::String("CA".into())],
            negated: false,
        },
        Type::Bool,
    );
    let checkout = agg(
        Collection::Events,
        Some(cmp(
            CompareOp::Eq,
            Expr::new(
                ExprKind::Element(ElementField::Event(EventField::Type)),
                Type::String,
            ),
            text("checkout_started"),
        )),
        Some(7 * DAY),
        AggFunc::Exists,
        None,
    );
    let cart = and(country, checkout);
    let sql2 = format!("SELECT c.id FROM customers c WHERE c.country IN ('US', 'CA') AND EXISTS (SELECT 1 FROM events e WHERE e.customer = c.id AND e.type = 'checkout_started' AND e.occurred_at >= {}) ORDER BY c.id", NOW - 7 * DAY);
    let shoes = cmp(
        CompareOp::Ge,
        agg(
            Collection::Items,
            Some(cmp(
                CompareOp::Eq,
                Expr::new(
                    ExprKind::Element(ElementField::Item(ItemField::Category)),
                    Type::String,
                ),
                text("running shoes"),
            )),
            Some(365 * DAY),
            AggFunc::Count,
            None,
        ),
        num(1.0),
    );
    let sql3 = format!("SELECT c.id FROM customers c WHERE (SELECT count(*) FROM orders o JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product WHERE o.customer = c.id AND o.placed_at >= {} AND p.category = 'running shoes') >= 1 ORDER BY c.id", NOW - 365 * DAY);
    let value = cmp(
        CompareOp::Gt,
        agg(
            Collection::Events,
            None,
            Some(30 * DAY),
            AggFunc::Avg,
            Some(ElementField::Event(EventField::Prop("value".into()))),
        ),
        num(150.0),
    );
    let sql4 = format!("SELECT c.id FROM customers c WHERE (SELECT avg(json_extract(e.properties, '$.value')) FROM events e WHERE e.customer = c.id AND e.occurred_at >= {} AND json_type(e.properties, '$.value') IN ('integer', 'real')) > 150 ORDER BY c.id", NOW - 30 * DAY);
    vec![
        (
            "orders(within 90d).count() >= 2 and orders.sum(total) > 500",
            big_spender,
            sql1,
        ),
        (
            "country in [US, CA] and events(type == checkout_started, within 7d).exists()",
            cart,
            sql2,
        ),
        (
            "items(category == running shoes, within 365d).count() >= 1",
            shoes,
            sql3,
        ),
        ("events(within 30d).avg(prop.value) > 150", value, sql4),
    ]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::PathBuf::from(
        args.get(1)
            .map_or("/tmp/segflow_columnar_bench.db", String::as_str),
    );
    let customers: i64 = args.get(2).map_or(Ok(200_000), |s| s.parse())?;
    let fresh = !path.exists();
    let conn = segflow::store::open(&path)?;
    if fresh {
        let t = Instant::now();
        generate(&conn, customers)?;
        println!("generated {customers} customers in {:.1?}", t.elapsed());
    }
    let count = |table: &str| -> rusqlite::Result<i64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
    };
    println!(
        "customers {} orders {} items {} events {}",
        count("customers")?,
        count("orders")?,
        count("order_items")?,
        count("events")?
    );
    let t = Instant::now();
    let snap = Snapshot::load(&conn)?;
    println!(
        "snapshot load {:.2?}, ~{} MiB of columns",
        t.elapsed(),
        snap.heap_bytes() >> 20
    );
    for (name, expr, sql) in cases() {
        let program = Program::compile(&expr)?;
        let t = Instant::now();
        let members = program.members(&snap, NOW);
        let columnar = t.elapsed();
        let t = Instant::now();
        let mut stmt = conn.prepare(&sql)?;
        let ids: Vec<i64> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let sqlite = t.elapsed();
        println!(
            "{name}\n  members {} (sql {}{}), columnar {:.2?}, sql {:.2?}, ratio {:.0}x",
            members.len(),
            ids.len(),
            if ids == members {
                ", same"
            } else {
                ", DIFFERENT"
            },
            columnar,
            sqlite,
            sqlite.as_secs_f64() / columnar.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}
