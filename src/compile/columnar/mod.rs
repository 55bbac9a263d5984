//! The columnar evaluator: checked IR compiled into a tree evaluated per customer over a
//! `store::snapshot::Snapshot`.
//!
//! This is the fast path for refreshing segments (all customers) and for real-time triggers
//! (one customer from `Snapshot::load_customers`). It implements exactly the semantics in the
//! module doc of `dsl::ir`, which the SQL compiler implements too.

mod aggregate;
mod eval;
mod float_sum;
mod node;
mod population;
mod value;

use crate::dsl::ir;
use crate::store::snapshot::{Snapshot, Sym, NONE};

use super::{CompileError, EvalInput};
use eval::{Ctx, Journey};
use node::{Compiler, Node};
use population::Ranking;

/// Below this many customers one thread is faster than starting a second one.
const PARALLEL_MIN: usize = 50_000;

/// A compiled condition, independent of any snapshot.
#[derive(Debug)]
pub struct Program {
    root: Node,
    /// Attribute and property names read by the program, bound per snapshot.
    keys: Vec<String>,
    /// The argument of each `percentile`, in slot order.
    ranks: Vec<Node>,
    populations: population::Cache,
}

impl Program {
    pub fn compile(expr: &ir::Expr) -> Result<Program, CompileError> {
        let mut compiler = Compiler::default();
        let root = compiler.node(expr)?;
        Ok(Program {
            root,
            keys: compiler.keys,
            ranks: compiler.ranks,
            populations: population::Cache::default(),
        })
    }

    /// The snapshot's interned id of each key the program reads.
    fn bind(&self, snap: &Snapshot) -> Vec<Sym> {
        self.keys
            .iter()
            .map(|k| snap.strings.get(k).unwrap_or(NONE))
            .collect()
    }

    /// Whether the condition ranks customers against each other (`percentile`), so a
    /// customer's membership depends on the population it is measured in.
    pub fn ranks_customers(&self) -> bool {
        !self.ranks.is_empty()
    }

    /// The key bindings of `population` when a program that ranks customers evaluates `snap`
    /// against another snapshot's population; `None` when there is nothing to adjust.
    fn foreign_keys(&self, snap: &Snapshot, population: &Snapshot) -> Option<Vec<Sym>> {
        (self.ranks_customers() && snap.identity() != population.identity())
            .then(|| self.bind(population))
    }

    /// The populations of the program's percentiles on `population` at `now`.
    fn populations(&self, population: &Snapshot, now: i64) -> population::Populations {
        // Most programs rank nothing: no binding, no cache lock on the per-customer path.
        if self.ranks.is_empty() {
            return population::Populations::default();
        }
        let keys = self.bind(population);
        self.populations.get(&self.ranks, population, &keys, now)
    }

    #[allow(clippy::too_many_arguments)]
    fn test_range(
        &self,
        snap: &Snapshot,
        keys: &[Sym],
        ranking: &Ranking,
        now: i64,
        journey: &Journey,
        from: usize,
        to: usize,
    ) -> Vec<i64> {
        let mut out = Vec::new();
        for (cust, &id) in snap.customer_ids()[from..to].iter().enumerate() {
            let cust = from + cust;
            if !exists_at(snap, cust, now) {
                continue;
            }
            let own = ranking.own(&self.ranks, id, now);
            let cx = Ctx::of_customer(snap, now, keys, cust, ranking.populations, &own, journey);
            if eval::test(&self.root, &cx) {
                out.push(id);
            }
        }
        out
    }

    /// The internal ids of the customers matching the condition at `now`, ascending.
    pub fn members(&self, snap: &Snapshot, now: i64) -> Vec<i64> {
        self.members_with(snap, &EvalInput::at(now))
    }

    /// The internal ids of the customers matching the input (workflow conditions), ascending.
    pub fn members_with(&self, snap: &Snapshot, input: &EvalInput) -> Vec<i64> {
        self.members_in(snap, input, snap)
    }

    /// The members among `snap`'s customers, with percentiles ranking them in `population`'s
    /// customers (the daemon's base snapshot, when `snap` holds only changed customers).
    pub fn members_in(
        &self,
        snap: &Snapshot,
        input: &EvalInput,
        population: &Snapshot,
    ) -> Vec<i64> {
        let now = input.now;
        let journey = &Journey::new(input);
        let keys = self.bind(snap);
        let populations = self.populations(population, now);
        let pop_keys = self.foreign_keys(snap, population);
        let ranking = &Ranking {
            populations: &populations,
            foreign: pop_keys.as_deref().map(|k| (population, k)),
        };
        let n = snap.len();
        let threads = if n < PARALLEL_MIN {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |p| p.get().min(8))
        };
        if threads == 1 {
            return self.test_range(snap, &keys, ranking, now, journey, 0, n);
        }
        let chunk = n.div_ceil(threads);
        std::thread::scope(|scope| {
            let keys = &keys;
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let from = (t * chunk).min(n);
                    let to = ((t + 1) * chunk).min(n);
                    scope
                        .spawn(move || self.test_range(snap, keys, ranking, now, journey, from, to))
                })
                .collect();
            let mut out = Vec::new();
            for h in handles {
                match h.join() {
                    Ok(part) => out.extend(part),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            out
        })
    }

    /// Whether the customer at `index` of the snapshot matches at `now`.
    pub fn matches(&self, snap: &Snapshot, index: usize, now: i64) -> bool {
        self.matches_with(snap, index, &EvalInput::at(now))
    }

    /// Whether the customer at `index` of the snapshot matches the input (workflow conditions).
    pub fn matches_with(&self, snap: &Snapshot, index: usize, input: &EvalInput) -> bool {
        self.matches_in(snap, index, input, snap)
    }

    /// Whether the customer at `index` of `snap` matches, with percentiles ranking them in
    /// `population`'s customers.
    pub fn matches_in(
        &self,
        snap: &Snapshot,
        index: usize,
        input: &EvalInput,
        population: &Snapshot,
    ) -> bool {
        if index >= snap.len() || !exists_at(snap, index, input.now) {
            return false;
        }
        let journey = Journey::new(input);
        let keys = self.bind(snap);
        let populations = self.populations(population, input.now);
        let pop_keys = self.foreign_keys(snap, population);
        let ranking = Ranking {
            populations: &populations,
            foreign: pop_keys.as_deref().map(|k| (population, k)),
        };
        let id = snap.customer_ids()[index];
        let own = ranking.own(&self.ranks, id, input.now);
        let cx = Ctx::of_customer(
            snap,
            input.now,
            &keys,
            index,
            ranking.populations,
            &own,
            &journey,
        );
        eval::test(&self.root, &cx)
    }
}

/// Whether the customer at `index` existed at `now`: a customer created later is no member of
/// anything (the IR's point-in-time rule); one without a creation time always existed.
fn exists_at(snap: &Snapshot, index: usize, now: i64) -> bool {
    let created = snap.customers.created_at[index];
    created == crate::store::snapshot::NULL_TIME || created <= now
}
