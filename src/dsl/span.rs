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
    /// `positions[i]` is the file offset of the expression's byte `i`; one extra entry maps the
    /// end of the expression.
    positions: Vec<usize>,
}

impl OffsetMap {
    /// The identity map for an expression that is the whole file (tests, the CLI's `--expr`).
    pub fn identity(len: usize) -> OffsetMap {
        OffsetMap {
            positions: (0..=len).collect(),
        }
    }

    pub fn from_positions(positions: Vec<usize>) -> OffsetMap {
        OffsetMap { positions }
    }

    /// The file offset of the expression offset `at` (clamped to the end).
    pub fn file_offset(&self, at: usize) -> usize {
        match self.positions.get(at) {
            Some(&p) => p,
            None => self.positions.last().copied().unwrap_or(0),
        }
    }

    /// The file span of the expression range `start..end`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let s = self.file_offset(start);
        // The end maps through the last byte inside the range, so a range that ends at a line
        // break of a block scalar does not stretch over the next line's indentation.
        let e = if end > start {
            self.file_offset(end - 1) + 1
        } else {
            s
        };
        Span::new(s, e.max(s))
    }
}
