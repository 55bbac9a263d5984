//! How segments overlap: of each segment's members, the share who are also in each other
//! segment. Row `i`, column `j` is `|i ∩ j| ÷ |i|`, so a row reads "of this segment's members,
//! this many % are also in …"; the matrix is not symmetric when sizes differ.

use std::collections::HashMap;

use serde::Serialize;

use crate::report::ratio;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overlap {
    pub segments: Vec<String>,
    /// Members of each segment.
    pub members: Vec<u64>,
    /// `shared[i][j]`: customers in both segment `i` and segment `j`.
    pub shared: Vec<Vec<u64>>,
}

impl Overlap {
    /// The share of segment `i`'s members who are also in segment `j`.
    pub fn share(&self, i: usize, j: usize) -> f64 {
        ratio(self.shared[i][j] as f64, self.members[i] as f64)
    }
}

/// The overlap of `segments` (in that order, e.g. by priority) from the pairs
/// `store::reports::overlap` counts; a segment without members has an empty row.
pub fn overlap(segments: &[String], pairs: &[(String, String, i64)]) -> Overlap {
    let index: HashMap<&str, usize> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let n = segments.len();
    let mut shared = vec![vec![0u64; n]; n];
    for (a, b, count) in pairs {
        if let (Some(&i), Some(&j)) = (index.get(a.as_str()), index.get(b.as_str())) {
            shared[i][j] = (*count).max(0) as u64;
        }
    }
    Overlap {
        segments: segments.to_vec(),
        members: (0..n).map(|i| shared[i][i]).collect(),
        shared,
    }
}
