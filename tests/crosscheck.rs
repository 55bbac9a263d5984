//! Property test: the columnar evaluator and the SQL compiler return the same members for random
//! well-typed conditions over random small shops (IR invariant: both evaluators implement the
//! semantics in `dsl::ir` exactly).
//!
//! Each case decodes a shop and a few conditions from proptest-generated choice streams (see
//! `crosscheck/choices.rs`), writes the shop into a real SQLite file and compares, for each
//! condition, `columnar::Program::members`, `sql::SqlQuery::members`, `Program::matches` for
//! every customer, and the members over a one-customer `Snapshot::load_customers` (ranked in the
//! whole store's population). A failure
//! prints the shrunk condition, its SQL and the shop. `PROPTEST_CASES` raises the case count.

mod crosscheck {
    pub mod agg;
    pub mod choices;
    pub mod expr;
    mod regressions;
    pub mod shop;
    pub mod vocab;
}

use proptest::prelude::*;
use rusqlite::Connection;
use segflow::compile::columnar::Program;
use segflow::compile::sql::SqlQuery;
use segflow::dsl::ir::Expr;
use segflow::store::snapshot::Snapshot;

use crosscheck::choices::Choices;
use crosscheck::expr::ExprGen;
use crosscheck::shop::ShopData;
use crosscheck::vocab::now;

/// A shop written into a real SQLite file that lives as long as this value.
pub struct Store {
    pub conn: Connection,
    _dir: tempfile::TempDir,
}

impl Store {
    pub fn new(shop: &ShopData) -> Store {
        // A file on tmpfs when there is one: thousands of cases (and shrinking) would otherwise
        // wait on the disk for every migration's commit.
        let dir = tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .unwrap();
        let conn = segflow::store::open(&dir.path().join("shop.db")).unwrap();
        shop.write(&conn).unwrap();
        Store { conn, _dir: dir }
    }
}

/// Every way of evaluating `expr` over the store agrees; the error describes the disagreement
/// with everything needed to reproduce it.
pub fn agree(store: &Store, snap: &Snapshot, shop: &ShopData, expr: &Expr) -> Result<(), String> {
    let at = now();
    let context = |what: String, sql: &str| {
        format!("{what}\n\nexpression:\n{expr:#?}\n\nsql:\n{sql}\n\nshop:\n{shop:#?}")
    };
    let query = SqlQuery::compile(expr).map_err(|e| context(format!("sql compile: {e}"), ""))?;
    let explain = query.explain(at);
    let program =
        Program::compile(expr).map_err(|e| context(format!("columnar compile: {e}"), &explain))?;
    let sql = query
        .members(&store.conn, at)
        .map_err(|e| context(format!("sql run: {e}"), &explain))?;
    let columnar = program.members(snap, at);
    if columnar != sql {
        return Err(context(
            format!("members differ: columnar {columnar:?}, sql {sql:?}"),
            &explain,
        ));
    }
    for (index, &id) in snap.customer_ids().iter().enumerate() {
        let member = columnar.contains(&id);
        if program.matches(snap, index, at) != member {
            return Err(context(
                format!("matches({id}) disagrees with members (member: {member})"),
                &explain,
            ));
        }
        // A one-customer snapshot (the daemon's overlay, the workflow engine's) ranks the
        // customer's percentiles in the whole store's population, as the daemon does.
        let one = Snapshot::load_customers(&store.conn, &[id]).unwrap();
        let alone = program.members_in(&one, &segflow::compile::EvalInput::at(at), snap);
        if alone
            != columnar
                .iter()
                .copied()
                .filter(|&m| m == id)
                .collect::<Vec<_>>()
        {
            return Err(context(
                format!("one-customer snapshot of {id} gives {alone:?} (member: {member})"),
                &explain,
            ));
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    })]

    #[test]
    fn evaluators_agree_on_random_shops_and_conditions(
        shop_choices in prop::collection::vec(any::<u32>(), 0..1200),
        expr_choices in prop::collection::vec(prop::collection::vec(any::<u32>(), 0..400), 1..5),
    ) {
        let shop = ShopData::generate(&mut Choices::new(&shop_choices));
        let store = Store::new(&shop);
        let snap = Snapshot::load(&store.conn).unwrap();
        prop_assert_eq!(snap.len(), shop.customers.len());
        for choices in &expr_choices {
            let mut c = Choices::new(choices);
            let expr = ExprGen::new(&mut c).root();
            if let Err(report) = agree(&store, &snap, &shop, &expr) {
                return Err(TestCaseError::fail(report));
            }
        }
    }
}
