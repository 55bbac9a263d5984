//! Finding the `href` of every `<a>` element in merchant HTML, and the attribute escaping that
//! writing a URL back needs.
//!
//! Email templates are merchant HTML of any quality, so this is a small tolerant scanner rather
//! than a parser: it knows tags, quoted and unquoted attribute values and comments, and leaves
//! every byte it does not rewrite exactly as it was. It never fails; HTML it cannot make sense of
//! is simply not rewritten.

use super::html_text::decode_entities;

/// Where one `<a>` element's `href` value sits in the HTML, and the URL it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Href {
    /// The byte range of the value including its quotes, if any.
    pub start: usize,
    pub end: usize,
    /// The value with character references decoded (`&amp;` → `&`), trimmed.
    pub url: String,
}

/// Every `href` of an `<a>` element, in document order. Comments are skipped.
pub fn anchor_hrefs(html: &str) -> Vec<Href> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(offset) = b[i..].iter().position(|&c| c == b'<') {
        let lt = i + offset;
        if b[lt..].starts_with(b"<!--") {
            i = find(b, lt + 4, b"-->").map_or(b.len(), |end| end + 3);
            continue;
        }
        let is_anchor = b.get(lt + 1).is_some_and(|c| c.eq_ignore_ascii_case(&b'a'))
            && b.get(lt + 2)
                .is_some_and(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/');
        if !is_anchor {
            i = lt + 1;
            continue;
        }
        let (end, href) = scan_tag(html, lt + 2);
        if let Some(href) = href {
            out.push(href);
        }
        i = end;
    }
    out
}

/// Scans the attributes of a tag from `i` (just after its name) to its `>`; returns the index
/// after the tag and the first `href` attribute.
fn scan_tag(html: &str, mut i: usize) -> (usize, Option<Href>) {
    let b = html.as_bytes();
    let mut href = None;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (b.len(), href);
        }
        if b[i] == b'>' {
            return (i + 1, href);
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = &html[name_start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let value_start = i;
        if value_start >= b.len() {
            return (b.len(), href);
        }
        let (inner, value_end) = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => match b[i + 1..].iter().position(|&c| c == q) {
                Some(len) => ((i + 1, i + 1 + len), i + 2 + len),
                // An unterminated quote: the rest is not HTML we can rewrite safely.
                None => return (b.len(), href),
            },
            _ => {
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                ((value_start, i), i)
            }
        };
        i = value_end;
        if href.is_none() && name.eq_ignore_ascii_case("href") {
            href = Some(Href {
                start: value_start,
                end: value_end,
                url: decode_entities(html[inner.0..inner.1].trim()),
            });
        }
    }
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// Escapes text for a double-quoted attribute value.
pub fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_quoted_unquoted_and_skips_comments_and_other_tags() {
        let html = r#"<p><A class=x HREF = 'https://a.test/?x=1&amp;y=2'>a</A><abbr href="no">
<!-- <a href="https://commented.test"> --><a href=https://b.test/p>b</a><area href="https://c.test"><a name="top"></a>"#;
        let urls: Vec<String> = anchor_hrefs(html).into_iter().map(|h| h.url).collect();
        assert_eq!(urls, ["https://a.test/?x=1&y=2", "https://b.test/p"]);
        let first = &anchor_hrefs(html)[0];
        assert_eq!(
            &html[first.start..first.end],
            "'https://a.test/?x=1&amp;y=2'"
        );
    }

    #[test]
    fn entities_decode_and_escape_round_trip() {
        assert_eq!(
            decode_entities("a&amp;b&#38;c&#x26;d&e=1&zz;"),
            "a&b&c&d&e=1&zz;"
        );
        let url = "https://x.test/?a=1&b=\"2\"<>";
        assert_eq!(decode_entities(&escape_attribute(url)), url);
        assert!(!escape_attribute(url).contains('"'));
    }

    #[test]
    fn unterminated_quotes_do_not_panic() {
        assert!(anchor_hrefs("<a href=\"https://x.test").is_empty());
        assert!(anchor_hrefs("<a href=").is_empty());
        assert!(anchor_hrefs("<a").is_empty());
    }
}
