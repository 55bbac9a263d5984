//! A random small shop decoded from a choice stream and written with plain INSERTs into a real
//! SQLite file, so that both evaluators read exactly what a merchant's store would hold.

use rusqlite::{params, Connection};
use serde_json::{Map, Number, Value};

use super::choices::Choices;
use super::vocab::{self, CATEGORIES, CHANNELS, EVENT_TYPES, KEYS, STATUSES};

#[derive(Debug)]
pub struct ShopData {
    pub products: Vec<Product>,
    pub customers: Vec<Customer>,
}

#[derive(Debug)]
pub struct Product {
    pub title: Option<String>,
    pub category: Option<String>,
    pub price: Option<i64>,
    pub tags: Vec<String>,
}

#[derive(Debug)]
pub struct Customer {
    pub id: i64,
    pub email: Option<String>,
    /// first_name, last_name, gender, country, region, city, zip, timezone.
    pub text: [Option<String>; 8],
    pub created_at: Option<i64>,
    pub birthday: Option<i64>,
    pub accepts_marketing: Option<bool>,
    pub tags: Vec<String>,
    pub attributes: String,
    pub orders: Vec<Order>,
    pub events: Vec<Event>,
}

#[derive(Debug)]
pub struct Order {
    pub placed_at: i64,
    pub total: i64,
    pub discount: i64,
    pub status: Option<String>,
    pub channel: Option<String>,
    pub refunded: i64,
    pub cancelled_at: Option<i64>,
    /// (product index, quantity, unit price in cents); products are distinct within an order.
    pub items: Vec<(usize, i64, i64)>,
}

#[derive(Debug)]
pub struct Event {
    pub kind: String,
    pub occurred_at: i64,
    pub properties: String,
}

impl ShopData {
    pub fn generate(c: &mut Choices) -> ShopData {
        let products = (0..c.below(7)).map(|_| product(c)).collect::<Vec<_>>();
        let mut id = 0;
        let customers = (0..c.below(13))
            .map(|_| {
                id += 1 + i64::from(c.below(3));
                customer(c, id, products.len())
            })
            .collect();
        ShopData {
            products,
            customers,
        }
    }

    /// Writes the shop into an empty store.
    pub fn write(&self, conn: &Connection) -> rusqlite::Result<()> {
        for (k, p) in self.products.iter().enumerate() {
            conn.execute(
                "INSERT INTO products (id, external_id, title, category, price, tags) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    k as i64 + 1,
                    format!("p{k}"),
                    p.title,
                    p.category,
                    p.price,
                    json_list(&p.tags)
                ],
            )?;
        }
        let (mut order_id, mut event_id) = (0, 0);
        for c in &self.customers {
            let t = &c.text;
            conn.execute(
                "INSERT INTO customers (id, external_id, email, first_name, last_name, created_at, \
                 birthday, gender, country, region, city, zip, timezone, accepts_marketing, tags, \
                 attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
                 ?15, ?16)",
                params![
                    c.id,
                    format!("c{}", c.id),
                    c.email,
                    t[0],
                    t[1],
                    c.created_at,
                    c.birthday,
                    t[2],
                    t[3],
                    t[4],
                    t[5],
                    t[6],
                    t[7],
                    c.accepts_marketing,
                    json_list(&c.tags),
                    c.attributes
                ],
            )?;
            for o in &c.orders {
                order_id += 1;
                conn.execute(
                    "INSERT INTO orders (id, external_id, customer, placed_at, total, discount, \
                     status, channel, refunded, cancelled_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![
                        order_id,
                        format!("o{order_id}"),
                        c.id,
                        o.placed_at,
                        o.total,
                        o.discount,
                        o.status,
                        o.channel,
                        o.refunded,
                        o.cancelled_at
                    ],
                )?;
                for (product, quantity, price) in &o.items {
                    conn.execute(
                        "INSERT INTO order_items (order_id, product, quantity, price) \
                         VALUES (?1, ?2, ?3, ?4)",
                        params![order_id, *product as i64 + 1, quantity, price],
                    )?;
                }
            }
            for e in &c.events {
                event_id += 1;
                conn.execute(
                    "INSERT INTO events (id, customer, type, occurred_at, properties, dedup_key) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        event_id,
                        c.id,
                        e.kind,
                        e.occurred_at,
                        e.properties,
                        format!("e{event_id}")
                    ],
                )?;
            }
        }
        // Whether each order counts (cancelled, voided) is kept by the store's own code.
        segflow::store::order_status::recount_all(conn)?;
        Ok(())
    }
}

impl Customer {
    /// A customer with only an id and attributes, for hand-written regression shops.
    pub fn bare(id: i64, attributes: &str) -> Customer {
        Customer {
            id,
            email: None,
            text: Default::default(),
            created_at: None,
            birthday: None,
            accepts_marketing: None,
            tags: Vec::new(),
            attributes: attributes.to_string(),
            orders: Vec::new(),
            events: Vec::new(),
        }
    }
}

fn json_list(items: &[String]) -> String {
    Value::from(items.to_vec()).to_string()
}

fn opt_word(c: &mut Choices, pool: &[&str]) -> Option<String> {
    c.maybe(75, |c| c.pick(pool).to_string())
}

fn words(c: &mut Choices, max: u32) -> Vec<String> {
    (0..c.below(max + 1)).map(|_| vocab::word(c)).collect()
}

fn product(c: &mut Choices) -> Product {
    Product {
        title: opt_word(c, vocab::WORDS),
        category: opt_word(c, CATEGORIES),
        price: c.maybe(75, vocab::cents),
        tags: words(c, 3),
    }
}

fn customer(c: &mut Choices, id: i64, products: usize) -> Customer {
    let email = c.maybe(75, |c| {
        if c.chance(50) {
            format!("{}@shop.test", vocab::word(c))
        } else {
            vocab::word(c)
        }
    });
    let text = std::array::from_fn(|_| opt_word(c, vocab::WORDS));
    Customer {
        id,
        email,
        text,
        created_at: c.maybe(75, vocab::time_near),
        birthday: c.maybe(60, vocab::birthday),
        accepts_marketing: c.maybe(75, |c| c.chance(50)),
        tags: words(c, 3),
        attributes: object(c),
        orders: (0..c.below(6)).map(|_| order(c, products)).collect(),
        events: (0..c.below(6)).map(|_| event(c)).collect(),
    }
}

fn order(c: &mut Choices, products: usize) -> Order {
    let total = vocab::cents(c);
    let discount = if c.chance(50) { c.range(0, total) } else { 0 };
    let mut items: Vec<(usize, i64, i64)> = Vec::new();
    if products > 0 {
        for _ in 0..c.below(4) {
            let product = c.below(products as u32) as usize;
            if items.iter().all(|(p, _, _)| *p != product) {
                items.push((product, c.range(1, 4), vocab::cents(c)));
            }
        }
    }
    Order {
        placed_at: vocab::time_near(c),
        total,
        discount,
        status: opt_word(c, STATUSES),
        channel: opt_word(c, CHANNELS),
        refunded: if c.chance(20) { c.range(0, total) } else { 0 },
        cancelled_at: c.maybe(10, vocab::time_near),
        items,
    }
}

fn event(c: &mut Choices) -> Event {
    Event {
        kind: c.pick(EVENT_TYPES).to_string(),
        occurred_at: vocab::time_near(c),
        properties: object(c),
    }
}

/// A JSON object of 0–4 keys with values of every JSON type.
fn object(c: &mut Choices) -> String {
    let mut map = Map::new();
    for _ in 0..c.below(5) {
        let key = c.pick(KEYS).to_string();
        map.insert(key, json(c, 2));
    }
    Value::Object(map).to_string()
}

/// A JSON value; numbers are mostly integers, sometimes fractions (including `2.0`, which is
/// stored as a real).
fn json(c: &mut Choices, depth: u32) -> Value {
    let kinds = if depth > 0 { 9 } else { 7 };
    match c.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(c.chance(50)),
        2 | 3 => Value::from(c.pick(&[0, 1, 2, 3, -1, 10, 12])),
        4 => {
            // Integral reals (`2.0`) are equal to the integers, but not the same JSON text.
            let f = c.pick(&[0.5, 1.5, 2.0, 1.0, 0.1, 0.2, 0.3, -0.5, 49.99, 12.34]);
            Number::from_f64(f).map_or(Value::Null, Value::Number)
        }
        5 | 6 => Value::from(vocab::word(c)),
        7 => Value::Array((0..c.below(4)).map(|_| json(c, depth - 1)).collect()),
        _ => {
            let mut inner = Map::new();
            inner.insert("k".into(), json(c, depth - 1));
            Value::Object(inner)
        }
    }
}
