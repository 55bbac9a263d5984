//! Cells of the CSV export made safe to open in a spreadsheet.
//!
//! Merchants open `segment export --format csv` in Excel, LibreOffice or Google Sheets, and a
//! customer controls their own name and email address. A cell that begins with `=`, `+`, `-` or
//! `@` is read as a formula there (`=cmd|' /C calc'!A0`, `=HYPERLINK(...)`), and a leading tab or
//! carriage return is a known way to slip one past a first check. Such cells get the usual
//! leading `'`, which spreadsheets show as text and do not evaluate. NUL never has a meaning in a
//! name and truncates the cell in some readers, so it is dropped. The JSONL export is for
//! programs, not spreadsheets, and keeps every value exact.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula when they come first.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `value` as a CSV cell that a spreadsheet shows as the text it is: NUL removed, and a `'` in
/// front when it would otherwise begin with a formula character.
pub fn text_cell(value: &str) -> Cow<'_, str> {
    // NUL goes first, so that "\0=1" cannot become a formula once the NUL is gone.
    let value: Cow<'_, str> = if value.contains('\0') {
        Cow::Owned(value.replace('\0', ""))
    } else {
        Cow::Borrowed(value)
    };
    match value.chars().next() {
        Some(c) if FORMULA_START.contains(&c) => Cow::Owned(format!("'{value}")),
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::text_cell;

    #[test]
    fn formula_starts_are_quoted() {
        for (raw, cell) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+SUM(1+1)", "'+SUM(1+1)"),
            ("-1", "'-1"),
            ("@x", "'@x"),
            ("\tname", "'\tname"),
            ("\rname", "'\rname"),
        ] {
            assert_eq!(text_cell(raw), cell, "{raw:?}");
        }
    }

    #[test]
    fn nul_is_dropped_before_the_check() {
        assert_eq!(text_cell("Al\0ice"), "Alice");
        assert_eq!(text_cell("\0=1+1"), "'=1+1");
        assert_eq!(text_cell("\0"), "");
    }

    #[test]
    fn ordinary_text_is_kept() {
        for raw in [
            "Alice",
            "alice@example.com",
            "",
            "O'Brien",
            "a=b",
            " =1",
            "'quoted",
        ] {
            assert_eq!(text_cell(raw), raw);
        }
    }
}
