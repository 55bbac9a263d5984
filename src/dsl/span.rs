//! Byte ranges into the file a merchant wrote.
//!
//! Spans always point into the original file (the rule's YAML file), not into the expression
//! string, so that a diagnostic shows the line and column the merchant sees in the editor. The
//! `OffsetMap` translates positions inside the expression string into positions in the file.

/// A half-open byte range `start..end` in the original file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        (span.start, span.len()).into()
    }
}

/// Maps byte offsets inside an expression string to byte offsets in the file it came from.
///
/// A YAML scalar can be plain, quoted or a block; its decoded text does not sit at one fixed
/// offset in the file (quotes, escapes, indentation and folded line breaks shift it). The map is
/// built by walking the raw file text alongside the decoded string (see `segment::rule_file`).
#[derive(Clone, Debug, Default)]
pub struct OffsetMap {
    /// `starts[i]` is the file offset of the character that the expression's byte `i` comes
    /// from; one extra entry maps the end of the expression.
    starts: Vec<usize>,
    /// `ends[i]` is where that character ends in the file, so a span ending after byte `i` ends
    /// on a character boundary even where a decoded character and its raw form differ in length.
    ends: Vec<usize>,
}

impl OffsetMap {
    /// The identity map for an expression that is the whole file (tests, the CLI's `--expr`).
    pub fn identity(len: usize) -> OffsetMap {
        OffsetMap {
            starts: (0..=len).collect(),
            ends: (1..=len + 1).collect(),
        }
    }

    /// A map from the file range of the raw character behind each expression byte, plus the
    /// offset where the expression ends.
    pub fn from_chars(chars: Vec<(usize, usize)>, end: usize) -> OffsetMap {
        let (mut starts, mut ends): (Vec<usize>, Vec<usize>) = chars.into_iter().unzip();
        starts.push(end);
        ends.push(end);
        OffsetMap { starts, ends }
    }

    /// The file offset of the expression offset `at` (clamped to the end).
    pub fn file_offset(&self, at: usize) -> usize {
        match self.starts.get(at) {
            Some(&p) => p,
            None => self.starts.last().copied().unwrap_or(0),
        }
    }

    /// The file span of the expression range `start..end`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let s = self.file_offset(start);
        // The end maps through the last byte inside the range, so a range that ends at a line
        // break of a block scalar does not stretch over the next line's indentation.
        let e = if end > start {
            match self.ends.get(end - 1) {
                Some(&e) => e,
                None => self.ends.last().copied().unwrap_or(s),
            }
        } else {
            s
        };
        Span::new(s, e.max(s))
    }
}
