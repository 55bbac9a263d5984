//! One customer's order history: how many orders, when, what was in them and at what discount.
//!
//! The history is built for one customer at a time into reused buffers and written out before
//! the next customer, so memory stays flat however large the shop is.

use std::ops::Range;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{DAY, MINUTE};
use super::catalog::Catalog;
use super::customer::{Customer, Habit};
use super::sampling::{chance, exponential, geometric, seasonal_time, uniform_time};
use super::vocab::{CHANNELS, STATUS_CANCELLED, STATUS_PAID, STATUS_REFUNDED, TAG_WHOLESALE};

/// One order; its lines are `History::lines[items]`.
pub struct Order {
    /// Unix seconds.
    pub placed_at: i64,
    /// The sum of quantity × unit price over the lines, in cents.
    pub subtotal: i64,
    pub discount: i64,
    pub status: &'static str,
    pub channel: &'static str,
    pub items: Range<usize>,
}

impl Order {
    pub fn total(&self) -> i64 {
        self.subtotal - self.discount
    }
}

/// One order line; `price` is the unit price in cents.
pub struct Line {
    pub product: u32,
    pub quantity: u32,
    pub price: i64,
}

/// A customer's orders, oldest first.
#[derive(Default)]
pub struct History {
    pub orders: Vec<Order>,
    pub lines: Vec<Line>,
    times: Vec<i64>,
}

/// Lapsed buyers ordered last more than this long ago.
const LAPSED_AFTER: i64 = 180 * DAY;
/// Active buyers ordered last within this window.
const ACTIVE_WITHIN: i64 = 90 * DAY;

impl History {
    /// Replaces the history with a new one for `customer` as of `now` (unix seconds).
    pub fn generate(
        &mut self,
        customer: &Customer,
        catalog: &Catalog,
        now: i64,
        rng: &mut ChaCha8Rng,
    ) {
        self.orders.clear();
        self.lines.clear();
        self.plan_times(customer, now, rng);
        let times = std::mem::take(&mut self.times);
        for &placed_at in &times {
            self.add_order(customer, catalog, placed_at, rng);
        }
        self.times = times;
    }

    /// When the last order was placed, if any.
    pub fn last_order_at(&self) -> Option<i64> {
        self.orders.last().map(|o| o.placed_at)
    }

    /// Chooses the order count and the order times, sorted.
    fn plan_times(&mut self, customer: &Customer, now: i64, rng: &mut ChaCha8Rng) {
        self.times.clear();
        let count = match customer.habit {
            Habit::Prospect => return,
            Habit::OneTime => 1,
            Habit::Regular => 2 + geometric(rng, 6.5),
            // A Pareto tail (minimum 15, shape 1.8) gives a few very loyal customers.
            Habit::Frequent => (15.0 / rng.random::<f64>().max(1e-9).powf(1.0 / 1.8)) as u64,
        };
        // Many accounts are made at the first checkout; the rest order after a while.
        let delay = if chance(rng, 0.45) {
            rng.random_range(0..30 * MINUTE)
        } else {
            exponential(rng, 20.0 * DAY as f64)
        };
        let mut first = customer.created_at + delay;
        if first >= now {
            first = uniform_time(rng, customer.created_at, now - 1);
        }
        self.times.push(first);
        if count == 1 {
            return;
        }
        let last = pick_last(first, now, rng);
        // Nobody orders more than about once every other day.
        let span_days = ((last - first) / DAY) as u64;
        let count = count.min(300).min(2 + span_days / 2);
        for _ in 0..count.saturating_sub(2) {
            self.times.push(seasonal_time(rng, first, last));
        }
        self.times.push(last);
        self.times.sort_unstable();
    }

    fn add_order(
        &mut self,
        customer: &Customer,
        catalog: &Catalog,
        placed_at: i64,
        rng: &mut ChaCha8Rng,
    ) {
        let start = self.lines.len();
        let mut lines = match rng.random::<f64>() {
            u if u < 0.56 => 1,
            u if u < 0.82 => 2,
            u if u < 0.94 => 3,
            _ => 4,
        };
        if customer.big_spender {
            lines += 1;
        }
        let mut subtotal = 0;
        for _ in 0..lines {
            // An order holds each product once; a repeated draw is simply dropped.
            let category = customer.pick_category(rng);
            let product = catalog.pick(category, customer.big_spender, rng);
            if self.lines[start..].iter().any(|l| l.product == product) {
                continue;
            }
            let quantity = pick_quantity(customer, rng);
            let price = catalog.price(product);
            subtotal += price * i64::from(quantity);
            self.lines.push(Line {
                product,
                quantity,
                price,
            });
        }
        let discounted = chance(rng, if customer.price_sensitive { 0.8 } else { 0.06 });
        let discount = if discounted {
            let percent = [10, 15, 20, 25][rng.random_range(0..4)];
            (subtotal * percent / 100).max(1)
        } else {
            0
        };
        let status = match rng.random::<f64>() {
            u if u < 0.92 => STATUS_PAID,
            u if u < 0.97 => STATUS_REFUNDED,
            _ => STATUS_CANCELLED,
        };
        let channel = match rng.random::<f64>() {
            u if u < 0.55 => CHANNELS[0],
            u if u < 0.90 => CHANNELS[1],
            _ => CHANNELS[2],
        };
        self.orders.push(Order {
            placed_at,
            subtotal,
            discount,
            status,
            channel,
            items: start..self.lines.len(),
        });
    }
}

/// The last order of a repeat buyer: long ago for the lapsed, recent for the active, and in
/// between for the rest.
fn pick_last(first: i64, now: i64, rng: &mut ChaCha8Rng) -> i64 {
    let lapsed_before = now - LAPSED_AFTER - DAY;
    let u: f64 = rng.random();
    if u < 0.38 && first < lapsed_before - 30 * DAY {
        let span = lapsed_before - first;
        return first + span / 4 + uniform_time(rng, 0, span - span / 4);
    }
    if u < 0.80 || first >= now - ACTIVE_WITHIN {
        return uniform_time(rng, first.max(now - ACTIVE_WITHIN), now - MINUTE);
    }
    uniform_time(rng, first.max(now - LAPSED_AFTER), now - ACTIVE_WITHIN)
}

fn pick_quantity(customer: &Customer, rng: &mut ChaCha8Rng) -> u32 {
    if customer.tags & TAG_WHOLESALE != 0 {
        return rng.random_range(6..=24);
    }
    if customer.big_spender {
        return rng.random_range(1..=3);
    }
    match rng.random::<f64>() {
        u if u < 0.85 => 1,
        u if u < 0.96 => 2,
        _ => 3,
    }
}
