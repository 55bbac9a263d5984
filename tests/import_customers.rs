//! Importing customers and products: every column mapped, tags and typed attributes,
//! idempotent re-import, partial files that leave other columns alone.

mod import_support;

use import_support::Store;
use segflow::store::import::{DetectedFormat, ImportKind};

const CUSTOMERS: &str = "\
customer_id,email,first_name,last_name,created_at,birthday,gender,country,region,city,zip,timezone,accepts_marketing,tags,attr.vip_level,attr.sizes,attr.newsletter,attr.note
c1,ada@example.com,Ada,Lovelace,2023-01-02 03:04:05,1815-12-10,f,GB,LND,London,N1,Europe/London,YES,\"vip, early adopter\",3,\"[\"\"S\"\",\"\"M\"\"]\",true,likes tea
c2,grace@example.com,Grace,Hopper,2023-02-01T10:00:00+01:00,1906-12-09,f,US,VA,Arlington,22201,America/New_York,0,,,,false,
c3,,,,,,,,,,,,,,,,,
";

#[test]
fn customers_are_imported_with_every_column() {
    let mut store = Store::new();
    let path = store.file("customers.csv", CUSTOMERS);
    let summary = store.import(ImportKind::Customers, &path).unwrap();
    assert_eq!(summary.format, DetectedFormat::Generic);
    assert_eq!(
        (summary.rows_read, summary.inserted, summary.rejected),
        (3, 3, 0)
    );
    assert!(summary.ignored_columns.is_empty());
    // Expected instants computed independently (Python's datetime).
    assert_eq!(
        store.rows("SELECT external_id, email, first_name, last_name, created_at, birthday, gender, country, region, city, zip, timezone, accepts_marketing FROM customers ORDER BY external_id"),
        vec![
            "c1|ada@example.com|Ada|Lovelace|1672628645000|-4861728000000|f|GB|LND|London|N1|Europe/London|1",
            "c2|grace@example.com|Grace|Hopper|1675242000000|-1990137600000|f|US|VA|Arlington|22201|America/New_York|0",
            "c3|-|-|-|-|-|-|-|-|-|-|-|-",
        ]
    );
    assert_eq!(
        store.rows("SELECT tags, attributes FROM customers ORDER BY external_id"),
        vec![
            r#"["vip","early adopter"]|{"newsletter":true,"note":"likes tea","sizes":["S","M"],"vip_level":3}"#,
            r#"[]|{"newsletter":false}"#,
            "[]|{}",
        ]
    );
}

#[test]
fn reimporting_the_same_file_changes_nothing_and_an_edit_counts_as_update() {
    let mut store = Store::new();
    let path = store.file("customers.csv", CUSTOMERS);
    store.import(ImportKind::Customers, &path).unwrap();
    let again = store.import(ImportKind::Customers, &path).unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
    assert_eq!(store.int("SELECT count(*) FROM customers"), 3);

    let edited = CUSTOMERS.replace("Arlington", "Washington");
    let path = store.file("customers.csv", edited);
    let third = store.import(ImportKind::Customers, &path).unwrap();
    assert_eq!((third.inserted, third.updated, third.unchanged), (0, 1, 2));
    assert_eq!(
        store
            .text("SELECT city FROM customers WHERE external_id = 'c2'")
            .unwrap(),
        "Washington"
    );
}

#[test]
fn a_partial_file_keeps_other_columns_and_merges_attributes() {
    let mut store = Store::new();
    let path = store.file("customers.csv", CUSTOMERS);
    store.import(ImportKind::Customers, &path).unwrap();
    // Only the email and two attributes: the empty one removes `note`, the others stay.
    let path = store.file(
        "update.csv",
        "customer_id,email,attr.note,attr.tier,extra\nc1,ada@new.example,,gold,x\n",
    );
    let summary = store.import(ImportKind::Customers, &path).unwrap();
    assert_eq!(summary.updated, 1);
    assert_eq!(summary.ignored_columns, vec!["extra"]);
    assert!(
        summary.to_string().contains("ignored columns: extra"),
        "{summary}"
    );
    assert_eq!(
        store.rows("SELECT email, first_name, city, tags, attributes FROM customers WHERE external_id = 'c1'"),
        // Keys come out sorted (the merge works on sorted maps); their order means nothing.
        vec![r#"ada@new.example|Ada|London|["vip","early adopter"]|{"newsletter":true,"sizes":["S","M"],"tier":"gold","vip_level":3}"#]
    );
}

#[test]
fn bad_customer_cells_are_rejected_with_reasons() {
    let mut store = Store::new();
    let path = store.file(
        "people.csv",
        "customer_id,birthday,accepts_marketing\nc1,1990-02-30,yes\nc2,1990-02-01,maybe\n,1990-02-01,no\nc4,1990-02-01,no\n",
    );
    let summary = store.import(ImportKind::Customers, &path).unwrap();
    assert_eq!((summary.inserted, summary.rejected), (1, 3));
    let reject_file = summary.reject_file.clone().unwrap();
    assert_eq!(reject_file, store.dir.path().join("people.rejects.csv"));
    let rows = import_support::rejects(&reject_file);
    assert_eq!(
        rows[0],
        vec![
            "customer_id",
            "birthday",
            "accepts_marketing",
            "reason",
            "line"
        ]
    );
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[1][..3], ["c1", "1990-02-30", "yes"]);
    assert!(
        rows[1][3].contains("birthday") && rows[1][3].contains("not a valid calendar date"),
        "{:?}",
        rows[1]
    );
    assert_eq!(rows[1][4], "2");
    assert!(rows[2][3].contains("accepts_marketing"), "{:?}", rows[2]);
    assert_eq!(rows[2][4], "3");
    assert_eq!(
        rows[3][3],
        "missing customer_id; fill it in, as every row needs one"
    );
    assert_eq!(rows[3][4], "4");
    assert_eq!(store.rows("SELECT external_id FROM customers"), vec!["c4"]);
}

/// A list of addresses or a line break in an email cell used to be stored and fail only at send
/// time (or add a header); the row is rejected with the column and the reason instead.
#[test]
fn an_email_cell_with_a_list_or_a_line_break_is_rejected() {
    let mut store = Store::new();
    let path = store.file(
        "people.csv",
        "customer_id,email\n\
         c1,\"\"\"Evil\"\" <a@b.test>, c@evil.test\"\n\
         c2,\"a@b.test\r\nBcc: x@evil.test\"\n\
         c3,ada@example.com\n\
         c4,ada@example.com;bob@example.com\n",
    );
    let summary = store.import(ImportKind::Customers, &path).unwrap();
    assert_eq!((summary.inserted, summary.rejected), (1, 3));
    let rows = import_support::rejects(&summary.reject_file.clone().unwrap());
    let hint = "write a single bare address such as ana@example.com";
    assert_eq!(
        rows[1][2..],
        [
            format!("column email: `\"Evil\" <a@b.test>, c@evil.test` is not one email address: it looks like a list of addresses; {hint}"),
            "2".to_string()
        ]
    );
    assert_eq!(
        rows[2][2..],
        [
            format!("column email: `a@b.test\\r\\nBcc: x@evil.test` is not one email address: it holds a line break or another control character; {hint}"),
            "3".to_string()
        ]
    );
    assert_eq!(rows[3][0], "c4");
    assert!(rows[3][2].contains("a list of addresses"), "{:?}", rows[3]);
    assert_eq!(
        store.rows("SELECT external_id, email FROM customers"),
        vec!["c3|ada@example.com"]
    );
}

#[test]
fn products_are_upserted_with_exact_prices() {
    let mut store = Store::new();
    let path = store.file(
        "products.csv",
        "product_id,title,category,price,tags\nMUG-BLU,Blue mug,Kitchen,19.99,\"ceramic, blue\"\nTEA-1,Tea sampler,Food,0.1,\nBAD,Broken,Food,1.999,\n",
    );
    let summary = store.import(ImportKind::Products, &path).unwrap();
    assert_eq!((summary.inserted, summary.rejected), (2, 1));
    assert_eq!(
        store.rows(
            "SELECT external_id, title, category, price, tags FROM products ORDER BY external_id"
        ),
        vec![
            r#"MUG-BLU|Blue mug|Kitchen|1999|["ceramic","blue"]"#,
            "TEA-1|Tea sampler|Food|10|[]"
        ]
    );
    let again = store.import(ImportKind::Products, &path).unwrap();
    assert_eq!(
        (
            again.inserted,
            again.updated,
            again.unchanged,
            again.rejected
        ),
        (0, 0, 2, 1)
    );
}
