//! The generator's files: determinism per seed, exact header lines, row counts that match the
//! summary, and errors that name what went wrong.

use std::fs;
use std::path::Path;

use segflow::generate::{generate_shop, GenerateError, GenerateOptions, GenerateSummary};

const NOW: i64 = 1_763_208_000_000; // 2025-11-15 12:00:00 UTC
const FILES: [&str; 5] = [
    "customers.csv",
    "products.csv",
    "orders.csv",
    "items.csv",
    "events.csv",
];

fn generate(dir: &Path, customers: usize, seed: u64) -> GenerateSummary {
    let opts = GenerateOptions {
        customers,
        seed,
        now: NOW,
    };
    generate_shop(&opts, dir).unwrap()
}

fn data_rows(path: &Path) -> usize {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let mut count = 0;
    for record in reader.records() {
        record.unwrap();
        count += 1;
    }
    count
}

#[test]
fn same_seed_gives_byte_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let first = generate(&a, 300, 11);
    let second = generate(&b, 300, 11);
    assert_eq!(
        (first.orders, first.items, first.events),
        (second.orders, second.items, second.events)
    );
    for name in FILES {
        let left = fs::read(a.join(name)).unwrap();
        let right = fs::read(b.join(name)).unwrap();
        assert!(left == right, "{name} differs between two runs of seed 11");
    }
}

#[test]
fn different_seed_gives_different_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    generate(&a, 300, 11);
    generate(&b, 300, 12);
    for name in FILES {
        let left = fs::read(a.join(name)).unwrap();
        let right = fs::read(b.join(name)).unwrap();
        assert!(left != right, "{name} is the same for seeds 11 and 12");
    }
}

#[test]
fn header_lines_are_the_import_formats() {
    let tmp = tempfile::tempdir().unwrap();
    generate(tmp.path(), 20, 1);
    let expected = [
        "customer_id,email,first_name,last_name,created_at,birthday,gender,country,region,city,zip,timezone,accepts_marketing,tags,attr.values,attr.interests,attr.nps,attr.loyalty_tier",
        "product_id,title,category,price,tags",
        "order_id,customer_id,placed_at,total,discount,status,channel,currency",
        "order_id,product_id,quantity,price",
        "customer_id,type,occurred_at,prop.value,prop.product_id,prop.category,prop.campaign,prop.url,prop.product_ids",
    ];
    for (name, header) in FILES.iter().zip(expected) {
        let text = fs::read_to_string(tmp.path().join(name)).unwrap();
        assert_eq!(text.lines().next(), Some(header), "header of {name}");
        assert!(text.ends_with('\n'), "{name} ends with a line break");
    }
}

#[test]
fn summary_counts_match_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = generate(tmp.path(), 500, 5);
    let names: Vec<String> = summary
        .files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, FILES);
    assert!(summary.files.iter().all(|p| p.starts_with(tmp.path())));
    let counts = [
        summary.customers,
        summary.products,
        summary.orders,
        summary.items,
        summary.events,
    ];
    for (path, count) in summary.files.iter().zip(counts) {
        assert_eq!(data_rows(path), count, "rows of {}", path.display());
    }
    assert_eq!(summary.customers, 500);
    assert_eq!(
        summary.products, 50,
        "small shops get the minimum catalogue"
    );
    assert!(summary.orders > summary.customers && summary.items > summary.orders);
    assert!(summary.events > summary.customers);
}

#[test]
fn catalogue_grows_with_the_shop() {
    let tmp = tempfile::tempdir().unwrap();
    let summary = generate(tmp.path(), 30_000, 2);
    assert_eq!(summary.products, 60, "2,000 products per million customers");
}

#[test]
fn creates_a_missing_output_folder_and_handles_an_empty_shop() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested").join("shop");
    let summary = generate(&dir, 0, 3);
    assert_eq!(
        (
            summary.customers,
            summary.orders,
            summary.items,
            summary.events
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(data_rows(&dir.join("products.csv")), 50);
    assert_eq!(data_rows(&dir.join("customers.csv")), 0);
}

#[test]
fn a_now_outside_the_calendar_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        customers: 10,
        seed: 1,
        now: i64::MAX / 2,
    };
    let err = generate_shop(&opts, tmp.path()).unwrap_err();
    assert!(matches!(err, GenerateError::InvalidNow { .. }), "{err}");
    assert!(err.to_string().contains("unix milliseconds"));
}

#[test]
fn an_unwritable_output_folder_names_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    fs::write(&blocker, "not a folder").unwrap();
    let opts = GenerateOptions {
        customers: 10,
        seed: 1,
        now: NOW,
    };
    let err = generate_shop(&opts, &blocker.join("shop")).unwrap_err();
    assert!(matches!(err, GenerateError::CreateDir { .. }), "{err}");
    assert!(err.to_string().contains(&blocker.display().to_string()));
}
