//! A small shop written out by hand with plain INSERTs into a real SQLite file.

use rusqlite::{params, Connection};
use segflow::compile::sql::SqlQuery;
use segflow::dsl::ir::Expr;

use super::{now_ms, t};

/// A real SQLite file with the hand-written shop below; the directory lives as long as this.
pub struct Shop {
    pub conn: Connection,
    _dir: tempfile::TempDir,
}

/// Internal ids of the customers.
pub const ALICE: i64 = 1;
pub const BOB: i64 = 2;
pub const CAROL: i64 = 3;
pub const DAVE: i64 = 4;
pub const ERIN: i64 = 5;
pub const ALL: [i64; 5] = [ALICE, BOB, CAROL, DAVE, ERIN];

impl Shop {
    pub fn new() -> Shop {
        let dir = tempfile::tempdir().unwrap();
        let conn = segflow::store::open(&dir.path().join("shop.db")).unwrap();
        insert_shop(&conn);
        Shop { conn, _dir: dir }
    }

    /// Members of `expr` at `now_ms()`.
    pub fn members(&self, expr: &Expr) -> Vec<i64> {
        let query = SqlQuery::compile(expr).unwrap();
        query
            .members(&self.conn, now_ms())
            .unwrap_or_else(|err| panic!("{err}\n{}", query.explain(now_ms())))
    }
}

fn insert_shop(c: &Connection) {
    let customer = "INSERT INTO customers (id, external_id, email, first_name, last_name, \
        created_at, birthday, gender, country, region, city, zip, timezone, accepts_marketing, \
        tags, attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
        ?15, ?16)";
    c.execute(customer, params![ALICE, "alice", "alice@example.com", "Alice", "Smith",
        t("2025-01-10T09:00:00Z"), t("1990-06-15T00:00:00Z"), "f", "US", "CA", "San Francisco",
        "94110", "America/Los_Angeles", 1,
        r#"["vip","vegan"]"#,
        r#"{"tier":"gold","score":42,"vip":true,"values":["sustainability","local"],"nothing":null}"#,
    ]).unwrap();
    c.execute(
        customer,
        params![
            BOB,
            "bob",
            "bob@example.com",
            "Bob",
            "Jones",
            t("2025-08-01T00:00:00Z"),
            t("1990-06-16T00:00:00Z"),
            "m",
            "CA",
            "ON",
            "Toronto",
            "M5V",
            "America/Toronto",
            0,
            r#"["wholesale"]"#,
            r#"{"tier":3,"score":"42","vip":"true","values":"sustainability first"}"#,
        ],
    )
    .unwrap();
    c.execute(
        customer,
        params![
            CAROL,
            "carol",
            None::<String>,
            None::<String>,
            None::<String>,
            None::<i64>,
            None::<i64>,
            None::<String>,
            "US",
            None::<String>,
            None::<String>,
            None::<String>,
            None::<String>,
            None::<i64>,
            "[]",
            "{}",
        ],
    )
    .unwrap();
    c.execute(
        customer,
        params![
            DAVE,
            "dave",
            "dave@shop.test",
            "Dävid",
            "Müller",
            t("2026-05-31T23:59:59.999Z"),
            t("1960-02-29T00:00:00Z"),
            "m",
            "DE",
            None::<String>,
            "Berlin",
            "10115",
            "Europe/Berlin",
            1,
            r#"["VIP"]"#,
            r#"{"score":41.5,"vip":false}"#,
        ],
    )
    .unwrap();
    c.execute(
        customer,
        params![
            ERIN,
            "erin",
            "erin@example.com",
            "Erin",
            "Smith",
            t("1969-12-31T23:59:59.999Z"),
            t("1969-12-31T00:00:00Z"),
            "f",
            None::<String>,
            None::<String>,
            None::<String>,
            None::<String>,
            None::<String>,
            0,
            "[]",
            "{}",
        ],
    )
    .unwrap();

    let product = "INSERT INTO products (id, external_id, title, category, price, tags) \
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    c.execute(
        product,
        params![
            1,
            "SHOE-1",
            "Trail Runner",
            "running shoes",
            12000,
            r#"["outdoor","running"]"#
        ],
    )
    .unwrap();
    c.execute(
        product,
        params![2, "SOCK-1", "Wool Socks", "apparel", 1500, r#"["wool"]"#],
    )
    .unwrap();
    c.execute(
        product,
        params![3, "BAR-1", "Protein Bar", None::<String>, 250, "[]"],
    )
    .unwrap();

    let order = "INSERT INTO orders (id, external_id, customer, placed_at, total, discount, \
        status, channel) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    let o = |id: i64,
             ext: &str,
             cust: i64,
             at: &str,
             total: i64,
             disc: i64,
             status: Option<&str>,
             channel: Option<&str>| {
        c.execute(
            order,
            params![id, ext, cust, t(at), total, disc, status, channel],
        )
        .unwrap();
    };
    o(
        1,
        "A-1",
        ALICE,
        "2026-06-10T12:00:00Z",
        5000,
        0,
        Some("paid"),
        Some("web"),
    );
    o(
        2,
        "A-2",
        ALICE,
        "2026-03-01T08:00:00Z",
        12050,
        500,
        Some("paid"),
        Some("pos"),
    );
    o(
        3,
        "A-3",
        ALICE,
        "2025-01-01T00:00:00Z",
        1999,
        0,
        Some("refunded"),
        Some("web"),
    );
    // Bob's two orders share a timestamp, so first/last fall back to the order id.
    o(
        4,
        "B-1",
        BOB,
        "2026-06-14T00:00:00Z",
        999,
        0,
        Some("paid"),
        Some("web"),
    );
    o(5, "B-2", BOB, "2026-06-14T00:00:00Z", 20001, 0, None, None);
    o(
        6,
        "D-1",
        DAVE,
        "2026-05-20T00:00:00Z",
        10000,
        0,
        Some("paid"),
        Some("pos"),
    );

    let line = "INSERT INTO order_items (id, order_id, product, quantity, price) \
        VALUES (?1, ?2, ?3, ?4, ?5)";
    for (id, ord, prod, qty, price) in [
        (1, 1, 1, 1, 4500),
        (2, 1, 3, 2, 250),
        (3, 2, 2, 3, 1500),
        (4, 4, 3, 1, 999),
        (5, 6, 1, 1, 10000),
    ] {
        c.execute(line, params![id, ord, prod, qty, price]).unwrap();
    }

    let event = "INSERT INTO events (id, customer, type, occurred_at, properties, dedup_key) \
        VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    for (id, cust, ty, at, props) in [
        (
            1,
            ALICE,
            "page_view",
            "2026-06-15T11:30:00Z",
            r#"{"path":"/shoes","amount":10}"#,
        ),
        (
            2,
            ALICE,
            "checkout_started",
            "2026-06-15T11:45:00Z",
            r#"{"amount":2.5,"coupon":true}"#,
        ),
        (
            3,
            ALICE,
            "checkout_started",
            "2026-06-01T00:00:00Z",
            r#"{"amount":"n/a"}"#,
        ),
        // Bob's two events share a timestamp, so first/last fall back to the event id.
        (
            4,
            BOB,
            "checkout_started",
            "2026-06-15T11:50:00Z",
            r#"{"amount":7}"#,
        ),
        (
            5,
            BOB,
            "page_view",
            "2026-06-15T11:50:00Z",
            r#"{"path":null}"#,
        ),
        (6, DAVE, "email_opened", "2026-01-01T00:00:00Z", "{}"),
        // Exactly one hour before now: inside `within 1h`, outside `within 1h - 1ms`.
        (7, DAVE, "boundary", "2026-06-15T11:00:00Z", "{}"),
    ] {
        c.execute(event, params![id, cust, ty, t(at), props, format!("k{id}")])
            .unwrap();
    }
}
