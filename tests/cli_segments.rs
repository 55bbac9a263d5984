//! The real `segflow` binary, run as a merchant would: stdout, stderr and exit codes are checked
//! exactly. The shop is the hand-written one in tests/cases/shop, imported through the CLI.

mod cli_shop;

use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: &str = "2026-11-15T12:00:00Z";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn segflow(dir: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_segflow"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run segflow");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A work dir with the example rules and the hand-written shop imported by the CLI.
fn shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    for entry in std::fs::read_dir(repo().join("rules")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, rules.join(p.file_name().unwrap())).unwrap();
    }
    for kind in ["customers", "products", "orders", "items", "events"] {
        let file = repo().join(format!("tests/cases/shop/{kind}.csv"));
        let out = segflow(dir.path(), &["import", kind, file.to_str().unwrap()]);
        assert_eq!(out.code, 0, "import {kind}: {}", out.stderr);
    }
    dir
}

#[test]
fn check_reports_no_problems_for_the_example_rules() {
    let out = segflow(&repo(), &["check"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        format!(
            "{} segments checked in rules: no problems\n{} workflows checked in workflows: no problems\n",
            cli_shop::example_files("rules"),
            cli_shop::example_files("workflows")
        )
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn check_renders_every_problem_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/vip.yaml"),
        "segment: vip\nwhere: total_spent > 1000 and contry == \"US\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rules/lapsed.yaml"),
        "segment: lapsed\nwhere: days_since(last_order_at) > 180d\n",
    )
    .unwrap();
    let out = segflow(dir.path(), &["check"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        r#"E003

  × cannot compare a number with a duration
   ╭─[rules/lapsed.yaml:2:8]
 1 │ segment: lapsed
 2 │ where: days_since(last_order_at) > 180d
   ·        ────────────────┬───────────────
   ·                        ╰── number > duration
   ╰────
  help: days_since(...) and other functions return plain numbers: compare with 180, not 180d
E002

  × unknown field `contry`
   ╭─[rules/vip.yaml:2:31]
 1 │ segment: vip
 2 │ where: total_spent > 1000 and contry == "US"
   ·                               ───┬──
   ·                                  ╰── not a customer field
   ╰────
  help: did you mean `country`?
error: 2 problems in 2 files
"#
    );
}

#[test]
fn segments_json_lists_names_and_member_counts() {
    let dir = shop();
    let out = segflow(dir.path(), &["--now", NOW, "segments", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), cli_shop::example_files("rules"));
    let vip = arr.iter().find(|s| s["name"] == "vip").unwrap();
    assert_eq!(vip["members"], 3);
    assert!((vip["share"].as_f64().unwrap() - 3.0 / 14.0).abs() < 1e-9);
    let checkout = arr
        .iter()
        .find(|s| s["name"] == "abandoned_checkout")
        .unwrap();
    assert_eq!(checkout["members"], 1);
}

#[test]
fn segment_show_prints_figures_and_sample() {
    let dir = shop();
    let out = segflow(dir.path(), &["--now", NOW, "segment", "show", "vip"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // c01 spent 640 in 5 orders, c04 750 in 2, c12 1500 in 1: 2890 over 8 orders.
    let expected_head = "segment vip
  members              3 (21.4% of 14 customers)
  revenue              2,890.00 USD
  orders               8
  AOV                  361.25 USD
  orders per customer  2.67

sample members:
customer_id  email              name         country  orders  spent USD  last order
c01          alice@example.com  Alice Smith  US            5     640.00  2026-11-01
c04          dan@example.com    Dan Meyer    DE            2     750.00  2026-07-01
c12          liz@example.com    Liz Brown    CA            1   1,500.00  2023-01-01
";
    assert_eq!(out.stdout, expected_head);
}

#[test]
fn segment_export_writes_csv_and_jsonl() {
    let dir = shop();
    let out = segflow(dir.path(), &["--now", NOW, "segment", "export", "at_risk"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "customer_id,email,first_name,last_name,country,orders,total_spent,last_order_at\nc04,dan@example.com,Dan,Meyer,DE,2,750.00,2026-07-01\n"
    );
    let out = segflow(
        dir.path(),
        &[
            "--now",
            NOW,
            "segment",
            "export",
            "vip",
            "--format",
            "jsonl",
            "--out",
            "vip.jsonl",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "wrote 3 members of vip to vip.jsonl\n");
    let text = std::fs::read_to_string(dir.path().join("vip.jsonl")).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["customer_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["c01", "c04", "c12"]);
}

/// Customers control their own names and addresses, and merchants open exports in spreadsheets:
/// a cell that would run as a formula is exported with a leading `'`; JSONL keeps it exact.
#[test]
fn segment_export_csv_neutralises_formulas_and_jsonl_keeps_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/everyone.yaml"),
        "segment: everyone\nwhere: orders.count() == 0\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("customers.csv"),
        "customer_id,email,first_name,last_name,country,attr.note\n\
         c1,-1@shop.test,=cmd|' /C calc'!A0,+SUM(1+1),@x,=1+1\n\
         +c2,=cmd|'calc'!A0@shop.test,-1,Plain,DE,\n\
         c3,alice@example.com,Alice,O'Brien,US,\n",
    )
    .unwrap();
    let out = segflow(dir.path(), &["import", "customers", "customers.csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = segflow(dir.path(), &["segment", "export", "everyone"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "customer_id,email,first_name,last_name,country,orders,total_spent,last_order_at\n\
         c1,'-1@shop.test,'=cmd|' /C calc'!A0,'+SUM(1+1),'@x,0,0.00,\n\
         '+c2,'=cmd|'calc'!A0@shop.test,'-1,Plain,DE,0,0.00,\n\
         c3,alice@example.com,Alice,O'Brien,US,0,0.00,\n"
    );
    let out = segflow(
        dir.path(),
        &["segment", "export", "everyone", "--format", "jsonl"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fields = |r: &serde_json::Value| {
        ["customer_id", "email", "first_name", "last_name", "country"]
            .map(|k| r[k].as_str().unwrap().to_string())
    };
    assert_eq!(
        fields(&rows[0]),
        [
            "c1",
            "-1@shop.test",
            "=cmd|' /C calc'!A0",
            "+SUM(1+1)",
            "@x"
        ]
    );
    assert_eq!(
        fields(&rows[1]),
        ["+c2", "=cmd|'calc'!A0@shop.test", "-1", "Plain", "DE"]
    );
    assert_eq!(rows.len(), 3);
}

#[test]
fn refresh_records_changes_and_history() {
    let dir = shop();
    let out = segflow(dir.path(), &["--now", NOW, "refresh", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let first: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let active = first
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["segment"] == "active")
        .unwrap();
    assert_eq!(
        (
            active["members"].as_u64(),
            active["entered"].as_u64(),
            active["exited"].as_u64()
        ),
        (Some(4), Some(4), Some(0))
    );
    // On 2027-02-01 the 90-day window starts 2026-11-03 12:00: c01 and c02 (last orders on
    // 2026-11-01) and c13 (2026-10-01) leave; c07 (2026-11-15) stays.
    let out = segflow(
        dir.path(),
        &["--now", "2027-02-01T12:00:00Z", "refresh", "--json"],
    );
    let second: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let active = second
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["segment"] == "active")
        .unwrap();
    assert_eq!(
        (
            active["members"].as_u64(),
            active["entered"].as_u64(),
            active["exited"].as_u64()
        ),
        (Some(1), Some(0), Some(3))
    );
    let out = segflow(dir.path(), &["segment", "history", "active"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "refreshed at         members  entered  exited\n2026-11-15 12:00:00        4        4       0\n2027-02-01 12:00:00        1        0       3\n"
    );
}

#[test]
fn explain_prints_parameterised_sql() {
    let out = segflow(&repo(), &["--now", NOW, "explain", "north_america"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "-- segment north_america: country in [\"US\", \"CA\"]
SELECT c.id
FROM customers AS c
WHERE (c.created_at IS NULL OR c.created_at <= ?1)
  AND COALESCE(c.country IN (?2, ?3), 0)
ORDER BY c.id
-- ?1 = 1794744000000 (now, 2026-11-15T12:00:00.000Z)
-- ?2 = 'US'
-- ?3 = 'CA'
"
    );
}

#[test]
fn unknown_segment_suggests_the_closest_name() {
    let out = segflow(&repo(), &["explain", "vipp"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: no segment named `vipp`; did you mean `vip`?\n"
    );
}

#[test]
fn bad_now_is_explained() {
    let out = segflow(&repo(), &["--now", "yesterday", "segments"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: --now yesterday: not a timestamp; write 2026-11-22, 2026-11-22T10:00:00Z or 2026-11-22 10:00:00\n"
    );
}

#[test]
fn missing_rules_directory_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let out = segflow(dir.path(), &["check"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: the rules directory rules does not exist; create it or pass --rules DIR (segflow init scaffolds one)\n"
    );
}

#[test]
fn import_reports_rejected_rows_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("orders.csv");
    std::fs::write(&csv, "order_id,customer_id,placed_at,total\no1,c1,2026-01-01,10.00\no2,c1,not a date,5.00\no3,c2,2026-01-02,abc\n").unwrap();
    let out = segflow(dir.path(), &["import", "orders", "orders.csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("1 inserted"), "{}", out.stdout);
    assert!(out.stdout.contains("2 rejected"), "{}", out.stdout);
    let rejects = std::fs::read_to_string(dir.path().join("orders.rejects.csv")).unwrap();
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines.len(), 3, "{rejects}");
    assert_eq!(lines[0], "order_id,customer_id,placed_at,total,reason,line");
    assert!(
        lines[1].starts_with("o2,c1,not a date,5.00,") && lines[1].ends_with(",3"),
        "{rejects}"
    );
    assert!(
        lines[1].contains("column placed_at: `not a date` is not a date"),
        "{rejects}"
    );
    assert_eq!(lines[2], "o3,c2,2026-01-02,abc,column total: `abc` is not an amount (expected a decimal number such as 49.99),4");
    // --strict: the same file writes nothing.
    let strict_db = dir.path().join("strict.db");
    let out = segflow(
        dir.path(),
        &[
            "--db",
            strict_db.to_str().unwrap(),
            "import",
            "orders",
            "orders.csv",
            "--strict",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
    let conn = rusqlite::Connection::open(&strict_db).unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn init_scaffolds_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let out = segflow(dir.path(), &["init", "shop"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for f in [
        "shop/segflow.toml",
        "shop/rules/repeat_buyers.yaml",
        "shop/workflows/templates/.gitkeep",
        "shop/.gitignore",
        "shop/schemas/rules.schema.json",
        "shop/schemas/workflows.schema.json",
        "shop/schemas/config.schema.json",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    let out = segflow(&dir.path().join("shop"), &["check"]);
    assert_eq!(out.stdout, "1 segment checked in rules: no problems\n");
    let out = segflow(dir.path(), &["init", "shop"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: shop/segflow.toml already exists; segflow init does not overwrite a repository (pick another folder or remove the file)\n"
    );
}
