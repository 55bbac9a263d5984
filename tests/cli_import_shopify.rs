//! Shopify exports as Shopify writes them, imported through the real `segflow import` binary:
//! the fixtures under tests/fixtures/import follow the header lines of real exports (2021 and
//! 2025-26 orders layouts, the customers layouts) and the row patterns seen in real files
//! (continuation rows, apostrophe-prefixed ids, `-0700` offsets, multi-line notes).

use std::path::{Path, PathBuf};
use std::process::Command;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A temporary shop directory with its own store file.
struct Shop {
    dir: tempfile::TempDir,
}

impl Shop {
    fn new() -> Shop {
        Shop {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
            .arg("--db")
            .arg(self.dir.path().join("segflow.db"))
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run segflow");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Imports a file and insists on success.
    fn import(&self, kind: &str, file: &Path) -> Out {
        let out = self.run(&["import", kind, file.to_str().unwrap()]);
        assert_eq!(out.code, 0, "import {kind}: {}{}", out.stdout, out.stderr);
        out
    }

    /// Writes a file into the shop directory.
    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Rows of a query as `|`-joined strings, NULL as `-`.
    fn rows(&self, sql: &str) -> Vec<String> {
        let conn = rusqlite::Connection::open(self.dir.path().join("segflow.db")).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Null => "-".to_owned(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Real(v) => v.to_string(),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }
}

impl Shop {
    /// A copy of a checked-in fixture in the shop directory, so that a reject file is written
    /// there and never beside the fixture.
    fn fixture(&self, name: &str) -> PathBuf {
        let text = std::fs::read_to_string(fixture_path(name)).unwrap();
        self.file(name, &text)
    }
}

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

const ORDER_LINES: &str =
    "SELECT o.external_id, p.external_id, i.quantity, i.price FROM order_items i \
     JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product \
     ORDER BY o.external_id, p.external_id";

#[test]
fn continuation_rows_import_every_line_of_a_multi_item_order() {
    let shop = Shop::new();
    let out = shop.import("orders", &shop.fixture("shopify_orders_2025.csv"));
    assert!(
        out.stdout
            .contains("5 rows read\n  5 inserted, 0 updated, 0 unchanged, 0 rejected"),
        "{}",
        out.stdout
    );
    assert_eq!(
        shop.rows("SELECT o.external_id, c.external_id, placed_at, total, discount, status, currency FROM orders o JOIN customers c ON c.id = o.customer ORDER BY o.external_id"),
        vec![
            "#2001|ada@example.com|1742473257000|6998|1000|paid|USD",
            "#2002|grace@example.com|1743642000000|5999|0|paid|USD",
        ]
    );
    assert_eq!(
        shop.rows(ORDER_LINES),
        vec![
            "#2001|MUG-BLU|2|1999",
            "#2001|NB-1|1|1500",
            "#2001|Tea Sampler|1|2000",
            "#2002|MUG-BLU|1|1999",
            "#2002|Tea Sampler|2|2000",
        ]
    );
    // The lines of each order add up to its subtotal (74.98 and 59.99 in the file).
    assert_eq!(
        shop.rows("SELECT o.external_id, sum(i.quantity * i.price) FROM order_items i JOIN orders o ON o.id = i.order_id GROUP BY o.id ORDER BY o.external_id"),
        vec!["#2001|7498", "#2002|5999"]
    );
    let again = shop.import("orders", &shop.fixture("shopify_orders_2025.csv"));
    assert!(
        again
            .stdout
            .contains("0 inserted, 0 updated, 5 unchanged, 0 rejected"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_continuation_row_without_its_first_row_is_rejected_with_its_line() {
    let shop = Shop::new();
    let text = std::fs::read_to_string(fixture_path("shopify_orders_2025.csv")).unwrap();
    // Drop the first row of #2002 (the file's physical line 6, after the two-line note).
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[5].starts_with("#2002,grace@example.com,paid"),
        "{}",
        lines[5]
    );
    let mut kept = lines.clone();
    kept.remove(5);
    let path = shop.file("cut.csv", &(kept.join("\n") + "\n"));
    let out = shop.import("orders", &path);
    assert!(
        out.stdout
            .contains("3 inserted, 0 updated, 0 unchanged, 1 rejected"),
        "{}",
        out.stdout
    );
    let rejects = std::fs::read_to_string(shop.dir.path().join("cut.rejects.csv")).unwrap();
    let last = rejects.lines().last().unwrap();
    assert!(
        last.ends_with(",\"line item of order #2002 has no first row above it in this file (the row of that Name with Financial Status and Total); export the order again with all its rows, or move its first row above this one\",6"),
        "{rejects}"
    );
    assert!(
        out.stdout
            .contains("cut.csv line 6: line item of order #2002"),
        "{}",
        out.stdout
    );
}

const ORDER_CUSTOMERS: &str =
    "SELECT o.external_id, c.external_id, coalesce(c.email, '-'), coalesce(c.phone, '-') \
     FROM orders o JOIN customers c ON c.id = o.customer ORDER BY o.external_id";

#[test]
fn orders_without_email_find_their_customer_by_phone() {
    let shop = Shop::new();
    shop.import("customers", &shop.fixture("shopify_customers_whatsapp.csv"));
    let out = shop.import("orders", &shop.fixture("shopify_orders_no_email.csv"));
    assert!(
        out.stdout
            .contains("4 inserted, 0 updated, 0 unchanged, 0 rejected")
            && out
                .stdout
                .contains("created 1 new customers and 2 new products"),
        "{}",
        out.stdout
    );
    // `'+573158173380` and `'+57 315 817 3380` are the same phone as the customers export's.
    assert_eq!(
        shop.rows(ORDER_CUSTOMERS),
        vec![
            "#3001|9980311896380|-|+573158173380",
            "#3002|9980311896380|-|+573158173380",
            "#3003|guest:#3003|-|-",
        ]
    );
    assert_eq!(
        shop.rows("SELECT o.external_id, o.total, o.currency, count(i.id) FROM orders o JOIN order_items i ON i.order_id = o.id GROUP BY o.id ORDER BY o.external_id"),
        vec!["#3001|4500000|COP|2", "#3002|6000000|COP|1", "#3003|1500000|COP|1"]
    );
}

#[test]
fn guests_are_keyed_by_phone_or_order_and_merge_when_an_email_arrives() {
    let shop = Shop::new();
    let out = shop.import("orders", &shop.fixture("shopify_orders_no_email.csv"));
    assert!(
        out.stdout.contains("created 2 new customers"),
        "{}",
        out.stdout
    );
    assert_eq!(
        shop.rows(ORDER_CUSTOMERS),
        vec![
            "#3001|phone:+573158173380|-|+573158173380",
            "#3002|phone:+573158173380|-|+573158173380",
            "#3003|guest:#3003|-|-",
        ]
    );
    let ids_before = shop.rows("SELECT id FROM customers ORDER BY id");
    // The keys derive from the rows: importing again finds the same customers.
    let again = shop.import("orders", &shop.fixture("shopify_orders_no_email.csv"));
    assert!(
        again
            .stdout
            .contains("0 inserted, 0 updated, 4 unchanged, 0 rejected")
            && !again.stdout.contains("created"),
        "{}",
        again.stdout
    );
    // A later export gives #3003 an email: its guest becomes that customer, with the same id.
    let later = shop.import("orders", &shop.fixture("shopify_orders_no_email_later.csv"));
    assert!(!later.stdout.contains("created"), "{}", later.stdout);
    assert_eq!(
        shop.rows(ORDER_CUSTOMERS)[2],
        "#3003|ana.rios@example.com|ana.rios@example.com|-"
    );
    assert_eq!(
        shop.rows("SELECT id FROM customers ORDER BY id"),
        ids_before
    );
    // A customers export with the phone adopts the phone customer under its Customer ID.
    shop.import("customers", &shop.fixture("shopify_customers_whatsapp.csv"));
    assert_eq!(
        shop.rows(ORDER_CUSTOMERS)[..2],
        [
            "#3001|9980311896380|-|+573158173380",
            "#3002|9980311896380|-|+573158173380",
        ]
    );
    assert_eq!(shop.rows("SELECT count(*) FROM customers"), vec!["3"]);
}

#[test]
fn the_2021_orders_layout_is_recognised() {
    let shop = Shop::new();
    let out = shop.import("orders", &shop.fixture("shopify_orders_2021.csv"));
    assert!(
        out.stdout.contains("(Shopify orders export): 3 rows read\n  3 inserted, 0 updated, 0 unchanged, 0 rejected"),
        "{}",
        out.stdout
    );
    // `-0700` and `-0800` offsets; the email's case does not make a second customer key.
    assert_eq!(
        shop.rows("SELECT o.external_id, c.external_id, placed_at, total, status, channel FROM orders o JOIN customers c ON c.id = o.customer ORDER BY o.external_id"),
        vec![
            "#1101|linus@example.com|1620160821000|4550|paid|web",
            "#1102|margaret@example.com|1637999999000|2500|refunded|shopify_draft_order",
        ]
    );
    assert_eq!(
        shop.rows(ORDER_LINES),
        vec![
            "#1101|KM-1|1|1250",
            "#1101|PS-2|2|1250",
            "#1102|Apollo Poster|1|2500"
        ]
    );
}

#[test]
fn the_2025_orders_layout_is_recognised_with_its_payment_columns() {
    let shop = Shop::new();
    let out = shop.import("orders", &shop.fixture("shopify_orders_2025.csv"));
    assert!(
        out.stdout.contains("(Shopify orders export): 5 rows read"),
        "{}",
        out.stdout
    );
    // The payment columns of the 2025-26 layout are read past, named among the ignored ones.
    assert!(
        out.stdout.contains(
            "Billing Province Name, Shipping Province Name, Payment ID, Payment Terms Name, Next Payment Due At, Payment References"
        ),
        "{}",
        out.stdout
    );
}

const CUSTOMERS: &str = "SELECT external_id, coalesce(email, '-'), first_name, accepts_marketing, city, region, country, zip, coalesce(phone, '-'), tags FROM customers ORDER BY external_id";

#[test]
fn the_customers_layouts_are_recognised() {
    for (file, expected) in [
        (
            // Legacy: no Customer ID, one Accepts Marketing, Address1... without Default Address.
            "shopify_customers_legacy.csv",
            vec![
                r#"linus@example.com|linus@example.com|Linus|1|Portland|OR|US|97201|-|["kernel"]"#,
                r#"margaret@example.com|margaret@example.com|Margaret|0|Cambridge|MA|US|02139|+16175550199|["apollo","vip"]"#,
            ],
        ),
        (
            // 2022-23: Customer ID first, Accepts Email Marketing, Address1... and a multi-line Note.
            "shopify_customers_2022.csv",
            vec![
                r#"6543210987001|katherine@example.com|Katherine|1|Hampton|VA|US|23666|+17575550123|["orbit","vip"]"#,
                "6543210987002|dorothy@example.com|Dorothy|0|Hampton|VA|US|23669|-|[]",
            ],
        ),
        (
            // Current: Default Address columns, Accepts SMS Marketing, Tags last.
            "shopify_customers.csv",
            vec![
                r#"7010259566818|ada@example.com|Ada|1|Boston|MA|US|02134|+16175550100|["vip","newsletter"]"#,
                "7010259599586|grace@example.com|Grace|0|Arlington|VA|US|22201|-|[]",
            ],
        ),
        (
            // Current with Accepts WhatsApp Marketing and metafield columns; no email.
            "shopify_customers_whatsapp.csv",
            vec![
                r#"9980311896380|-|Luz|0|Medellín|ANT|CO|050021|+573158173380|["fuerte_e_intenso","ruta"]"#,
                "9980311896381|mateo.rios@example.com|Mateo|1|Bogotá|DC|CO|110111|-|[]",
            ],
        ),
    ] {
        let shop = Shop::new();
        let out = shop.import("customers", &shop.fixture(file));
        assert!(
            out.stdout
                .contains("(Shopify customers export): 2 rows read\n  2 inserted"),
            "{file}: {}",
            out.stdout
        );
        assert_eq!(shop.rows(CUSTOMERS), expected, "{file}");
    }
}

#[test]
fn an_order_without_a_name_is_keyed_by_its_id_without_the_apostrophe() {
    let shop = Shop::new();
    let text = std::fs::read_to_string(fixture_path("shopify_orders_2021.csv")).unwrap();
    let edited: String = text
        .lines()
        .map(|line| {
            line.strip_prefix("#1102")
                .map_or(line.to_owned(), str::to_owned)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = shop.file("no_name.csv", &(edited + "\n"));
    shop.import("orders", &path);
    assert_eq!(
        shop.rows("SELECT external_id FROM orders ORDER BY external_id"),
        vec!["#1101", "3874561234568"]
    );
}

#[test]
fn items_before_their_orders_exit_non_zero_and_say_what_to_import_first() {
    let shop = Shop::new();
    shop.file(
        "items.csv",
        "order_id,product_id,quantity,price\n#2001,MUG-BLU,2,19.99\n#2001,NB-1,1,15.00\n",
    );
    let out = shop.run(&["import", "items", "items.csv"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: nothing was imported from items.csv: all 2 row(s) were rejected; first: line 2: \
         column order_id: order `#2001` is not in the store; import the orders file first. \
         Import the orders first (`segflow import orders FILE`), then import items.csv again \
         (all rejected rows are in items.rejects.csv)\n"
    );
    assert!(shop.dir.path().join("items.rejects.csv").exists());
    assert_eq!(shop.rows("SELECT count(*) FROM products"), vec!["0"]);
    // In the right order the same file imports.
    shop.import("orders", &shop.fixture("shopify_orders_2025.csv"));
    let out = shop.run(&["import", "items", "items.csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_file_whose_every_row_is_rejected_exits_non_zero() {
    let shop = Shop::new();
    let text = std::fs::read_to_string(fixture_path("shopify_orders_2025.csv")).unwrap();
    // Only the continuation rows of #2001: the header and lines 5 and 6 of the file.
    let lines: Vec<&str> = text.lines().collect();
    shop.file(
        "cont.csv",
        &format!("{}\n{}\n{}\n", lines[0], lines[3], lines[4]),
    );
    let out = shop.run(&["import", "orders", "cont.csv"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(
        out.stderr,
        "error: nothing was imported from cont.csv: all 2 row(s) were rejected; first: line 2: \
         line item of order #2001 has no first row above it in this file (the row of that Name \
         with Financial Status and Total); export the order again with all its rows, or move its \
         first row above this one. Fix the rows as their reasons say, then import cont.csv again \
         (all rejected rows are in cont.rejects.csv)\n"
    );
    assert_eq!(shop.rows("SELECT count(*) FROM orders"), vec!["0"]);
}

const LINE_PRODUCTS: &str =
    "SELECT o.external_id, p.external_id, coalesce(p.category, '-'), p.tags FROM order_items i \
     JOIN orders o ON o.id = i.order_id JOIN products p ON p.id = i.product \
     ORDER BY o.external_id, p.external_id";

const EXPECTED_LINE_PRODUCTS: [&str; 5] = [
    r#"#2001|MUG-BLU|Mugs|["ceramic","gift"]"#,
    "#2001|NB-1|Stationery|[]",
    r#"#2001|TEA-5|Tea|["tea","sampler"]"#,
    r#"#2002|MUG-BLU|Mugs|["ceramic","gift"]"#,
    r#"#2002|TEA-5|Tea|["tea","sampler"]"#,
];

#[test]
fn the_products_export_gives_line_items_their_categories_and_tags() {
    let shop = Shop::new();
    let out = shop.import("products", &shop.fixture("shopify_products.csv"));
    // Five rows: two variants of the mug, an image-only row, the tea and the notebook.
    assert!(
        out.stdout.contains("(Shopify products export): 5 rows read\n  4 inserted, 0 updated, 1 unchanged, 0 rejected"),
        "{}",
        out.stdout
    );
    assert_eq!(
        shop.rows(
            "SELECT external_id, title, category, price, tags FROM products ORDER BY external_id"
        ),
        vec![
            r#"MUG-BLU|Blue Mug - Regular|Mugs|1999|["ceramic","gift"]"#,
            r#"MUG-BLU-L|Blue Mug - Large|Mugs|2499|["ceramic","gift"]"#,
            "NB-1|Notebook, dotted|Stationery|1500|[]",
            r#"TEA-5|Tea Sampler|Tea|2000|["tea","sampler"]"#,
        ]
    );
    // The orders' lines find their products: by sku, and the sku-less tea line by its title.
    let out = shop.import("orders", &shop.fixture("shopify_orders_2025.csv"));
    assert!(
        out.stdout
            .contains("created 2 new customers and 0 new products"),
        "{}",
        out.stdout
    );
    assert_eq!(shop.rows(LINE_PRODUCTS), EXPECTED_LINE_PRODUCTS);
}

#[test]
fn a_products_export_after_the_orders_adopts_the_products_their_lines_made() {
    let shop = Shop::new();
    shop.import("orders", &shop.fixture("shopify_orders_2025.csv"));
    shop.import("products", &shop.fixture("shopify_products.csv"));
    assert_eq!(shop.rows(LINE_PRODUCTS), EXPECTED_LINE_PRODUCTS);
    assert_eq!(shop.rows("SELECT count(*) FROM products"), vec!["4"]);
    // A products export imported as orders is refused with the kind to use.
    let out = shop.run(&["import", "orders", "shopify_products.csv"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: shopify_products.csv looks like a Shopify products export; import it as `products` instead of `orders`\n"
    );
}

#[test]
fn the_lines_of_an_order_whose_first_row_is_rejected_say_so() {
    let shop = Shop::new();
    let text = std::fs::read_to_string(fixture_path("shopify_orders_2025.csv")).unwrap();
    let path = shop.file(
        "bad_total.csv",
        &text.replace(",59.99,0.00,0.00,59.99,", ",59.99,0.00,0.00,fifty,"),
    );
    let out = shop.import("orders", &path);
    assert!(
        out.stdout
            .contains("3 inserted, 0 updated, 0 unchanged, 2 rejected"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "bad_total.csv line 6: column Total: `fifty` is not an amount (expected a decimal number such as 49.99)\n"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "bad_total.csv line 7: line item of order #2002 is not imported because the order's first row was rejected; fix that row as its reason says and import the file again"
        ),
        "{}",
        out.stdout
    );
}
