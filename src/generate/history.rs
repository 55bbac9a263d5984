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
use super::sampling::{
    beta, chance, exponential, gamma, mean_season_weight, season_weight, uniform_time,
};
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

/// Where a customer's buying process stood at `now`: still active, with the next candidate
/// order time (not yet thinned by the season), so the demo's live days continue the same
/// process instead of drawing a new one.
#[derive(Clone, Copy, Debug)]
pub struct Continuation {
    /// Unix seconds, at or after `now`.
    pub next: i64,
    /// Orders per second at the busiest time of year.
    pub peak_rate: f64,
    /// The probability of dropping out after each order.
    pub drop_out: f64,
}

/// A customer's orders, oldest first.
#[derive(Default)]
pub struct History {
    pub orders: Vec<Order>,
    pub lines: Vec<Line>,
    /// Set when the customer was still buying at `now`.
    pub continuation: Option<Continuation>,
    times: Vec<i64>,
}

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
        self.continuation = None;
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

    /// Chooses the order times, oldest first, by the BG/NBD story: while active the customer
    /// buys at their own rate (drawn from a gamma distribution per habit), following the seasons,
    /// and after each purchase drops out for good with their own probability (drawn from a beta
    /// distribution). One-time buyers drop out right after the first order.
    fn plan_times(&mut self, customer: &Customer, now: i64, rng: &mut ChaCha8Rng) {
        self.times.clear();
        // (shape of the rate, mean days between orders, beta a and b of the drop-out probability)
        let (shape, mean_gap_days, drop_a, drop_b) = match customer.habit {
            Habit::Prospect => return,
            Habit::OneTime => (1.0, 1.0, 1.0, 0.0),
            Habit::Regular => (2.0, 28.0, 1.2, 11.0),
            Habit::Frequent => (3.0, 9.0, 1.0, 40.0),
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
        if drop_b == 0.0 {
            return;
        }
        // Orders per second at the busiest time of year; thinning by the month's weight below
        // makes the yearly mean rate `mean_gap_days`-apart orders.
        let rate = gamma(rng, shape) / shape / (mean_gap_days * DAY as f64);
        let peak_rate = rate / mean_season_weight();
        let drop_out = beta(rng, drop_a, drop_b);
        let mut t = first;
        // Nobody orders more than about once every other day, nor more than 300 times.
        while self.times.len() < 300 && !chance(rng, drop_out) {
            loop {
                t += exponential(rng, 1.0 / peak_rate).max(2 * DAY);
                if t >= now || chance(rng, season_weight(t)) {
                    break;
                }
            }
            if t >= now {
                // Recorded without another draw, so the shop before `now` stays the same
                // whether or not the live days are generated.
                self.continuation = Some(Continuation {
                    next: t,
                    peak_rate,
                    drop_out,
                });
                break;
            }
            self.times.push(t);
        }
    }

    /// Appends one order placed at `placed_at` (unix seconds), with its lines.
    pub fn add_order(
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
