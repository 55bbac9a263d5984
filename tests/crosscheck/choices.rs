//! A stream of random choices that the shop and expression generators consume.
//!
//! Proptest generates and shrinks a plain `Vec<u32>`; the generators read it one choice at a
//! time. Every choice of `0` is the simplest option (the first alternative, no value, an empty
//! list), and an exhausted stream reads as zeros, so proptest's shrinking of the vector (fewer
//! and smaller numbers) turns a failing case into a smaller shop and a smaller expression while
//! every decoded value stays well-formed.

pub struct Choices<'a> {
    data: &'a [u32],
    pos: usize,
}

impl<'a> Choices<'a> {
    pub fn new(data: &'a [u32]) -> Choices<'a> {
        Choices { data, pos: 0 }
    }

    /// A number in `0..n` (`0` when `n` is at most one, which consumes nothing).
    pub fn below(&mut self, n: u32) -> u32 {
        if n <= 1 {
            return 0;
        }
        let v = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        v % n
    }

    /// `true` with roughly `percent` per cent; a zero choice is `false`.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) >= 100 - percent.min(100)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u32::try_from(hi - lo + 1).unwrap_or(u32::MAX);
        lo + i64::from(self.below(span))
    }

    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        let n = u32::try_from(items.len()).unwrap_or(u32::MAX);
        items[self.below(n) as usize].clone()
    }

    /// `Some(f())` with roughly `percent` per cent.
    pub fn maybe<T>(&mut self, percent: u32, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.chance(percent) {
            Some(f(self))
        } else {
            None
        }
    }
}
