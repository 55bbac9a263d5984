//! Completion: what may be written at the cursor, judged from the text before it on its line.
//! Inside `in_segment("…")` the segment names, after `send:` the template names, after a
//! collection's `.` its aggregates, inside a collection's parentheses its element fields, after
//! `attr.` and `prop.` the names the store has seen, and elsewhere every field, collection and
//! function of the language.

use lsp_types::{CompletionItem, CompletionItemKind};
use rusqlite::Connection;

use super::docs::{self, Kind};
use crate::dsl::check::names::{element_fields, lookup, COLLECTIONS};

/// What the text before the cursor asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Slot {
    Segment,
    Template,
    Aggregate,
    /// Inside the parentheses of this collection.
    Element(&'static str),
    Attribute,
    Property,
    EventType,
    Name,
}

/// The identifier-ish characters right before the cursor.
fn word_before(line: &str) -> &str {
    // The character found may be several bytes long (é): the word starts after all of it.
    let start = line
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    &line[start..]
}

/// The collection whose parentheses are still open before the cursor, if any.
fn open_collection(line: &str) -> Option<&'static str> {
    let mut depth = 0i32;
    for (i, c) in line.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth > 0 => depth -= 1,
            '(' => {
                let name = word_before(&line[..i]);
                return COLLECTIONS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(n, _)| *n);
            }
            _ => {}
        }
    }
    None
}

pub fn slot(line: &str) -> Slot {
    let word = word_before(line);
    let before = &line[..line.len() - word.len()];
    if before.ends_with("in_segment(\"") || before.ends_with("in_segment('") {
        return Slot::Segment;
    }
    if before.trim_end().ends_with("send:") {
        return Slot::Template;
    }
    if before.ends_with("attr.") {
        return Slot::Attribute;
    }
    if before.ends_with("prop.") {
        return Slot::Property;
    }
    if before.ends_with('.') {
        // `orders.`, `orders(within 30d).`: an aggregate follows.
        let head = before.trim_end_matches('.');
        let closes_collection = head.ends_with(')') || {
            let name = word_before(head);
            COLLECTIONS.iter().any(|(n, _)| *n == name)
        };
        if closes_collection {
            return Slot::Aggregate;
        }
    }
    let quoted = before.ends_with('"');
    if quoted && before.trim_end_matches('"').trim_end().ends_with("type ==") {
        return Slot::EventType;
    }
    if let Some(collection) = open_collection(before) {
        return Slot::Element(collection);
    }
    Slot::Name
}

fn item(label: &str, kind: CompletionItemKind, detail: String) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail),
        ..CompletionItem::default()
    }
}

/// The completions at a cursor whose line reads `line` up to it.
pub fn complete(
    line: &str,
    segments: &[(String, String)],
    templates: &[String],
    store: Option<&Connection>,
) -> Vec<CompletionItem> {
    let seen = |read: fn(&Connection) -> rusqlite::Result<Vec<String>>, what: &str| {
        store
            .and_then(|conn| read(conn).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|n| {
                item(
                    &n,
                    CompletionItemKind::PROPERTY,
                    format!("{what} seen in the store"),
                )
            })
            .collect()
    };
    match slot(line) {
        Slot::Segment => segments
            .iter()
            .map(|(name, description)| {
                item(name, CompletionItemKind::REFERENCE, description.clone())
            })
            .collect(),
        Slot::Template => templates
            .iter()
            .map(|t| item(t, CompletionItemKind::FILE, "template".into()))
            .collect(),
        Slot::Attribute => seen(crate::store::customers::attribute_names, "attribute"),
        Slot::Property => seen(crate::store::events::property_names, "event property"),
        Slot::EventType => seen(crate::store::events::type_names, "event type"),
        Slot::Aggregate => docs::all()
            .into_iter()
            .filter(|d| d.kind == Kind::Aggregate)
            .map(|d| item(d.name, CompletionItemKind::METHOD, d.meaning.to_string()))
            .collect(),
        Slot::Element(collection) => {
            let Some(c) = lookup(COLLECTIONS, collection) else {
                return Vec::new();
            };
            let mut out: Vec<CompletionItem> = element_fields(c)
                .iter()
                .map(|(name, field)| {
                    item(
                        name,
                        CompletionItemKind::FIELD,
                        format!("{collection} field, {}", field.ty()),
                    )
                })
                .collect();
            out.push(item(
                "within",
                CompletionItemKind::KEYWORD,
                "within D: at most D ago".into(),
            ));
            out.push(item(
                "since",
                CompletionItemKind::KEYWORD,
                "since T: at T or later".into(),
            ));
            // A filter may hold an aggregate over another collection (one level deep), whose
            // own filter reads this element as `outer.FIELD`.
            for (name, _) in COLLECTIONS {
                out.push(item(
                    name,
                    CompletionItemKind::MODULE,
                    format!("collection, nested: its filter reads this {collection} element as outer.FIELD"),
                ));
            }
            out
        }
        Slot::Name => docs::all()
            .into_iter()
            .filter(|d| d.kind != Kind::Aggregate)
            .map(|d| {
                let kind = match d.kind {
                    Kind::Field => CompletionItemKind::FIELD,
                    Kind::Collection => CompletionItemKind::MODULE,
                    _ => CompletionItemKind::FUNCTION,
                };
                item(d.name, kind, format!("{} — {}", d.ty, d.meaning))
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_before_the_cursor_decides_what_completes() {
        assert_eq!(slot("where: in_segment(\"vi"), Slot::Segment);
        assert_eq!(slot("  - { id: hello, send: "), Slot::Template);
        assert_eq!(slot("    send: wel"), Slot::Template);
        assert_eq!(slot("where: orders(within 30d).co"), Slot::Aggregate);
        assert_eq!(slot("where: items."), Slot::Aggregate);
        assert_eq!(slot("where: orders(tot"), Slot::Element("orders"));
        assert_eq!(
            slot("where: events(type == \"checkout_started\", prop.value > 1 and occ"),
            Slot::Element("events")
        );
        assert_eq!(slot("where: events(type == \"ch"), Slot::EventType);
        assert_eq!(slot("where: attr.ti"), Slot::Attribute);
        assert_eq!(slot("where: events(prop."), Slot::Property);
        assert_eq!(slot("where: total_sp"), Slot::Name);
        assert_eq!(
            slot("where: orders(within 30d).count() > 1 and coun"),
            Slot::Name
        );
        // A multibyte character right before the cursor or the word.
        assert_eq!(slot("description: café"), Slot::Name);
        assert_eq!(slot("where: é"), Slot::Name);
        assert_eq!(slot("# 😀"), Slot::Name);
        assert_eq!(word_before("cafébar"), "bar");
    }

    #[test]
    fn a_filter_completes_the_collections_it_may_nest() {
        let items = complete(
            "where: events(type == \"product_viewed\", not ite",
            &[],
            &[],
            None,
        );
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        for want in ["type", "occurred_at", "within", "since", "items", "orders"] {
            assert!(labels.contains(&want), "{want} in {labels:?}");
        }
    }
}
