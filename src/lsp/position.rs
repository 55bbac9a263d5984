//! Positions as the Language Server Protocol counts them (lines from 0, columns in UTF-16 code
//! units) to and from the byte offsets segflow's spans use, so an underline lands on the same
//! characters in an editor as in `segflow check`'s snippet, also after an accent or an emoji.

use lsp_types::{Position, Range};

/// The LSP position of byte `offset` in `text` (clamped to the text).
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    Position::new(line as u32, character as u32)
}

/// The byte offset of an LSP position in `text`; a position past a line's end is its end.
pub fn offset(text: &str, at: Position) -> usize {
    let mut start = 0;
    for _ in 0..at.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut units = 0u32;
    for (i, c) in text[start..line_end].char_indices() {
        if units >= at.character {
            return start + i;
        }
        units += c.len_utf16() as u32;
    }
    line_end
}

/// The range of the byte span `start..end`.
pub fn range(text: &str, start: usize, end: usize) -> Range {
    Range::new(position(text, start), position(text, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units_and_round_trip() {
        let text = "segment: café\nwhere: 😀 x\n";
        let x = text.find('x').unwrap();
        // The emoji is two UTF-16 units, so `x` is at column 7 + 2 + 1.
        assert_eq!(position(text, x), Position::new(1, 10));
        assert_eq!(offset(text, Position::new(1, 10)), x);
        assert_eq!(offset(text, Position::new(0, 99)), text.find('\n').unwrap());
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
    }
}
