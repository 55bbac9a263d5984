//! How the import copes with real-world files: empty and header-only files, a byte order mark,
//! CRLF line ends, quoted commas and quotes, multi-line cells and bytes that are not UTF-8.

mod import_support;

use import_support::Store;
use segflow::store::import::{ImportError, ImportKind};

#[test]
fn an_empty_file_is_an_error() {
    let mut store = Store::new();
    let path = store.file("empty.csv", "");
    let error = store.import(ImportKind::Customers, &path).unwrap_err();
    assert!(matches!(error, ImportError::Empty { .. }), "{error}");
    assert!(error.to_string().contains("empty.csv is empty"), "{error}");
}

#[test]
fn a_missing_file_is_a_read_error_naming_it() {
    let mut store = Store::new();
    let path = store.dir.path().join("nope.csv");
    let error = store.import(ImportKind::Orders, &path).unwrap_err();
    assert!(matches!(error, ImportError::Read { .. }), "{error}");
    assert!(error.to_string().contains("nope.csv"), "{error}");
}

#[test]
fn a_header_only_file_imports_nothing_without_error() {
    let mut store = Store::new();
    let path = store.file("orders.csv", "order_id,customer_id,placed_at,total\r\n");
    let summary = store.import(ImportKind::Orders, &path).unwrap();
    assert_eq!(
        (summary.rows_read, summary.inserted, summary.rejected),
        (0, 0, 0)
    );
    assert!(summary.reject_file.is_none());
    assert!(!store.dir.path().join("orders.rejects.csv").exists());
}

#[test]
fn bom_crlf_and_quoting_are_handled() {
    let mut store = Store::new();
    let text = "\u{feff}Customer_ID , First_Name,Last_Name,City\r\n\
                c1,\"Smith, Jr.\",\"O\"\"Brien\",\"New\r\nYork\"\r\n\
                c2,  Ada  ,Lovelace,London\r\n";
    let path = store.file("customers.csv", text);
    let summary = store.import(ImportKind::Customers, &path).unwrap();
    assert_eq!((summary.inserted, summary.rejected), (2, 0), "{summary}");
    assert!(
        summary.ignored_columns.is_empty(),
        "{:?}",
        summary.ignored_columns
    );
    assert_eq!(
        store.rows(
            "SELECT external_id, first_name, last_name, city FROM customers ORDER BY external_id"
        ),
        vec![
            "c1|Smith, Jr.|O\"Brien|New\r\nYork",
            "c2|Ada|Lovelace|London"
        ]
    );
}

#[test]
fn a_row_with_bytes_that_are_not_utf8_is_rejected_with_its_line() {
    let mut store = Store::new();
    let mut bytes =
        b"customer_id,first_name,city\nc1,Ann,\"multi\nline\"\nc2,Ren\xe9,Paris\nc3,Zoe,Rome\n"
            .to_vec();
    bytes.extend_from_slice(b"c4,Bob,Oslo\n");
    let path = store.file("latin1.csv", &bytes);
    let summary = store.import(ImportKind::Customers, &path).unwrap();
    assert_eq!((summary.inserted, summary.rejected), (3, 1));
    assert_eq!(
        store.rows("SELECT external_id FROM customers ORDER BY external_id"),
        vec!["c1", "c3", "c4"]
    );
    let reject_file = summary.reject_file.unwrap();
    let raw = std::fs::read(&reject_file).unwrap();
    // The bad row is kept byte for byte, and its line counts the multi-line cell above it.
    assert!(
        raw.windows(4).any(|w| w == b"Ren\xe9"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    let rows = import_support::rejects(&reject_file);
    assert_eq!(
        rows[1][3],
        "column first_name is not valid UTF-8 text; save the file as UTF-8"
    );
    assert_eq!(rows[1][4], "4");
}

#[test]
fn strict_mode_names_the_line_of_a_non_utf8_row() {
    let mut store = Store::new();
    let path = store.file("c.csv", b"customer_id,city\nc1,Oslo\nc2,K\xf8benhavn\n");
    let error = store
        .import_with(ImportKind::Customers, &path, true)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("line 3: column city is not valid UTF-8"),
        "{error}"
    );
    assert_eq!(store.int("SELECT count(*) FROM customers"), 0);
}
