//! A small shop in a real SQLite file and IR constructors, shared by the columnar tests.
//!
//! Every evaluation through `members` also checks that `matches` on the full snapshot and on a
//! one-customer snapshot from `load_customers` agree with the batch result.
#![allow(dead_code)]

use rusqlite::Connection;
use segflow::compile::columnar::Program;
use segflow::dsl::ir::*;
use segflow::dsl::types::Type;
use segflow::store::snapshot::Snapshot;

pub const DAY: i64 = 86_400_000;
pub const HOUR: i64 = 3_600_000;
pub const MIN: i64 = 60_000;

pub fn ms(y: i32, m: u32, d: u32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

/// 2024-06-15 12:00 UTC.
pub fn now_ms() -> i64 {
    ms(2024, 6, 15) + 12 * HOUR
}

pub struct Shop {
    _dir: tempfile::TempDir,
    pub conn: Connection,
}

pub fn empty_shop() -> Shop {
    let dir = tempfile::tempdir().unwrap();
    let conn = segflow::store::open(&dir.path().join("shop.db")).unwrap();
    Shop { _dir: dir, conn }
}

/// Six customers: 1–3 and 5 buy, 4 and 6 never do; see the inserts for each one's data.
pub fn shop() -> Shop {
    let shop = empty_shop();
    let now = now_ms();
    let c = &shop.conn;
    let customer = "INSERT INTO customers (id, external_id, email, first_name, last_name, created_at, birthday, gender, country, region, city, zip, timezone, accepts_marketing, tags, attributes) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)";
    type Row<'a> = (
        i64,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<i64>,
        Option<i64>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<i64>,
        &'a str,
        &'a str,
    );
    let rows: Vec<Row> = vec![
        (
            1,
            "c1",
            Some("alice@x.com"),
            Some("Alice"),
            Some("Smith"),
            Some(ms(2023, 1, 1)),
            Some(ms(1990, 6, 15)),
            Some("F"),
            Some("US"),
            Some("CA"),
            Some("LA"),
            Some("90001"),
            Some("America/Los_Angeles"),
            Some(1),
            r#"["vip","vegan"]"#,
            r#"{"score": 10, "plan": "gold", "beta": true, "values": ["sustainability", "local"], "ratio": 2.5, "meta": {"a": 1}, "nothing": null}"#,
        ),
        (
            2,
            "c2",
            Some("bob@y.com"),
            Some("Bob"),
            Some("Jones"),
            Some(ms(2024, 6, 1)),
            Some(ms(1990, 6, 16)),
            Some("M"),
            Some("US"),
            Some("NY"),
            Some("NYC"),
            Some("10001"),
            Some("America/New_York"),
            Some(0),
            r#"["vip"]"#,
            r#"{"score": 10.0, "plan": "silver", "beta": false, "values": "sustainability program"}"#,
        ),
        (
            3,
            "c3",
            None,
            None,
            None,
            None,
            None,
            None,
            Some("CA"),
            None,
            None,
            None,
            None,
            None,
            "[]",
            r#"{"score": "10"}"#,
        ),
        (
            4,
            "c4",
            Some("carol@z.com"),
            Some("Carol"),
            Some("Díaz"),
            Some(ms(2024, 1, 10)),
            None,
            Some("F"),
            Some("FR"),
            Some("IDF"),
            Some("Paris"),
            Some("75001"),
            Some("Europe/Paris"),
            Some(1),
            r#"["Vegan"]"#,
            "{}",
        ),
        (
            5,
            "c5",
            Some("dave@x.com"),
            Some("Dave"),
            Some("Smith"),
            Some(ms(2024, 3, 3)),
            Some(ms(1980, 12, 31)),
            Some("M"),
            Some("US"),
            Some("TX"),
            Some("Austin"),
            Some("73301"),
            Some("America/Chicago"),
            Some(1),
            "[]",
            "{}",
        ),
        (
            6,
            "c6",
            Some("eve@y.com"),
            Some("Eve"),
            None,
            Some(ms(2024, 6, 14)),
            Some(ms(2000, 2, 29)),
            None,
            Some("DE"),
            None,
            None,
            None,
            None,
            Some(0),
            "[]",
            "{}",
        ),
    ];
    for r in &rows {
        c.execute(
            customer,
            rusqlite::params![
                r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12, r.13, r.14,
                r.15
            ],
        )
        .unwrap();
    }
    c.execute_batch(
        r#"INSERT INTO products (id, external_id, title, category, price, tags) VALUES
            (1, 'sku-1', 'Running Shoe', 'running shoes', 9999, '["sport","shoe"]'),
            (2, 'sku-2', 'Tea', 'grocery', 1001, '["vegan"]'),
            (3, 'sku-3', NULL, NULL, NULL, '[]');"#,
    )
    .unwrap();
    let order = "INSERT INTO orders (id, external_id, customer, placed_at, total, discount, status, channel) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)";
    type Order<'a> = (
        i64,
        &'a str,
        i64,
        i64,
        i64,
        i64,
        Option<&'a str>,
        Option<&'a str>,
    );
    let orders: Vec<Order> = vec![
        (
            1,
            "o1",
            1,
            now - 10 * DAY,
            12000,
            0,
            Some("paid"),
            Some("web"),
        ),
        (
            2,
            "o2",
            1,
            now - 100 * DAY,
            5050,
            500,
            Some("paid"),
            Some("pos"),
        ),
        (3, "o3", 1, now - 400 * DAY, 1, 0, Some("refunded"), None),
        (4, "o4", 2, now - 5 * DAY, 33333, 0, None, Some("web")),
        // Customer 5's two orders share placed_at: (time, id) order puts o5 first.
        (
            5,
            "o5",
            5,
            now - 2 * DAY,
            2000,
            100,
            Some("paid"),
            Some("app"),
        ),
        (
            6,
            "o6",
            5,
            now - 2 * DAY,
            1000,
            0,
            Some("paid"),
            Some("web"),
        ),
        (7, "o7", 3, now - 30 * DAY, 10, 0, Some("paid"), Some("web")),
    ];
    for o in &orders {
        c.execute(
            order,
            rusqlite::params![o.0, o.1, o.2, o.3, o.4, o.5, o.6, o.7],
        )
        .unwrap();
    }
    c.execute_batch(
        "INSERT INTO order_items (id, order_id, product, quantity, price) VALUES
            (1, 1, 1, 1, 9999), (2, 1, 2, 2, 1001), (3, 2, 2, 3, 1001),
            (4, 4, 3, 1, 33333), (5, 5, 1, 1, 2000), (6, 6, 2, 4, 250);",
    )
    .unwrap();
    let event = "INSERT INTO events (id, customer, type, occurred_at, properties, dedup_key) VALUES (?1,?2,?3,?4,?5,?6)";
    let events: Vec<(i64, i64, &str, i64, &str)> = vec![
        (
            1,
            1,
            "checkout_started",
            now - 30 * MIN,
            r#"{"value": 150, "cart": "abc"}"#,
        ),
        (
            2,
            1,
            "page_view",
            now - 2 * DAY,
            r#"{"value": 12.5, "url": "/x"}"#,
        ),
        (
            3,
            1,
            "checkout_started",
            now - 40 * DAY,
            r#"{"value": "high"}"#,
        ),
        (
            4,
            2,
            "checkout_started",
            now - 3 * HOUR,
            r#"{"value": 80.0, "items": ["a", "b"]}"#,
        ),
        // Customer 5's two events share occurred_at: (time, id) order puts event 5 first.
        (5, 5, "page_view", now - DAY, r#"{"value": 7}"#),
        (6, 5, "page_view", now - DAY, r#"{"value": null}"#),
        (
            7,
            3,
            "checkout_started",
            now - 20 * MIN,
            r#"{"value": 150}"#,
        ),
        (8, 3, "page_view", now - 10 * DAY, r#"{"value": 150.0}"#),
    ];
    for e in &events {
        c.execute(
            event,
            rusqlite::params![e.0, e.1, e.2, e.3, e.4, format!("k{}", e.0)],
        )
        .unwrap();
    }
    shop
}

/// Members at `now_ms()`, after checking `matches` and one-customer snapshots agree.
pub fn members_in(shop: &Shop, expr: &Expr) -> Vec<i64> {
    let now = now_ms();
    let program = Program::compile(expr).unwrap();
    let snap = Snapshot::load(&shop.conn).unwrap();
    let members = program.members(&snap, now);
    for (index, &id) in snap.customer_ids().iter().enumerate() {
        let expected = members.contains(&id);
        assert_eq!(
            program.matches(&snap, index, now),
            expected,
            "matches() for customer {id}"
        );
        let one = Snapshot::load_customers(&shop.conn, &[id]).unwrap();
        assert_eq!(one.customer_ids(), &[id]);
        assert_eq!(
            program.matches(&one, 0, now),
            expected,
            "one-customer snapshot for {id}"
        );
    }
    members
}

// IR constructors.

pub fn x(kind: ExprKind, ty: Type) -> Expr {
    Expr::new(kind, ty)
}
pub fn num(n: f64) -> Expr {
    x(ExprKind::Literal(Literal::Number(n)), Type::Number)
}
pub fn s(v: &str) -> Expr {
    x(ExprKind::Literal(Literal::String(v.into())), Type::String)
}
pub fn boolean(b: bool) -> Expr {
    x(ExprKind::Literal(Literal::Bool(b)), Type::Bool)
}
pub fn null() -> Expr {
    x(ExprKind::Literal(Literal::Null), Type::Null)
}
pub fn time(t: i64) -> Expr {
    x(ExprKind::Literal(Literal::Time(t)), Type::Time)
}
pub fn dur(d: i64) -> Expr {
    x(ExprKind::Literal(Literal::Duration(d)), Type::Duration)
}
pub fn now() -> Expr {
    x(ExprKind::Now, Type::Time)
}
pub fn cust(f: CustomerField) -> Expr {
    x(ExprKind::Customer(f), f.ty())
}
pub fn attr(name: &str) -> Expr {
    x(ExprKind::Attr(name.into()), Type::Dynamic)
}
pub fn elem(f: ElementField) -> Expr {
    let ty = f.ty();
    x(ExprKind::Element(f), ty)
}
pub fn order(f: OrderField) -> Expr {
    elem(ElementField::Order(f))
}
pub fn item(f: ItemField) -> Expr {
    elem(ElementField::Item(f))
}
pub fn event(f: EventField) -> Expr {
    elem(ElementField::Event(f))
}
pub fn prop(name: &str) -> Expr {
    event(EventField::Prop(name.into()))
}
pub fn cmp(op: CompareOp, a: Expr, b: Expr) -> Expr {
    x(ExprKind::Compare(op, Box::new(a), Box::new(b)), Type::Bool)
}
pub fn eq(a: Expr, b: Expr) -> Expr {
    cmp(CompareOp::Eq, a, b)
}
pub fn and(a: Expr, b: Expr) -> Expr {
    x(ExprKind::And(Box::new(a), Box::new(b)), Type::Bool)
}
pub fn or(a: Expr, b: Expr) -> Expr {
    x(ExprKind::Or(Box::new(a), Box::new(b)), Type::Bool)
}
pub fn not(a: Expr) -> Expr {
    x(ExprKind::Not(Box::new(a)), Type::Bool)
}
pub fn neg(a: Expr) -> Expr {
    let ty = a.ty;
    x(ExprKind::Neg(Box::new(a)), ty)
}
pub fn arith(op: ArithOp, a: Expr, b: Expr, ty: Type) -> Expr {
    x(ExprKind::Arith(op, Box::new(a), Box::new(b)), ty)
}
pub fn in_list(e: Expr, list: Vec<Literal>, negated: bool) -> Expr {
    x(
        ExprKind::InList {
            expr: Box::new(e),
            list,
            negated,
        },
        Type::Bool,
    )
}
pub fn contains(h: Expr, n: Expr) -> Expr {
    x(
        ExprKind::Contains {
            haystack: Box::new(h),
            needle: Box::new(n),
        },
        Type::Bool,
    )
}
pub fn between(e: Expr, lo: Expr, hi: Expr) -> Expr {
    x(
        ExprKind::Between {
            expr: Box::new(e),
            low: Box::new(lo),
            high: Box::new(hi),
        },
        Type::Bool,
    )
}
pub fn is_null(e: Expr, negated: bool) -> Expr {
    x(
        ExprKind::IsNull {
            expr: Box::new(e),
            negated,
        },
        Type::Bool,
    )
}
pub fn call(f: Func, args: Vec<Expr>, ty: Type) -> Expr {
    x(ExprKind::Call(f, args), ty)
}
pub fn agg(
    collection: Collection,
    filter: Option<Expr>,
    within: Option<i64>,
    func: AggFunc,
    arg: Option<ElementField>,
) -> Expr {
    let ty = match func {
        AggFunc::Exists => Type::Bool,
        AggFunc::Count | AggFunc::Sum | AggFunc::Avg | AggFunc::Distinct => Type::Number,
        AggFunc::Min
        | AggFunc::Max
        | AggFunc::First
        | AggFunc::Last
        | AggFunc::Nth(_)
        | AggFunc::NthLast(_) => arg.as_ref().map_or(Type::Null, |a| a.ty()),
    };
    x(
        ExprKind::Aggregate(Aggregate {
            collection,
            filter: filter.map(Box::new),
            within,
            func,
            arg,
        }),
        ty,
    )
}
