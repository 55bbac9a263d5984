//! The populations `percentile(x)` ranks a customer in: every customer's `x` on a snapshot at
//! `now`, sorted.
//!
//! Measuring one is a pass over all customers, so a program keeps the last one it measured,
//! keyed by the snapshot's identity and `now`: the many single-customer evaluations of one
//! daemon pass (and a refresh's parallel ranges) measure it once.

use std::sync::{Arc, Mutex};

use crate::store::snapshot::{Snapshot, Sym};

use super::eval::{self, Ctx, Journey};
use super::node::Node;

/// The sorted values of each `percentile` argument of a program.
pub type Populations = Arc<Vec<Vec<f64>>>;

/// Where the evaluated customer stands in a population measured on another snapshot (the
/// daemon's base, for a customer of its overlay): their entry there is replaced by their
/// current value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Own {
    /// The population holds this old value of theirs.
    Old(f64),
    /// The population holds no value of theirs (a new customer, or none to rank then).
    Absent,
}

/// The populations a program ranks in, and the snapshot they were measured on when it is not
/// the one being evaluated.
pub struct Ranking<'a> {
    pub populations: &'a [Vec<f64>],
    pub foreign: Option<(&'a Snapshot, &'a [Sym])>,
}

impl Ranking<'_> {
    /// The customer's entries in a foreign population, one per percentile; empty when the
    /// population is the evaluated snapshot's own, which holds the customer's current values.
    pub fn own(&self, ranks: &[Node], id: i64, now: i64) -> Vec<Own> {
        let Some((snap, keys)) = self.foreign else {
            return Vec::new();
        };
        let Some(cust) = snap
            .index_of(id)
            .filter(|&c| super::exists_at(snap, c, now))
        else {
            return vec![Own::Absent; ranks.len()];
        };
        let journey = Journey::default();
        let cx = Ctx::of_customer(snap, now, keys, cust, &[], &[], &journey);
        ranks
            .iter()
            .map(|arg| eval::rank_key(&eval::eval(arg, &cx)).map_or(Own::Absent, Own::Old))
            .collect()
    }
}

/// The last populations a program measured, and on what.
#[derive(Debug, Default)]
pub struct Cache {
    last: Mutex<Option<(u64, i64, Populations)>>,
}

impl Cache {
    /// The populations of `ranks` on `snap` at `now`, measured now or reused.
    pub fn get(&self, ranks: &[Node], snap: &Snapshot, keys: &[Sym], now: i64) -> Populations {
        let id = snap.identity();
        if let Ok(last) = self.last.lock() {
            if let Some((i, t, p)) = last.as_ref() {
                if *i == id && *t == now {
                    return p.clone();
                }
            }
        }
        let measured: Populations = Arc::new(
            ranks
                .iter()
                .map(|arg| measure(arg, snap, keys, now))
                .collect(),
        );
        if let Ok(mut last) = self.last.lock() {
            *last = Some((id, now, measured.clone()));
        }
        measured
    }
}

/// Every existing customer's value of `arg` that can be ranked, sorted ascending.
fn measure(arg: &Node, snap: &Snapshot, keys: &[Sym], now: i64) -> Vec<f64> {
    let journey = Journey::default();
    let mut values = Vec::with_capacity(snap.len());
    for cust in 0..snap.len() {
        if !super::exists_at(snap, cust, now) {
            continue;
        }
        let cx = Ctx::of_customer(snap, now, keys, cust, &[], &[], &journey);
        if let Some(x) = eval::rank_key(&eval::eval(arg, &cx)) {
            values.push(x);
        }
    }
    values.sort_unstable_by(f64::total_cmp);
    values
}
