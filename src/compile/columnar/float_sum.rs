//! Summation of dynamic (JSON) numbers exactly as SQLite's `sum()` and `avg()` do it.
//!
//! SQLite adds whole numbers as integers and, from the first fractional value on, switches to
//! Kahan–Babuška–Neumaier compensated summation. A plain `f64` running total can differ in the
//! last bits, and a condition such as `events.sum(prop.value) > 0.3` sits exactly on such a bit
//! often enough; mirroring the algorithm keeps both evaluators in agreement (IR invariant).

/// A running sum with SQLite's semantics.
#[derive(Debug, Default, Clone, Copy)]
pub struct FloatSum {
    int_sum: i64,
    approx: bool,
    sum: f64,
    err: f64,
}

/// Whole numbers of at most this magnitude are exact in an `f64` and are added as integers.
const EXACT: f64 = 4_503_599_627_370_496.0; // 2^52

impl FloatSum {
    pub fn add(&mut self, x: f64) {
        if !self.approx && x.fract() == 0.0 && x.abs() < EXACT {
            match self.int_sum.checked_add(x as i64) {
                Some(s) => {
                    self.int_sum = s;
                    return;
                }
                None => self.switch(),
            }
        } else if !self.approx {
            self.switch();
        }
        self.step(x);
    }

    fn switch(&mut self) {
        self.approx = true;
        self.sum = 0.0;
        self.err = 0.0;
        self.step_int(self.int_sum);
    }

    /// SQLite splits integers beyond 2^52 in two so that no bits are lost on the way in.
    fn step_int(&mut self, v: i64) {
        if v <= -(1 << 52) || v >= 1 << 52 {
            let small = v % 16384;
            self.step((v - small) as f64);
            self.step(small as f64);
        } else {
            self.step(v as f64);
        }
    }

    fn step(&mut self, r: f64) {
        let s = self.sum;
        let t = s + r;
        if s.abs() > r.abs() {
            self.err += (s - t) + r;
        } else {
            self.err += (r - t) + s;
        }
        self.sum = t;
    }

    pub fn total(&self) -> f64 {
        if !self.approx {
            return self.int_sum as f64;
        }
        if self.err.is_finite() {
            self.sum + self.err
        } else {
            self.sum
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FloatSum;

    #[test]
    fn compensates_like_sqlite() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let values = [0.1, 0.2, 0.3, 1e16, 1.0, -1e16, 7.0, 0.7];
        let mut s = FloatSum::default();
        values.iter().for_each(|v| s.add(*v));
        let list = values
            .iter()
            .map(|v| format!("({v:e})"))
            .collect::<Vec<_>>()
            .join(",");
        let sql: f64 = conn
            .query_row(
                &format!("SELECT sum(column1) FROM (VALUES {list})"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(s.total().to_bits(), sql.to_bits());
        let naive: f64 = values.iter().sum();
        assert_ne!(
            naive.to_bits(),
            sql.to_bits(),
            "the case must be one where a plain sum differs"
        );
    }
}
