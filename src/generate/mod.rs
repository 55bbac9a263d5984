//! A generator of realistic, seeded synthetic shops: customers, products, orders, order items
//! and events, written as the CSV files the importer reads.
//!
//! Benchmarks, demos and tests need shops of any size whose data exercises every kind of segment
//! (prospects, one-time buyers, lapsed and VIP customers, abandoned carts, birthdays, ...). The
//! same seed and `now` always give byte-identical files, and all times are relative to `now`, so
//! a shop generated for an evaluation time always has recent activity. Customers are generated and
//! written one at a time, so memory does not grow with the shop.
//!
//! For `segflow demo` the generator also makes the live days after `now` (`live`): sign-ups,
//! browsing, checkouts and orders, from a random stream of their own so the shop before `now`
//! is the same with or without them; `response` decides, while the demo simulates, how the
//! customers answer the mail they are sent.

mod activity;
mod calendar;
mod catalog;
mod csv_file;
mod customer;
mod error;
mod history;
mod live;
mod response;
pub mod sampling;
mod shop_writer;
mod vocab;

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use error::GenerateError;
pub use live::{LiveItem, LiveShop};
pub use response::Delivered;
pub use shop_writer::{
    CUSTOMERS_HEADER, EVENTS_HEADER, ITEMS_HEADER, ORDERS_HEADER, PRODUCTS_HEADER,
};

use activity::Activity;
use catalog::Catalog;
use customer::Customer;
use history::History;
use shop_writer::ShopWriter;

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    pub customers: usize,
    pub seed: u64,
    /// Unix milliseconds; all data lies before it (to the second) and is placed relative to it.
    pub now: i64,
}

/// What was generated: row counts (without header lines) and the files written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateSummary {
    pub customers: usize,
    pub products: usize,
    pub orders: usize,
    pub items: usize,
    pub events: usize,
    /// `customers.csv, products.csv, orders.csv, items.csv, events.csv`, in that order.
    pub files: Vec<PathBuf>,
}

/// The random stream of the catalogue and the one of the customers are separate, so adding
/// customers never changes the products of a seed beyond the catalogue's size.
const CATALOG_STREAM: u64 = 1;
const CUSTOMER_STREAM: u64 = 2;
/// The live days after `now`, and the answers to the demo's mail.
const LIVE_STREAM: u64 = 3;
const RESPONSE_STREAM: u64 = 4;

/// The random stream the answers to the demo's mail are drawn from, for the seed.
pub fn response_rng(seed: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(RESPONSE_STREAM);
    rng
}

/// Generates a shop into `out_dir` (created if missing), overwriting the five CSV files there.
pub fn generate_shop(
    opts: &GenerateOptions,
    out_dir: &Path,
) -> Result<GenerateSummary, GenerateError> {
    generate(opts, 0, out_dir).map(|(summary, _)| summary)
}

/// Like `generate_shop`, and also makes the `days` days (at least one) after `now` for the demo
/// to play.
pub fn generate_live_shop(
    opts: &GenerateOptions,
    days: u32,
    out_dir: &Path,
) -> Result<(GenerateSummary, LiveShop), GenerateError> {
    let (summary, live) = generate(opts, days.max(1), out_dir)?;
    // `generate` makes the live days whenever `days` is given.
    Ok((
        summary,
        live.ok_or(GenerateError::InvalidNow { now_ms: opts.now })?,
    ))
}

fn generate(
    opts: &GenerateOptions,
    days: u32,
    out_dir: &Path,
) -> Result<(GenerateSummary, Option<LiveShop>), GenerateError> {
    let now = opts.now.div_euclid(1000);
    let now_year = calendar::date_of(now).year;
    if !(1900..=9999).contains(&now_year) {
        return Err(GenerateError::InvalidNow { now_ms: opts.now });
    }
    std::fs::create_dir_all(out_dir).map_err(|source| GenerateError::CreateDir {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut writer = ShopWriter::create(out_dir)?;

    let mut catalog_rng = ChaCha8Rng::seed_from_u64(opts.seed);
    catalog_rng.set_stream(CATALOG_STREAM);
    let catalog = Catalog::generate(Catalog::size_for(opts.customers), &mut catalog_rng);
    writer.write_catalog(&catalog)?;
    let mut live = (days > 0).then(|| {
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
        rng.set_stream(CATALOG_STREAM);
        let catalog = Catalog::generate(Catalog::size_for(opts.customers), &mut rng);
        LiveShop::new(catalog, now, days)
    });
    let mut live_rng = ChaCha8Rng::seed_from_u64(opts.seed);
    live_rng.set_stream(LIVE_STREAM);

    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    rng.set_stream(CUSTOMER_STREAM);
    let mut history = History::default();
    let mut activity = Activity::default();
    for number in 1..=opts.customers as u64 {
        let customer = Customer::generate(number, now, &mut rng);
        history.generate(&customer, &catalog, now, &mut rng);
        activity.generate(&customer, &history, &catalog, now, &mut rng);
        writer.write_customer(&customer)?;
        writer.write_history(&customer, &history)?;
        writer.write_activity(&customer, &activity)?;
        if let Some(live) = &mut live {
            live.add_existing(customer, &history, &mut live_rng);
        }
    }
    if let Some(live) = &mut live {
        live.add_signups(opts.customers, &mut live_rng);
        live.finish();
    }

    let written = writer.finish()?;
    let summary = GenerateSummary {
        customers: written.rows[0],
        products: written.rows[1],
        orders: written.rows[2],
        items: written.rows[3],
        events: written.rows[4],
        files: written.files,
    };
    Ok((summary, live))
}
