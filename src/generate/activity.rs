//! One customer's tracked events: browsing, checkouts (bought or abandoned) and email
//! engagement, over the half year before `now`.
//!
//! Events follow the order history where there is one (a checkout precedes each recent order),
//! and add what orders cannot show: browsing without buying, carts left in the last day, and
//! opens and clicks of the shop's campaigns.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{DAY, HOUR, MINUTE};
use super::catalog::Catalog;
use super::customer::{Customer, Habit};
use super::history::{History, Order};
use super::sampling::{chance, exponential, geometric, uniform_time};
use super::vocab::{CAMPAIGNS, CATEGORIES, TAG_NEWSLETTER};

/// The kinds of event the generator makes, with their `type` strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    PageViewed,
    ProductViewed,
    CheckoutStarted,
    EmailOpened,
    EmailClicked,
}

impl EventKind {
    pub fn name(self) -> &'static str {
        match self {
            EventKind::PageViewed => "page_viewed",
            EventKind::ProductViewed => "product_viewed",
            EventKind::CheckoutStarted => "checkout_started",
            EventKind::EmailOpened => "email_opened",
            EventKind::EmailClicked => "email_clicked",
        }
    }
}

/// One event and the properties it carries; absent properties are empty cells.
pub struct Event {
    /// Unix seconds.
    pub at: i64,
    pub kind: EventKind,
    /// Cents: the product price or the cart value.
    pub value: Option<i64>,
    pub product: Option<u32>,
    pub category: Option<usize>,
    pub campaign: Option<&'static str>,
    pub url: Option<&'static str>,
    /// The products of a checkout, one entry per unit (written as `prop.product_ids`), so the
    /// catalogue prices of the entries add up to `value`.
    pub cart: Vec<u32>,
}

impl Event {
    fn new(at: i64, kind: EventKind) -> Event {
        Event {
            at,
            kind,
            value: None,
            product: None,
            category: None,
            campaign: None,
            url: None,
            cart: Vec::new(),
        }
    }
}

/// Pages that belong to no category.
const PLAIN_PAGES: [&str; 3] = ["/", "/pages/about", "/blogs/journal"];

/// Events are kept for the half year before `now`.
const EVENT_WINDOW: i64 = 180 * DAY;

/// Orders are preceded by a product view and a checkout within this window only; older orders
/// speak for themselves and would only bloat the events file.
const ORDER_EVENT_WINDOW: i64 = 30 * DAY;

/// A customer's events, oldest first, in a reused buffer.
#[derive(Default)]
pub struct Activity {
    pub events: Vec<Event>,
}

impl Activity {
    /// Replaces the events with those of `customer`, whose orders are `history`.
    pub fn generate(
        &mut self,
        customer: &Customer,
        history: &History,
        catalog: &Catalog,
        now: i64,
        rng: &mut ChaCha8Rng,
    ) {
        self.events.clear();
        let start = customer.created_at.max(now - EVENT_WINDOW);
        self.browse(customer, history, catalog, start, now, rng);
        self.checkouts_of_orders(customer, history, catalog, now, rng);
        self.abandoned_carts(customer, history, catalog, start, now, rng);
        self.email(customer, now, rng);
        // A stable sort keeps a page view before the product views of its session.
        self.events.sort_by_key(|e| e.at);
    }

    fn browse(
        &mut self,
        customer: &Customer,
        history: &History,
        catalog: &Catalog,
        start: i64,
        now: i64,
        rng: &mut ChaCha8Rng,
    ) {
        let recent_buyer = history.last_order_at().is_some_and(|t| t >= now - 90 * DAY);
        let (p_browse, mean_extra) = match customer.habit {
            Habit::Prospect => (0.45, 1.0),
            _ if recent_buyer => (0.75, 1.0),
            _ => (0.30, 0.5),
        };
        if !chance(rng, p_browse) {
            return;
        }
        let sessions = 1 + geometric(rng, mean_extra);
        for _ in 0..sessions {
            let at = uniform_time(rng, start, now - MINUTE);
            self.session(customer, catalog, at, now, rng);
        }
    }

    /// One browsing session from `at`: a page, then up to two products of its category.
    pub fn session(
        &mut self,
        customer: &Customer,
        catalog: &Catalog,
        mut at: i64,
        now: i64,
        rng: &mut ChaCha8Rng,
    ) {
        let category = customer.pick_category(rng);
        let mut page = Event::new(at, EventKind::PageViewed);
        if chance(rng, 0.75) {
            page.url = Some(CATEGORIES[category].url);
            page.category = Some(category);
        } else {
            page.url = Some(PLAIN_PAGES[rng.random_range(0..PLAIN_PAGES.len())]);
        }
        self.events.push(page);
        for _ in 0..rng.random_range(0..=2) {
            at = (at + rng.random_range(MINUTE..5 * MINUTE)).min(now);
            let product = catalog.pick(category, false, rng);
            self.push_product_view(catalog, product, at);
        }
    }

    /// Each recent order was preceded by a look at its first product and a checkout.
    fn checkouts_of_orders(
        &mut self,
        customer: &Customer,
        history: &History,
        catalog: &Catalog,
        now: i64,
        rng: &mut ChaCha8Rng,
    ) {
        let recent = history
            .orders
            .iter()
            .filter(|o| o.placed_at >= now - ORDER_EVENT_WINDOW);
        for order in recent {
            self.checkout_of(customer, history, order, catalog, rng);
        }
    }

    /// The look at an order's first product and the checkout minutes before the order.
    pub fn checkout_of(
        &mut self,
        customer: &Customer,
        history: &History,
        order: &Order,
        catalog: &Catalog,
        rng: &mut ChaCha8Rng,
    ) {
        let checkout_at =
            (order.placed_at - rng.random_range(2 * MINUTE..15 * MINUTE)).max(customer.created_at);
        let viewed_at =
            (checkout_at - rng.random_range(5 * MINUTE..45 * MINUTE)).max(customer.created_at);
        let first = &history.lines[order.items.start];
        self.push_product_view(catalog, first.product, viewed_at);
        let mut checkout = Event::new(checkout_at, EventKind::CheckoutStarted);
        checkout.value = Some(order.subtotal);
        for line in &history.lines[order.items.clone()] {
            checkout
                .cart
                .extend(std::iter::repeat_n(line.product, line.quantity as usize));
        }
        self.events.push(checkout);
    }

    /// Checkouts with no order after them: some in the last day (the carts an abandoned-cart
    /// workflow acts on, skewed towards the last hours) and some older ones.
    fn abandoned_carts(
        &mut self,
        customer: &Customer,
        history: &History,
        catalog: &Catalog,
        start: i64,
        now: i64,
        rng: &mut ChaCha8Rng,
    ) {
        if chance(rng, 0.05) {
            let u: f64 = rng.random();
            let mut at = now - (u * u * DAY as f64) as i64 - MINUTE;
            let after = history
                .last_order_at()
                .unwrap_or(i64::MIN)
                .max(customer.created_at);
            if after >= at && after < now - 10 * MINUTE {
                at = after + uniform_time(rng, MINUTE, now - after - 5 * MINUTE);
            }
            if at > after {
                self.push_cart(customer, catalog, at, rng);
            }
        }
        if chance(rng, 0.12) && start < now - 2 * DAY {
            let at = uniform_time(rng, start, now - 2 * DAY);
            self.push_cart(customer, catalog, at, rng);
        }
    }

    pub fn push_cart(
        &mut self,
        customer: &Customer,
        catalog: &Catalog,
        at: i64,
        rng: &mut ChaCha8Rng,
    ) {
        let mut value = 0;
        let mut cart = Vec::with_capacity(2);
        let products = rng.random_range(1..=2);
        for step in 0..products {
            let category = customer.pick_category(rng);
            let product = catalog.pick(category, customer.big_spender, rng);
            value += catalog.price(product);
            cart.push(product);
            let viewed_at = (at - (products - step) * 3 * MINUTE).max(customer.created_at);
            self.push_product_view(catalog, product, viewed_at);
        }
        let mut checkout = Event::new(at, EventKind::CheckoutStarted);
        checkout.value = Some(value);
        checkout.cart = cart;
        self.events.push(checkout);
    }

    fn push_product_view(&mut self, catalog: &Catalog, product: u32, at: i64) {
        let mut view = Event::new(at, EventKind::ProductViewed);
        view.product = Some(product);
        view.category = Some(catalog.category(product));
        view.value = Some(catalog.price(product));
        self.events.push(view);
    }

    /// Opens and clicks of the campaigns sent while the customer was subscribed.
    fn email(&mut self, customer: &Customer, now: i64, rng: &mut ChaCha8Rng) {
        if !customer.accepts_marketing {
            return;
        }
        let p_open = if customer.tags & TAG_NEWSLETTER != 0 {
            0.35
        } else {
            0.18
        };
        for (campaign, days_ago) in CAMPAIGNS {
            let sent_at = now - days_ago * DAY + 9 * HOUR;
            if sent_at < customer.created_at || sent_at >= now || !chance(rng, p_open) {
                continue;
            }
            let opened_at = sent_at + exponential(rng, 8.0 * HOUR as f64);
            if opened_at >= now {
                continue;
            }
            let mut open = Event::new(opened_at, EventKind::EmailOpened);
            open.campaign = Some(campaign);
            self.events.push(open);
            if chance(rng, 0.25) {
                let clicked_at = opened_at + rng.random_range(10..30 * MINUTE);
                if clicked_at < now {
                    let mut click = Event::new(clicked_at, EventKind::EmailClicked);
                    click.campaign = Some(campaign);
                    self.events.push(click);
                }
            }
        }
    }
}
