//! A column of optional strings kept in one byte arena.
//!
//! External ids and emails are nearly unique per row, so interning them would only add a hash
//! table; one arena plus an end offset and a presence flag per row costs nine bytes per value and no
//! allocation per row.

/// Optional strings, one per row, stored back to back.
#[derive(Default, Debug)]
pub struct TextColumn {
    bytes: String,
    /// `ends[i]` is where row `i` ends in `bytes`; it starts where row `i - 1` ended.
    ends: Vec<u64>,
    /// Whether row `i` holds a value (`false` for SQL NULL).
    present: Vec<bool>,
}

impl TextColumn {
    pub fn push(&mut self, value: Option<&str>) {
        if let Some(s) = value {
            self.bytes.push_str(s);
        }
        self.ends.push(self.bytes.len() as u64);
        self.present.push(value.is_some());
    }

    /// The value of row `i`; `None` when it is null or out of range.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        if !*self.present.get(i)? {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.bytes.get(start..self.ends[i] as usize)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Approximate heap bytes, for reporting.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 8 + self.present.capacity()
    }
}
