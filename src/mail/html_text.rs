//! Plain-text alternatives generated from HTML email bodies.
//!
//! A template without `body.txt` still needs a text part (spam filters and text-only clients
//! expect one), so the rendered HTML is flattened here: tags are dropped, links keep their target
//! as `text (url)`, paragraphs and line breaks become newlines, and runs of whitespace collapse.
//! This is a small tolerant scanner rather than an HTML parser, which is enough for email markup.

/// Elements that end a paragraph: text before and after them is separated by a blank line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "hr",
];

/// Elements whose content is never shown to a reader.
const HIDDEN: &[&str] = &["script", "style", "head", "title"];

/// Converts an HTML document or fragment to readable plain text.
pub fn html_to_text(html: &str) -> String {
    let mut out = TextBuilder::default();
    let mut rest = html;
    // The target and start of the text of the link being read, if inside `<a href>`.
    let mut link: Option<(String, usize)> = None;
    while let Some(lt) = rest.find('<') {
        out.push_text(&decode_entities(&rest[..lt]));
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // A stray `<` without a closing `>` is text, not a tag.
            out.push_text(&decode_entities(rest));
            rest = "";
            break;
        };
        let tag = Tag::parse(&rest[1..gt]);
        rest = &rest[gt + 1..];
        if !tag.closing && HIDDEN.contains(&tag.name.as_str()) {
            let close = format!("</{}", tag.name);
            rest = find_ci(rest, &close)
                .and_then(|at| rest[at..].find('>').map(|gt| &rest[at + gt + 1..]))
                .unwrap_or("");
            continue;
        }
        match tag.name.as_str() {
            "br" => out.newline(1),
            "li" if !tag.closing => {
                out.newline(1);
                out.push_raw("- ");
            }
            "tr" | "li" => out.newline(1),
            "a" if !tag.closing => {
                link = tag.href.map(|href| (href, out.text.len()));
            }
            "a" => {
                if let Some((href, start)) = link.take() {
                    out.close_link(&href, start);
                }
            }
            "td" | "th" if tag.closing => out.push_text(" "),
            name if BLOCKS.contains(&name) => out.newline(2),
            _ => {}
        }
    }
    out.push_text(&decode_entities(rest));
    out.finish()
}

/// Accumulates text, collapsing whitespace and limiting blank lines.
#[derive(Default)]
struct TextBuilder {
    text: String,
    /// Newlines wanted before the next visible text (0, 1 or 2).
    pending_newlines: usize,
    pending_space: bool,
}

impl TextBuilder {
    fn push_text(&mut self, s: &str) {
        for word_or_space in split_keep_space(s) {
            match word_or_space {
                Piece::Space => self.pending_space = true,
                Piece::Word(word) => self.push_raw(word),
            }
        }
    }

    fn push_raw(&mut self, word: &str) {
        if !self.text.is_empty() {
            if self.pending_newlines > 0 {
                for _ in 0..self.pending_newlines {
                    self.text.push('\n');
                }
            } else if self.pending_space {
                self.text.push(' ');
            }
        }
        self.pending_newlines = 0;
        self.pending_space = false;
        self.text.push_str(word);
    }

    fn newline(&mut self, count: usize) {
        self.pending_newlines = self.pending_newlines.max(count);
        self.pending_space = false;
    }

    /// Appends ` (url)` after link text, or the bare URL when the text is empty or is the URL.
    fn close_link(&mut self, href: &str, start: usize) {
        let shown = self.text[start.min(self.text.len())..].trim();
        if href.is_empty()
            || href.starts_with('#')
            || href.starts_with("mailto:") && shown.contains('@')
        {
            return;
        }
        if shown.is_empty() {
            self.push_text(href);
        } else if shown != href {
            self.pending_space = true;
            self.push_raw(&format!("({href})"));
        }
    }

    fn finish(self) -> String {
        self.text.trim().to_string()
    }
}

enum Piece<'a> {
    Space,
    Word(&'a str),
}

fn split_keep_space(s: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = s;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let first_is_space = rest.starts_with(char::is_whitespace);
        let end = rest
            .find(|c: char| c.is_whitespace() != first_is_space)
            .unwrap_or(rest.len());
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(if first_is_space {
            Piece::Space
        } else {
            Piece::Word(piece)
        })
    })
}

/// The parts of a tag this converter cares about.
struct Tag {
    name: String,
    closing: bool,
    href: Option<String>,
}

impl Tag {
    fn parse(inner: &str) -> Tag {
        let inner = inner.trim();
        let (closing, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, inner),
        };
        let name_end = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_ascii_lowercase();
        let href = if name == "a" {
            attribute(&inner[name_end..], "href").map(|v| decode_entities(&v))
        } else {
            None
        };
        Tag {
            name,
            closing,
            href,
        }
    }
}

/// The value of attribute `name` in the attribute text of a tag (quoted or bare).
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    loop {
        let at = find_ci(rest, name)?;
        let before_ok = at == 0 || rest[..at].ends_with(char::is_whitespace);
        let after = rest[at + name.len()..].trim_start();
        if before_ok {
            if let Some(value) = after.strip_prefix('=') {
                let value = value.trim_start();
                return Some(match value.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let body = &value[1..];
                        body[..body.find(q).unwrap_or(body.len())].to_string()
                    }
                    _ => value
                        .split(|c: char| c.is_whitespace() || c == '>')
                        .next()
                        .unwrap_or("")
                        .to_string(),
                });
            }
        }
        rest = &rest[at + name.len()..];
    }
}

/// Finds `needle` (ASCII) in `haystack` ignoring ASCII case.
fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// Replaces the common named entities and numeric character references; anything else (such
/// as a bare `&b=2` in a URL's query) stays as written, as browsers do. Also decodes the URLs
/// of links that tracking rewrites (`html_links`).
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let entity = &rest[1..semi];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                "mdash" => Some('—'),
                "ndash" => Some('–'),
                "hellip" => Some('…'),
                "copy" => Some('©'),
                "euro" => Some('€'),
                _ => numeric_reference(entity),
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn numeric_reference(entity: &str) -> Option<char> {
    let digits = entity.strip_prefix('#')?;
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    char::from_u32(code)
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn paragraphs_breaks_and_whitespace() {
        let html = "<html><head><title>x</title><style>p{}</style></head><body>\n<h1>Hello   Ada</h1>\n<p>First\n line.<br>Second line.</p><p>Bye &amp; thanks</p></body></html>";
        assert_eq!(
            html_to_text(html),
            "Hello Ada\n\nFirst line.\nSecond line.\n\nBye & thanks"
        );
    }

    #[test]
    fn links_keep_their_target() {
        let html = r#"<p>See <a href="https://shop.example/sale?a=1&amp;b=2">our sale</a> now. <a href='https://x.example'>https://x.example</a></p>"#;
        assert_eq!(
            html_to_text(html),
            "See our sale (https://shop.example/sale?a=1&b=2) now. https://x.example"
        );
    }

    #[test]
    fn lists_comments_and_entities() {
        let html = "<ul><li>One</li><li>Two &#8364;5 &#x41;</li></ul><!-- hidden <p>no</p> -->Tail &unknown; 3 < 4";
        assert_eq!(
            html_to_text(html),
            "- One\n- Two €5 A\n\nTail &unknown; 3 < 4"
        );
    }
}
