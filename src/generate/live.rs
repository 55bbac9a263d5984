//! The shop's next days: what the generated customers do after `now`, for `segflow demo` to
//! feed into the store as the simulated clock reaches it.
//!
//! The shop before `now` is the one `segflow generate` writes; the live days continue it from
//! their own random stream. Every customer still buying at `now` goes on with the same buying
//! process (the same rate, season and drop-out), new customers sign up, people browse, start
//! checkouts that end in an order minutes later, and abandon others. What depends on the
//! mail the demo sends (opens, clicks, orders after a reminder) cannot be known here; it is
//! decided while simulating, in `response`.
//!
//! Rates (documented in README's demo section):
//! - sign-ups: 0.39% of the shop's customer count a day (the generated past has about 5.4% of
//!   its customers signing up in its last 14 days); a new customer's habit and first order
//!   follow the generator's usual rules, with the first order inside the live days;
//! - browsing: a session (a page, up to two products) on 1.2% of customer-days;
//! - abandoned checkouts: one in two orders has an abandoned checkout of the same customer
//!   beside it, and a customer without an order in the live days abandons one with a chance of
//!   4% (buyers) or 2% (prospects) over 14 days, so about a third of all checkouts are left.

use std::collections::HashMap;

use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

use super::activity::{Activity, EventKind};
use super::calendar::{DAY, MINUTE};
use super::catalog::Catalog;
use super::customer::{Customer, Habit};
use super::history::History;
use super::sampling::{chance, exponential, season_weight, uniform_time};
use super::shop_writer::{join_mask, CustomerId, ProductId};
use super::vocab::{CATEGORIES, CURRENCY, INTERESTS, TAGS, VALUES};
use crate::ingest::{CustomerIn, EventIn, Ingest, ItemIn, Money, OrderIn, Time};

/// New sign-ups per customer of the shop and day.
const SIGNUPS_PER_DAY: f64 = 0.0039;
/// The chance of a browsing session per customer and day.
const SESSION_PER_DAY: f64 = 0.012;
/// The chance that an order has an abandoned checkout of the same customer beside it.
const ABANDONED_PER_ORDER: f64 = 0.5;

/// One thing that happens in the live days, in unix milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveItem {
    pub at: i64,
    pub item: Ingest,
    /// True for what can start a journey or move a customer between segments at once (a
    /// sign-up, an order, a checkout): the demo runs its engine at that moment. Browsing and
    /// opens wait for the next run.
    pub wakes: bool,
}

/// The generated live days and what the responses to mail need to know about the customers.
pub struct LiveShop {
    /// Unix milliseconds: the first and the last moment of the live days.
    pub start: i64,
    pub end: i64,
    /// Everything generated in advance, oldest first.
    pub items: Vec<LiveItem>,
    pub(super) catalog: Catalog,
    /// Every customer, by number − 1.
    pub(super) customers: Vec<Customer>,
    /// The checkouts of each customer (by number) in the live days: (unix seconds, products).
    pub(super) carts: HashMap<u64, Vec<(i64, Vec<u32>)>>,
    pub(super) next_order: u64,
    history: History,
    activity: Activity,
}

impl LiveShop {
    pub(super) fn new(catalog: Catalog, now: i64, days: u32) -> LiveShop {
        LiveShop {
            start: now * 1000,
            end: (now + i64::from(days) * DAY) * 1000,
            items: Vec::new(),
            catalog,
            customers: Vec::new(),
            carts: HashMap::new(),
            next_order: 1,
            history: History::default(),
            activity: Activity::default(),
        }
    }

    fn now(&self) -> i64 {
        self.start / 1000
    }

    fn horizon(&self) -> i64 {
        self.end / 1000
    }

    /// Continues an existing customer (whose history up to `now` is `history`) into the live
    /// days, and keeps them for the responses.
    pub(super) fn add_existing(
        &mut self,
        customer: Customer,
        history: &History,
        rng: &mut ChaCha8Rng,
    ) {
        self.history.orders.clear();
        self.history.lines.clear();
        if let Some(c) = history.continuation {
            let mut t = c.next;
            while t < self.horizon() {
                if chance(rng, season_weight(t)) {
                    self.history.add_order(&customer, &self.catalog, t, rng);
                    if chance(rng, c.drop_out) {
                        break;
                    }
                }
                t += exponential(rng, 1.0 / c.peak_rate).max(2 * DAY);
            }
        }
        self.add_days(customer, rng);
    }

    /// Adds the sign-ups of the live days, numbered after the `existing` customers.
    pub(super) fn add_signups(&mut self, existing: usize, rng: &mut ChaCha8Rng) {
        let days = (self.horizon() - self.now()) as f64 / DAY as f64;
        let count = (existing as f64 * SIGNUPS_PER_DAY * days).round() as u64;
        for number in existing as u64 + 1..=existing as u64 + count {
            let created_at = uniform_time(rng, self.now() + 1, self.horizon() - MINUTE);
            let customer = Customer::generate_at(number, created_at, self.horizon(), rng);
            // The usual history, cut at the end of the live days: a first order (often at the
            // sign-up itself) and, for regular buyers, perhaps more.
            let mut history = std::mem::take(&mut self.history);
            history.generate(&customer, &self.catalog, self.horizon(), rng);
            self.history = history;
            self.push(created_at, Ingest::Customer(customer_in(&customer)), true);
            self.add_days(customer, rng);
        }
    }

    /// The orders in `self.history` (placed in the live days), the checkouts before them, the
    /// abandoned checkouts and the browsing of one customer.
    fn add_days(&mut self, customer: Customer, rng: &mut ChaCha8Rng) {
        let from = self.now().max(customer.created_at);
        let to = self.horizon();
        let mut activity = std::mem::take(&mut self.activity);
        activity.events.clear();
        let history = std::mem::take(&mut self.history);
        for order in &history.orders {
            activity.checkout_of(&customer, &history, order, &self.catalog, rng);
            if chance(rng, ABANDONED_PER_ORDER) {
                let at = uniform_time(rng, from + 10 * MINUTE, to - MINUTE);
                activity.push_cart(&customer, &self.catalog, at, rng);
            }
        }
        if history.orders.is_empty() {
            let p = if customer.habit == Habit::Prospect {
                0.02
            } else {
                0.04
            };
            if chance(rng, p * (to - from) as f64 / (14 * DAY) as f64) {
                let at = uniform_time(rng, from + 10 * MINUTE, to - MINUTE);
                activity.push_cart(&customer, &self.catalog, at, rng);
            }
        }
        let mut day = from;
        while day < to {
            if chance(rng, SESSION_PER_DAY) {
                let at = uniform_time(rng, day, (day + DAY).min(to) - MINUTE);
                activity.session(&customer, &self.catalog, at, to, rng);
            }
            day += DAY;
        }
        for order in &history.orders {
            let id = live_order_id(self.next_order);
            self.next_order += 1;
            let lines = &history.lines[order.items.clone()];
            let o = order_in(
                &customer,
                id,
                order.placed_at,
                order.total(),
                order.discount,
                lines,
            );
            let o = OrderIn {
                status: Some(order.status.to_string()),
                channel: Some(order.channel.to_string()),
                ..o
            };
            self.push(order.placed_at, Ingest::Order(o), true);
        }
        for e in &activity.events {
            // An event before the sign-up (a view placed minutes before a checkout at the
            // sign-up) belongs to the past, which was written already.
            if e.at <= self.now() {
                continue;
            }
            if e.kind == EventKind::CheckoutStarted {
                self.carts
                    .entry(customer.number)
                    .or_default()
                    .push((e.at, e.cart.clone()));
            }
            let wakes = e.kind == EventKind::CheckoutStarted;
            self.push(e.at, Ingest::Event(event_in(&customer, e)), wakes);
        }
        self.history = history;
        self.activity = activity;
        self.customers.push(customer);
    }

    pub(super) fn push(&mut self, at_secs: i64, item: Ingest, wakes: bool) {
        self.items.push(LiveItem {
            at: at_secs * 1000,
            item,
            wakes,
        });
    }

    /// Puts the items in time order; equal times keep the order they were made in.
    pub(super) fn finish(&mut self) {
        self.items.sort_by_key(|i| i.at);
        for carts in self.carts.values_mut() {
            carts.sort_by_key(|c| c.0);
        }
    }
}

/// The id of the `n`th order of the live days, such as `OL0000042`: apart from the past's
/// `O00000042`, whose count is known only once the past is written.
pub(super) fn live_order_id(n: u64) -> String {
    format!("OL{n:07}")
}

/// An order as the ingest API takes it; amounts in cents.
pub(super) fn order_in(
    customer: &Customer,
    id: String,
    placed_at: i64,
    total: i64,
    discount: i64,
    lines: &[super::history::Line],
) -> OrderIn {
    OrderIn {
        id,
        customer_id: CustomerId(customer.number).to_string(),
        placed_at: Time(placed_at * 1000),
        total: Money(total),
        discount: Some(Money(discount)),
        status: Some("paid".into()),
        channel: Some("web".into()),
        currency: Some(CURRENCY.into()),
        refunded: None,
        cancelled_at: None,
        items: lines
            .iter()
            .map(|l| ItemIn {
                product_id: ProductId(l.product).to_string(),
                quantity: i64::from(l.quantity),
                price: Money(l.price),
                title: None,
                category: None,
            })
            .collect(),
    }
}

fn names(mask: u8, list: &[&str]) -> Vec<String> {
    let mut out = String::new();
    join_mask(&mut out, mask, list, false);
    if out.is_empty() {
        Vec::new()
    } else {
        out.split(',').map(str::to_string).collect()
    }
}

/// A sign-up as the ingest API takes it, with the fields of `customers.csv`.
fn customer_in(c: &Customer) -> CustomerIn {
    let mut attributes = Map::new();
    let values = names(c.values, &VALUES);
    if !values.is_empty() {
        attributes.insert("values".into(), Value::from(values));
    }
    let interests = names(c.interests, &INTERESTS);
    if !interests.is_empty() {
        attributes.insert("interests".into(), Value::from(interests));
    }
    if let Some(nps) = c.nps {
        attributes.insert("nps".into(), Value::from(nps));
    }
    if let Some(tier) = c.loyalty_tier {
        attributes.insert("loyalty_tier".into(), Value::from(tier));
    }
    CustomerIn {
        id: CustomerId(c.number).to_string(),
        email: Some(c.email.clone()),
        first_name: Some(c.first_name.into()),
        last_name: Some(c.last_name.into()),
        created_at: Some(Time(c.created_at * 1000)),
        birthday: c
            .birthday
            .map(|d| Time(super::calendar::days_from_date(d) * DAY * 1000)),
        gender: (!c.gender.is_empty()).then(|| c.gender.to_string()),
        country: Some(c.location.country.into()),
        region: Some(c.location.region.into()),
        city: Some(c.location.city.into()),
        zip: Some(c.zip.clone()),
        timezone: Some(c.location.timezone.into()),
        accepts_marketing: Some(c.accepts_marketing),
        tags: Some(names(c.tags, &TAGS)),
        attributes: Some(attributes),
    }
}

/// An event as the ingest API takes it, with the properties of `events.csv` (amounts in major
/// units, as the API documents).
fn event_in(c: &Customer, e: &super::activity::Event) -> EventIn {
    let mut p = Map::new();
    if let Some(cents) = e.value {
        p.insert("value".into(), Value::from(cents as f64 / 100.0));
    }
    if let Some(product) = e.product {
        p.insert(
            "product_id".into(),
            Value::from(ProductId(product).to_string()),
        );
    }
    if let Some(category) = e.category {
        p.insert("category".into(), Value::from(CATEGORIES[category].name));
    }
    if let Some(url) = e.url {
        p.insert("url".into(), Value::from(url));
    }
    if !e.cart.is_empty() {
        let ids: Vec<String> = e.cart.iter().map(|&p| ProductId(p).to_string()).collect();
        p.insert("product_ids".into(), Value::from(ids));
    }
    EventIn {
        id: None,
        event_type: e.kind.name().to_string(),
        customer_id: CustomerId(c.number).to_string(),
        occurred_at: Some(Time(e.at * 1000)),
        properties: p,
    }
}
