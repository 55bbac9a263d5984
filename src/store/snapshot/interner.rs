//! String interning for the low-cardinality text columns of the snapshot.
//!
//! Countries, statuses, event types, tags and JSON keys repeat millions of times; storing each
//! distinct string once and a `u32` per row keeps the snapshot small and lets loading avoid a
//! `String` allocation per row (a lookup borrows the row's text).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// An interned string's id; `Sym::NONE` marks a missing (null) value in a column.
pub type Sym = u32;

/// The id stored for a null value.
pub const NONE: Sym = u32::MAX;

/// A small multiplicative hasher (the FxHash scheme): interning hashes tens of millions of short
/// keys while loading, and SipHash's flooding resistance buys nothing for data we read ourselves.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The fast hash map used by the snapshot.
pub type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Distinct strings, each stored once, addressed by `Sym`.
#[derive(Default, Debug)]
pub struct Interner {
    map: FxHashMap<Box<str>, Sym>,
    strings: Vec<Box<str>>,
}

impl Interner {
    /// The id of `s`, adding it on first sight.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.map.get(s) {
            return sym;
        }
        let sym = self.strings.len() as Sym;
        self.strings.push(s.into());
        self.map.insert(s.into(), sym);
        sym
    }

    /// The id of `s` if any loaded row holds it; a literal that no row holds matches nothing.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.map.get(s).copied()
    }

    /// The string of `sym`; `None` for `NONE`.
    #[inline]
    pub fn resolve(&self, sym: Sym) -> Option<&str> {
        self.strings.get(sym as usize).map(|s| &**s)
    }

    /// How many distinct strings are stored.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}
