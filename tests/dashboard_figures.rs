//! The dashboard's figures (`report::dashboard`) over a small hand-made shop in a real SQLite
//! file, checked against SQL written here on its own (SQLite's date functions for the periods,
//! its aggregates for the figures) and against a few figures worked out by hand.

use rusqlite::{params, Connection};
use segflow::report::dashboard::{cohorts, overview, Calendar, OverviewOptions, Purchases};

/// 2026-03-18 12:00 UTC, a Wednesday.
const NOW: i64 = 1_773_835_200_000;

fn at(text: &str) -> i64 {
    segflow::timestamp::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

/// Customers 1 to 8 are placed by hand; 9 to 60 order from a fixed pseudo-random sequence
/// between 2025-04-01 and 2026-02-28 only, so March 2025, March 2026 and the cohorts before
/// April 2025 hold just the hand-placed orders.
fn shop(conn: &Connection) {
    let tx = conn.unchecked_transaction().unwrap();
    for c in 1..=60i64 {
        tx.execute(
            "INSERT INTO customers (id, external_id, email) VALUES (?1, ?2, ?3)",
            params![c, format!("c{c}"), format!("c{c}@example.com")],
        )
        .unwrap();
    }
    let mut n = 0;
    let mut order = |customer: i64, placed: i64, total: i64, refunded: i64, counted: bool| {
        n += 1;
        tx.execute(
            "INSERT INTO orders (external_id, customer, placed_at, total, refunded, counted)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![format!("o{n}"), customer, placed, total, refunded, counted],
        )
        .unwrap();
    };
    order(1, at("2025-02-10T10:00:00Z"), 5_000, 0, true);
    order(1, at("2025-03-05T10:00:00Z"), 3_000, 0, true);
    order(1, at("2026-03-02T10:00:00Z"), 2_000, 0, true);
    order(2, at("2025-03-15T10:00:00Z"), 10_000, 0, true);
    order(2, at("2026-03-10T10:00:00Z"), 8_000, 3_000, true);
    order(3, at("2025-03-20T10:00:00Z"), 4_000, 0, true);
    order(4, at("2026-01-31T23:30:00Z"), 2_500, 0, true);
    order(4, at("2026-02-14T10:00:00Z"), 2_500, 0, true);
    order(4, at("2026-02-20T10:00:00Z"), 3_500, 0, true);
    // A cancelled order is no purchase: customer 5 is new in March 2026 by the next one.
    order(5, at("2026-03-16T10:00:00Z"), 6_000, 0, false);
    order(5, at("2026-03-17T10:00:00Z"), 4_500, 0, true);
    // After `now`: not yet placed as far as the figures go.
    order(6, at("2026-03-18T13:00:00Z"), 9_900, 0, true);
    order(7, at("2025-12-24T10:00:00Z"), 12_000, 0, true);
    order(7, at("2026-01-07T10:00:00Z"), 6_000, 0, true);
    order(7, at("2026-03-18T11:00:00Z"), 1_500, 0, true);
    order(8, at("2024-11-01T10:00:00Z"), 7_000, 0, true);
    order(8, at("2025-11-05T10:00:00Z"), 1_000, 0, true);
    let (from, to) = (at("2025-04-01T00:00:00Z"), at("2026-02-28T23:00:00Z"));
    let mut x: u64 = 12_345;
    let mut next = |m: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 11) % m
    };
    for c in 9..=60i64 {
        for _ in 0..1 + next(5) {
            let placed = from + next((to - from) as u64) as i64;
            let total = 500 + 100 * next(195) as i64;
            let refunded = if next(10) == 0 { total / 2 } else { 0 };
            order(c, placed, total, refunded, next(15) != 0);
        }
    }
    tx.commit().unwrap();
}

/// The figures of `[a, b)` by SQL alone: revenue (minor units), orders, customers, new
/// customers, repeaters.
fn sql_figures(conn: &Connection, a: i64, b: i64) -> (i64, u64, u64, u64, u64) {
    let (revenue, orders, customers, new, repeaters): (i64, i64, i64, i64, i64) = conn
        .query_row(
            "WITH o AS (SELECT customer, placed_at AS at, total - refunded AS amount FROM orders
                    WHERE counted = 1 AND placed_at <= ?3),
              p AS (SELECT * FROM o WHERE at >= ?1 AND at < ?2)
         SELECT COALESCE(SUM(amount), 0), COUNT(*), COUNT(DISTINCT customer),
           (SELECT COUNT(DISTINCT customer) FROM p
             WHERE (SELECT MIN(at) FROM o WHERE o.customer = p.customer) >= ?1),
           (SELECT COUNT(DISTINCT customer) FROM p
             WHERE (SELECT COUNT(*) FROM o WHERE o.customer = p.customer AND o.at < ?2) >= 2)
         FROM p",
            params![a, b, NOW],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    (
        revenue,
        orders as u64,
        customers as u64,
        new as u64,
        repeaters as u64,
    )
}

/// The start and end of a period by SQLite's date functions: `modifier` is `+1 month` or
/// `+7 days`, `back` `-12 months` or `-364 days`.
fn sql_bounds(conn: &Connection, start: &str, modifier: &str, back: &str) -> [i64; 4] {
    conn.query_row(
        "SELECT strftime('%s', ?1) * 1000, strftime('%s', ?1, ?2) * 1000,
                strftime('%s', ?1, ?3) * 1000, strftime('%s', ?1, ?3, ?2) * 1000",
        params![start, modifier, back],
        |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]),
    )
    .unwrap()
}

fn check(
    conn: &Connection,
    f: &segflow::report::dashboard::Figures,
    sql: (i64, u64, u64, u64, u64),
    what: &str,
) {
    let (revenue, orders, customers, new, repeaters) = sql;
    assert_eq!(f.revenue.major(), revenue as f64 / 100.0, "{what} revenue");
    assert_eq!(f.orders, orders, "{what} orders");
    assert_eq!(f.customers, customers, "{what} customers");
    assert_eq!(f.new_customers, new, "{what} new");
    assert_eq!(f.returning_customers, customers - new, "{what} returning");
    let aov = if orders == 0 {
        0.0
    } else {
        revenue as f64 / 100.0 / orders as f64
    };
    assert!((f.aov.major() - aov).abs() < 1e-9, "{what} aov");
    let rate = if customers == 0 {
        0.0
    } else {
        repeaters as f64 / customers as f64
    };
    assert!((f.repeat_rate - rate).abs() < 1e-12, "{what} repeat rate");
    let _ = conn;
}

fn open() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = segflow::store::open(&dir.path().join("shop.db")).unwrap();
    shop(&conn);
    (dir, conn)
}

#[test]
fn weeks_and_months_agree_with_sql_and_a_year_earlier() {
    let (_dir, conn) = open();
    let purchases = Purchases::load(&conn, NOW).unwrap();
    let o = overview(
        &purchases,
        &Calendar::new("UTC"),
        &OverviewOptions::new(NOW),
    );
    assert_eq!(o.months.len(), 13);
    assert_eq!(o.weeks.len(), 26);
    assert_eq!(o.months[0].label, "2025-03");
    assert_eq!(o.months[12].label, "2026-03");
    assert_eq!(o.weeks[25].label, "2026-03-16");
    let mut nonempty = 0;
    for (periods, modifier, back) in [
        (&o.months, "+1 month", "-12 months"),
        (&o.weeks, "+7 days", "-364 days"),
    ] {
        for (i, p) in periods.iter().enumerate() {
            let start = if modifier == "+1 month" {
                format!("{}-01", p.label)
            } else {
                p.label.clone()
            };
            let [a, b, ya, yb] = sql_bounds(&conn, &start, modifier, back);
            let last = i + 1 == periods.len();
            assert_eq!(p.partial, last, "{}", p.label);
            let (b, yb) = if last {
                (NOW + 1, ya + (NOW + 1 - a))
            } else {
                (b, yb)
            };
            assert_eq!((p.start, p.end), (a, b), "{}", p.label);
            assert_eq!(
                (p.year_earlier_start, p.year_earlier_end),
                (ya, yb),
                "{} a year earlier",
                p.label
            );
            check(&conn, &p.figures, sql_figures(&conn, a, b), &p.label);
            check(
                &conn,
                &p.year_earlier,
                sql_figures(&conn, ya, yb),
                &format!("{} a year earlier", p.label),
            );
            nonempty += usize::from(p.figures.orders > 0);
        }
    }
    // The generated orders reach most periods, so the comparison is not over empty ones.
    assert!(nonempty >= 30, "{nonempty}");

    // By hand: March 2026 to Wednesday noon holds customer 1's 20.00, customer 2's 80.00 less
    // 30.00 refunded, customer 5's 45.00 (the cancelled 60.00 is no purchase) and customer 7's
    // 15.00; customer 6's order after noon is not placed yet.
    let march = &o.months[12].figures;
    assert_eq!(march.revenue.format("EUR"), "130.00 EUR");
    assert_eq!(
        (march.orders, march.customers, march.new_customers),
        (4, 4, 1)
    );
    assert_eq!(march.aov.format("EUR"), "32.50 EUR");
    assert_eq!(march.repeat_rate, 0.75);
    // A year earlier, to 18 March noon: customer 1's 30.00 (their second) and customer 2's
    // first 100.00; customer 3's order of 20 March lies after the cut.
    let before = &o.months[12].year_earlier;
    assert_eq!(before.revenue.format("EUR"), "130.00 EUR");
    assert_eq!(
        (
            before.orders,
            before.customers,
            before.new_customers,
            before.returning_customers
        ),
        (2, 2, 1, 1)
    );
    assert_eq!(before.repeat_rate, 0.5);
    // The full March 2025 is the year-earlier month of nothing shown, but is the first month.
    assert_eq!(o.months[0].figures.orders, 3);
}

#[test]
fn cohorts_agree_with_sql() {
    let (_dir, conn) = open();
    let purchases = Purchases::load(&conn, NOW).unwrap();
    let c = cohorts(&purchases, &Calendar::new("UTC"), NOW, 24);
    assert_eq!(c.cohorts.len(), 24);
    assert_eq!(c.cohorts[0].month, "2024-04");
    assert_eq!(c.cohorts[23].month, "2026-03");
    let mut stmt = conn
        .prepare(
            "WITH o AS (SELECT customer, placed_at AS at, total - refunded AS amount FROM orders
                        WHERE counted = 1 AND placed_at <= ?1),
                  f AS (SELECT customer, MIN(at) AS first FROM o GROUP BY customer),
                  m AS (SELECT o.customer, o.amount,
                          strftime('%Y-%m', f.first / 1000, 'unixepoch') AS cohort,
                          (strftime('%Y', o.at / 1000, 'unixepoch') * 12 + strftime('%m', o.at / 1000, 'unixepoch'))
                          - (strftime('%Y', f.first / 1000, 'unixepoch') * 12 + strftime('%m', f.first / 1000, 'unixepoch')) AS k
                        FROM o JOIN f USING (customer))
             SELECT cohort, k, COUNT(DISTINCT customer), SUM(amount),
               (SELECT COUNT(*) FROM f WHERE strftime('%Y-%m', f.first / 1000, 'unixepoch') = m.cohort)
             FROM m WHERE cohort >= '2024-04' GROUP BY cohort, k",
        )
        .unwrap();
    let rows: Vec<(String, usize, u64, i64, u64)> = stmt
        .query_map([NOW], |r| {
            let (k, active, size): (i64, i64, i64) = (r.get(1)?, r.get(2)?, r.get(4)?);
            Ok((r.get(0)?, k as usize, active as u64, r.get(3)?, size as u64))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(rows.len() > 40, "{}", rows.len());
    let mut cells = 0;
    for cohort in &c.cohorts {
        for k in 0..cohort.active.len() {
            let sql = rows.iter().find(|r| r.0 == cohort.month && r.1 == k);
            let (active, revenue) = sql.map_or((0, 0), |r| (r.2, r.3));
            assert_eq!(cohort.active[k], active, "{} +{k}", cohort.month);
            assert_eq!(
                cohort.revenue[k].major(),
                revenue as f64 / 100.0,
                "{} +{k}",
                cohort.month
            );
            if let Some(r) = sql {
                assert_eq!(cohort.customers, r.4, "{}", cohort.month);
                assert!((cohort.retention[k] - r.2 as f64 / r.4 as f64).abs() < 1e-12);
                cells += 1;
            }
        }
    }
    assert_eq!(cells, rows.len(), "every SQL cell is a cohort cell");
    // By hand: customer 8 alone was acquired in November 2024 and bought again 12 months on.
    let nov = &c.cohorts[7];
    assert_eq!((nov.month.as_str(), nov.customers), ("2024-11", 1));
    assert_eq!(nov.active[12], 1);
    assert_eq!(nov.retention[1..12].iter().sum::<f64>(), 0.0);
    assert_eq!(nov.revenue[12].format("EUR"), "10.00 EUR");
    // Customers 2 and 3 came in March 2025; customer 2 bought again in March 2026 (50.00 after
    // the refund).
    let mar = &c.cohorts[11];
    assert_eq!(
        (mar.month.as_str(), mar.customers, mar.active[0]),
        ("2025-03", 2, 2)
    );
    assert_eq!(
        (mar.retention[12], mar.revenue[12].format("EUR")),
        (0.5, "50.00 EUR".into())
    );
    assert_eq!(mar.revenue_per_customer(12).format("EUR"), "25.00 EUR");
}

#[test]
fn segment_overlap_agrees_with_sql_and_by_hand() {
    let (_dir, conn) = open();
    // a: customers 1-10, b: 6-15, c: 1-3, empty: listed but without members.
    for (segment, members) in [("a", 1..=10), ("b", 6..=15), ("c", 1..=3)] {
        for c in members {
            conn.execute(
                "INSERT INTO segment_members (segment, customer, since) VALUES (?1, ?2, 0)",
                params![segment, c],
            )
            .unwrap();
        }
    }
    let names: Vec<String> = ["b", "a", "c", "empty"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let pairs = segflow::store::reports::overlap::pairs(&conn).unwrap();
    let o = segflow::report::dashboard::overlap(&names, &pairs);
    assert_eq!(o.members, vec![10, 10, 3, 0]);
    for i in 0..4 {
        for j in 0..4 {
            let both: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM (SELECT customer FROM segment_members WHERE segment = ?1
                     INTERSECT SELECT customer FROM segment_members WHERE segment = ?2)",
                    params![names[i], names[j]],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(o.shared[i][j], both as u64, "{} ∩ {}", names[i], names[j]);
        }
    }
    // By hand: half of a is in b and back; all of c is in a, 30% of a in c, none of c in b.
    assert_eq!((o.share(0, 1), o.share(1, 0)), (0.5, 0.5));
    assert_eq!(
        (o.share(2, 1), o.share(1, 2), o.share(2, 0)),
        (1.0, 0.3, 0.0)
    );
    assert_eq!(o.share(3, 0), 0.0);
}

#[test]
fn a_segments_products_by_lift_and_breakdowns_agree_with_sql() {
    let (_dir, conn) = open();
    // Segment `s`: customers 9-30. Product p1 is in every order of customers 9-20; p2 in every
    // order of customers 9-60; p3 only in customer 9's orders (too few members to rank).
    for (id, category) in [("p1", "shoes"), ("p2", "socks"), ("p3", "hats")] {
        conn.execute(
            "INSERT INTO products (external_id, title, category) VALUES (?1, ?1, ?2)",
            params![id, category],
        )
        .unwrap();
    }
    conn.execute_batch(
        "INSERT INTO order_items (order_id, product, quantity, price)
           SELECT o.id, (SELECT id FROM products WHERE external_id = 'p2'), 1, 100 FROM orders o WHERE o.customer >= 9;
         INSERT INTO order_items (order_id, product, quantity, price)
           SELECT o.id, (SELECT id FROM products WHERE external_id = 'p1'), 1, 100 FROM orders o WHERE o.customer BETWEEN 9 AND 20;
         INSERT INTO order_items (order_id, product, quantity, price)
           SELECT o.id, (SELECT id FROM products WHERE external_id = 'p3'), 1, 100 FROM orders o WHERE o.customer = 9;
         INSERT INTO segment_members (segment, customer, since) SELECT 's', id, 0 FROM customers WHERE id BETWEEN 9 AND 30;
         UPDATE customers SET gender = CASE WHEN id % 3 = 0 THEN 'female' ELSE 'male' END, country = 'DE' WHERE id <= 30;",
    )
    .unwrap();
    let p = segflow::report::dashboard::load_segment_profile(&conn, "s", NOW).unwrap();
    assert_eq!((p.members, p.customers), (22, 60));
    let buyers = |segment: Option<&str>, product: &str| -> f64 {
        conn.query_row(
            "SELECT COUNT(DISTINCT o.customer) FROM orders o JOIN order_items i ON i.order_id = o.id
             JOIN products p ON p.id = i.product
             WHERE p.external_id = ?2 AND o.counted = 1 AND o.placed_at <= ?3
               AND (?1 IS NULL OR o.customer IN (SELECT customer FROM segment_members WHERE segment = ?1))",
            params![segment, product, NOW],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as f64
    };
    let names: Vec<&str> = p.products.iter().map(|x| x.product.as_str()).collect();
    assert_eq!(
        names,
        vec!["p1", "p2"],
        "p3 has one member buyer, under the minimum support"
    );
    for x in &p.products {
        let lift = (buyers(Some("s"), &x.product) / 22.0) / (buyers(None, &x.product) / 60.0);
        assert!(
            (x.lift - lift).abs() < 1e-12,
            "{}: {} vs {lift}",
            x.product,
            x.lift
        );
        assert_eq!(x.members as f64, buyers(Some("s"), &x.product));
    }
    // p1's buyers are all members: lift = 1 / (share of all customers who bought it) ÷ members'.
    assert!(
        p.products[0].lift > 2.0 && p.products[1].lift > 1.0,
        "{:?}",
        p.products
    );
    // Members 9-30: 8 of 22 have an id divisible by 3 (9, 12, ..., 30); all customers 1-30 are
    // set (10 of 60 female), 31-60 unknown.
    let female = p.gender.iter().find(|g| g.value == "female").unwrap();
    assert!(
        (female.segment - 8.0 / 22.0).abs() < 1e-12 && (female.all - 10.0 / 60.0).abs() < 1e-12
    );
    let unknown = p.gender.iter().find(|g| g.value == "unknown").unwrap();
    assert_eq!((unknown.segment, unknown.all), (0.0, 0.5));
    assert_eq!(p.age[0].value, "unknown");
}
