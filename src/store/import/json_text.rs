//! The JSON text of a row's tag list and attribute object, written straight into a buffer
//! that is reused from row to row.
//!
//! Building a `serde_json::Value` tree for every customer and serialising it was about a fifth
//! of the time of a customers import. The text written here is byte for byte what serialising
//! `cell::tags_json`'s array or a `serde_json::Map` of `cell::typed_value`s gives (keys in sorted order, the
//! last of two equal names winning, serde_json's string escaping and number form); a test
//! compares the two.

use super::cell::typed_value;
use super::header::Row;

/// Writes `text` as a JSON string.
fn write_str(buf: &mut Vec<u8>, text: &str) {
    // Serialising a string into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, text);
}

/// Writes a comma-separated tag cell as a JSON array of its non-empty trimmed entries.
pub fn write_tags(buf: &mut Vec<u8>, text: &str) {
    buf.clear();
    buf.push(b'[');
    let mut first = true;
    for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !first {
            buf.push(b',');
        }
        first = false;
        write_str(buf, tag);
    }
    buf.push(b']');
}

/// Writes a cell typed as `cell::typed_value` types it.
fn write_typed(buf: &mut Vec<u8>, text: &str) {
    let first = text.as_bytes().first().copied();
    if matches!(first, Some(b'[' | b'-' | b'0'..=b'9' | b't' | b'f')) {
        let _ = serde_json::to_writer(&mut *buf, &typed_value(text));
    } else {
        write_str(buf, text);
    }
}

/// The `PREFIX.NAME` columns of a file in the order their object is written: sorted by name,
/// and of two columns with one name only the later one, as a JSON object built key by key
/// keeps it.
pub fn object_columns(columns: &[(String, usize)]) -> Vec<(String, usize)> {
    let mut sorted = columns.to_vec();
    // Stable, so equal names keep their file order and the last one can be kept.
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(String, usize)> = Vec::with_capacity(sorted.len());
    for column in sorted {
        match out.last_mut() {
            Some(last) if last.0 == column.0 => *last = column,
            _ => out.push(column),
        }
    }
    out
}

/// Writes the object of a row's `columns` (from `object_columns`). An empty cell is `null`
/// when `nulls` (a merge patch, where null removes the key), and left out otherwise (the
/// object a new row stores).
pub fn write_object(buf: &mut Vec<u8>, row: &Row, columns: &[(String, usize)], nulls: bool) {
    buf.clear();
    buf.push(b'{');
    let mut first = true;
    for (name, index) in columns {
        let cell = row.opt(Some(*index));
        if cell.is_none() && !nulls {
            continue;
        }
        if !first {
            buf.push(b',');
        }
        first = false;
        write_str(buf, name);
        buf.push(b':');
        match cell {
            Some(text) => write_typed(buf, text),
            None => buf.extend_from_slice(b"null"),
        }
    }
    buf.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::super::cell::tags_json;
    use super::*;
    use csv::StringRecord;
    use serde_json::{Map, Value};

    /// The object as the importer built it before: a `Value` tree, empty cells as null.
    fn typed_object(row: &Row, columns: &[(String, usize)]) -> Value {
        let mut object = Map::new();
        for (name, index) in columns {
            let value = row.opt(Some(*index)).map_or(Value::Null, typed_value);
            object.insert(name.clone(), value);
        }
        Value::Object(object)
    }

    #[test]
    fn writes_what_serialising_the_values_writes() {
        for cell in [
            " vip, ,wholesale ",
            "",
            ",",
            "a\"b, \u{e9}\t, x\\y",
            "\u{1}",
        ] {
            let mut buf = Vec::new();
            write_tags(&mut buf, cell);
            assert_eq!(String::from_utf8(buf).unwrap(), tags_json(cell), "{cell:?}");
        }
        let cells = [
            "42",
            "-1.50",
            "1e3",
            "true",
            "false",
            "[1,\"a\"]",
            "{\"a\":1}",
            "tall",
            "",
            "12 Main St",
            "[oops",
            "\"q\"",
            "null",
            "0x1",
        ];
        let record = StringRecord::from(cells.to_vec());
        let row = Row { record: &record };
        let names = [
            "n", "b", "b", "a", "Z", "é", "x", "y", "e", "s", "o", "q", "u", "h",
        ];
        let columns: Vec<(String, usize)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), i))
            .collect();
        let expected = typed_object(&row, &columns);
        let mut buf = Vec::new();
        write_object(&mut buf, &row, &object_columns(&columns), true);
        assert_eq!(
            String::from_utf8(buf.clone()).unwrap(),
            expected.to_string()
        );
        write_object(&mut buf, &row, &object_columns(&columns), false);
        let Value::Object(mut without) = expected else {
            unreachable!()
        };
        without.retain(|_, v| !v.is_null());
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            Value::Object(without).to_string()
        );
    }
}
