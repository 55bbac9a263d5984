//! Compresses customer summaries into distinct `(x, t_x, T)` patterns with counts, so the
//! likelihood is evaluated once per pattern instead of once per customer.
//!
//! Real summaries are measured in whole days, so a million customers collapse to far fewer
//! patterns; the distinct `T` and `t_x` values are fewer still, and the logarithms that depend on
//! them are computed once per likelihood evaluation and looked up by index.

use super::RfmInput;

/// One distinct purchase pattern and how many customers share it.
#[derive(Debug, Clone, Copy)]
pub struct Pattern {
    pub x: f64,
    /// Index into [`Patterns::ages`].
    pub age: u32,
    /// Index into [`Patterns::recencies`].
    pub recency: u32,
    pub weight: f64,
}

/// The grouped input of a BG/NBD likelihood, sorted by `x` so per-`x` terms can be reused.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    pub patterns: Vec<Pattern>,
    /// Distinct values of `T`.
    pub ages: Vec<f64>,
    /// Distinct values of `t_x`.
    pub recencies: Vec<f64>,
}

impl Patterns {
    /// Groups already validated customers; `scale` multiplies every time (see `BgNbd::fit`).
    pub fn new(customers: &[RfmInput], scale: f64) -> Patterns {
        let mut keys: Vec<(u64, u64, u64)> = customers
            .iter()
            .map(|c| {
                // Adding 0.0 turns a negative zero into zero, which sorts first like zero.
                (
                    (c.x + 0.0).to_bits(),
                    (c.t_x * scale + 0.0).to_bits(),
                    (c.t * scale + 0.0).to_bits(),
                )
            })
            .collect();
        // Non-negative finite floats order like their bit patterns, so sorting the bits sorts
        // by x, then t_x, then T.
        keys.sort_unstable();
        let ages = distinct(keys.iter().map(|k| k.2));
        let recencies = distinct(keys.iter().map(|k| k.1));
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut previous = None;
        for key in keys {
            if previous == Some(key) {
                if let Some(last) = patterns.last_mut() {
                    last.weight += 1.0;
                }
                continue;
            }
            previous = Some(key);
            patterns.push(Pattern {
                x: f64::from_bits(key.0),
                age: index_of(&ages, key.2),
                recency: index_of(&recencies, key.1),
                weight: 1.0,
            });
        }
        Patterns {
            patterns,
            ages: ages.into_iter().map(f64::from_bits).collect(),
            recencies: recencies.into_iter().map(f64::from_bits).collect(),
        }
    }
}

fn distinct(values: impl Iterator<Item = u64>) -> Vec<u64> {
    let mut v: Vec<u64> = values.collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn index_of(sorted: &[u64], value: u64) -> u32 {
    // The value was taken from the same keys, so it is always present.
    sorted.binary_search(&value).unwrap_or_default() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, t_x: f64, t: f64) -> RfmInput {
        RfmInput {
            x,
            t_x,
            t,
            monetary: 0.0,
        }
    }

    #[test]
    fn groups_identical_patterns_and_keeps_every_customer() {
        let customers = [
            c(0.0, 0.0, 10.0),
            c(2.0, 5.0, 10.0),
            c(0.0, 0.0, 10.0),
            c(2.0, 5.0, 10.0),
            c(2.0, 5.0, 8.0),
        ];
        let p = Patterns::new(&customers, 1.0);
        assert_eq!(p.patterns.len(), 3);
        assert_eq!(p.ages, vec![8.0, 10.0]);
        assert_eq!(p.recencies, vec![0.0, 5.0]);
        let total: f64 = p.patterns.iter().map(|g| g.weight).sum();
        assert_eq!(total, 5.0);
        let first = p.patterns[0];
        assert_eq!(
            (first.x, p.ages[first.age as usize], first.weight),
            (0.0, 10.0, 2.0)
        );
    }
}
