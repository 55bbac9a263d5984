//! How the demo's customers answer the mail they are sent: opens, clicks and the orders that
//! follow a click, each after the send it answers.
//!
//! What a customer does depends on what was sent, so this runs while the demo simulates, once
//! per delivered message, with the random stream the demo passes in. Rates per step (the
//! example workflows' steps; any other step gets the default), documented in README's demo
//! section and in line with published e-mail benchmarks for shops:
//!
//! | mail | opens | clicks of opens | orders of clicks | discount |
//! |---|---|---|---|---|
//! | cart reminder | 45% | 30% | 45% | — |
//! | cart reminder with discount | 45% | 30% | 70% | 10% (CART10) |
//! | last call | 40% | 25% | 40% | — |
//! | winback offer, reminder | 25% | 20% | 40% | 15% (COMEBACK15) |
//! | birthday | 45% | 20% | 40% | 15% (BDAY15) |
//! | VIP reward | 50% | 25% | 30% | — |
//! | welcome, cross-sell, others | 35% | 15% | 25% | — |
//!
//! So about 6% of reminded carts are recovered by the plain reminder and 9.5% with the
//! discount. An open comes after the send (exponential, mean 4 hours), a click 10 seconds to 20
//! minutes after the open, an order 2 minutes to 3 hours after the click; a recovered cart is
//! bought as it was left (the customer's latest checkout before the send), any other order is
//! a basket drawn as the generator draws orders. Customers tagged `newsletter` open a third
//! more often. Nothing is answered after the end of the live days.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{HOUR, MINUTE};
use super::history::Line;
use super::live::{live_order_id, order_in, LiveItem, LiveShop};
use super::sampling::{chance, exponential};
use super::vocab::TAG_NEWSLETTER;
use crate::ingest::Ingest;
use crate::mail::engagement::Engagement;
use crate::mail::tracking::{event_for, TrackClaims, TrackKind};

/// A delivered message, as the responses need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub workflow: String,
    pub step: String,
    /// The internal and the merchant's customer id.
    pub customer: i64,
    pub customer_id: String,
    pub message_id: String,
    /// Unix milliseconds.
    pub sent_at: i64,
}

/// What an order after a click buys.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Buys {
    /// The cart the customer left.
    Cart,
    /// A basket of the customer's usual kind.
    Basket,
}

struct Rates {
    open: f64,
    click: f64,
    order: f64,
    /// Percent off the order.
    discount: i64,
    buys: Buys,
}

fn rates(workflow: &str, step: &str) -> Rates {
    let r = |open, click, order, discount, buys| Rates {
        open,
        click,
        order,
        discount,
        buys,
    };
    match (workflow, step) {
        ("abandoned_checkout", "reminder") => r(0.45, 0.30, 0.45, 0, Buys::Cart),
        ("abandoned_checkout", "reminder_discount") => r(0.45, 0.30, 0.70, 10, Buys::Cart),
        ("abandoned_checkout", _) => r(0.40, 0.25, 0.40, 0, Buys::Cart),
        ("winback", _) => r(0.25, 0.20, 0.40, 15, Buys::Basket),
        ("birthday", _) => r(0.45, 0.20, 0.40, 15, Buys::Basket),
        ("vip_reward", _) => r(0.50, 0.25, 0.30, 0, Buys::Basket),
        _ => r(0.35, 0.15, 0.25, 0, Buys::Basket),
    }
}

impl LiveShop {
    /// The open, click and order with which the customer answers `sent`, if any, each later
    /// than the one before and than the send.
    pub fn respond(&mut self, sent: &Delivered, rng: &mut ChaCha8Rng) -> Vec<LiveItem> {
        let mut out = Vec::new();
        let Some(number) = customer_number(&sent.customer_id) else {
            return out;
        };
        let Some(customer) = self.customers.get(number as usize - 1) else {
            return out;
        };
        let rates = rates(&sent.workflow, &sent.step);
        let lift = if customer.tags & TAG_NEWSLETTER != 0 {
            4.0 / 3.0
        } else {
            1.0
        };
        if !chance(rng, rates.open * lift) {
            return out;
        }
        let opened = sent.sent_at / 1000 + 30 + exponential(rng, 4.0 * HOUR as f64);
        let claims = |kind, url: Option<&str>| TrackClaims {
            kind,
            customer: sent.customer,
            workflow: sent.workflow.clone(),
            step: sent.step.clone(),
            message_id: sent.message_id.clone(),
            url: url.map(str::to_string),
        };
        let at_ms = |secs: i64| secs * 1000;
        let open = event_for(
            &claims(TrackKind::Open, None),
            &sent.customer_id,
            at_ms(opened),
            &Engagement::Human,
        );
        out.push(item(opened, Ingest::Event(open), false));
        if !chance(rng, rates.click) {
            return self.keep_before_end(out);
        }
        let clicked = opened + rng.random_range(10..20 * MINUTE);
        let url = match rates.buys {
            Buys::Cart => "https://shop.example/cart",
            Buys::Basket => "https://shop.example/",
        };
        let click = event_for(
            &claims(TrackKind::Click, Some(url)),
            &sent.customer_id,
            at_ms(clicked),
            &Engagement::Human,
        );
        out.push(item(clicked, Ingest::Event(click), false));
        if !chance(rng, rates.order) {
            return self.keep_before_end(out);
        }
        let placed = clicked + rng.random_range(2 * MINUTE..3 * HOUR);
        let lines = match rates.buys {
            Buys::Cart => self.cart_lines(number, sent.sent_at / 1000),
            Buys::Basket => self.basket_lines(number, placed, rng),
        };
        if lines.is_empty() {
            return self.keep_before_end(out);
        }
        let subtotal: i64 = lines.iter().map(|l| l.price * i64::from(l.quantity)).sum();
        let discount = subtotal * rates.discount / 100;
        let id = live_order_id(self.next_order);
        self.next_order += 1;
        let customer = &self.customers[number as usize - 1];
        let order = order_in(customer, id, placed, subtotal - discount, discount, &lines);
        out.push(item(placed, Ingest::Order(order), true));
        self.keep_before_end(out)
    }

    fn keep_before_end(&self, mut items: Vec<LiveItem>) -> Vec<LiveItem> {
        items.retain(|i| i.at <= self.end);
        items
    }

    /// The lines of the customer's latest checkout at or before `at` (unix seconds).
    fn cart_lines(&self, number: u64, at: i64) -> Vec<Line> {
        let Some((_, cart)) = self
            .carts
            .get(&number)
            .and_then(|carts| carts.iter().rev().find(|c| c.0 <= at))
        else {
            return Vec::new();
        };
        let mut lines: Vec<Line> = Vec::new();
        for &product in cart {
            match lines.iter_mut().find(|l| l.product == product) {
                Some(line) => line.quantity += 1,
                None => lines.push(Line {
                    product,
                    quantity: 1,
                    price: self.catalog.price(product),
                }),
            }
        }
        lines
    }

    /// A basket drawn as the generator draws orders (its discount and status are not used).
    fn basket_lines(&mut self, number: u64, placed: i64, rng: &mut ChaCha8Rng) -> Vec<Line> {
        let customer = &self.customers[number as usize - 1];
        let mut history = super::history::History::default();
        history.add_order(customer, &self.catalog, placed, rng);
        history.lines
    }
}

fn item(at_secs: i64, item: Ingest, wakes: bool) -> LiveItem {
    LiveItem {
        at: at_secs * 1000,
        item,
        wakes,
    }
}

/// The number in a generated customer id such as `C0000042`.
fn customer_number(id: &str) -> Option<u64> {
    id.strip_prefix('C')?.parse().ok().filter(|&n| n > 0)
}
