//! One synthetic customer: who they are (demographics, place, psychographics) and the buying
//! habit that later drives their orders and events.
//!
//! The habit is drawn here, together with the profile, so that attributes which merchants read
//! as signals (loyalty tier, tags, interests) agree with what the customer actually does.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{self, Date, DAY};
use super::sampling::{chance, pick, seasonal_time};
use super::vocab::*;

/// How much a customer buys; drawn once per customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Habit {
    /// Signed up (or was imported) but never ordered.
    Prospect,
    OneTime,
    /// A handful of orders over their lifetime.
    Regular,
    /// The long tail of frequent buyers.
    Frequent,
}

/// A generated customer and their habits.
pub struct Customer {
    pub number: u64,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub email: String,
    /// Unix seconds.
    pub created_at: i64,
    pub birthday: Option<Date>,
    /// Empty when the customer did not say.
    pub gender: &'static str,
    pub location: &'static Location,
    pub zip: String,
    pub accepts_marketing: bool,
    /// Bit masks over `TAGS`, `VALUES` and `INTERESTS`.
    pub tags: u8,
    pub values: u8,
    pub interests: u8,
    pub nps: Option<u8>,
    pub loyalty_tier: Option<&'static str>,
    pub habit: Habit,
    /// Most orders carry a discount; ~15% of buyers.
    pub price_sensitive: bool,
    /// Bigger baskets of dearer products: the VIP spenders.
    pub big_spender: bool,
    /// Cumulative weights over `CATEGORIES` for what this customer browses and buys.
    pub category_cdf: [f64; CATEGORIES.len()],
}

/// Customers sign up over the four years before `now`.
const HISTORY_DAYS: i64 = 4 * 365;

impl Customer {
    /// Draws customer number `number` (1-based) as of `now` (unix seconds).
    pub fn generate(number: u64, now: i64, rng: &mut ChaCha8Rng) -> Customer {
        // A power of the uniform puts more sign-ups close to `now`: the shop is growing.
        let age_secs = (HISTORY_DAYS as f64 * DAY as f64 * rng.random::<f64>().powf(1.6)) as i64;
        let created_at = seasonal_time(rng, now - age_secs - DAY, now - age_secs)
            .clamp(now - HISTORY_DAYS * DAY, now - 60);
        Customer::generate_at(number, created_at, now, rng)
    }

    /// Draws customer number `number` who signed up at `created_at`, as of `now` (both unix
    /// seconds): the profile and habit without the sign-up time (the demo's new sign-ups).
    pub fn generate_at(number: u64, created_at: i64, now: i64, rng: &mut ChaCha8Rng) -> Customer {
        let gender = pick_gender(rng);
        let first_name = pick_first_name(gender, rng);
        let last_name = pick(rng, &LAST_NAMES);
        let domain = pick(rng, &EMAIL_DOMAINS);
        let email = format!(
            "{}.{}{}@{}",
            ascii_handle(first_name),
            ascii_handle(last_name),
            number,
            domain
        );
        let birthday = chance(rng, 0.85).then(|| pick_birthday(now, rng));
        let location = pick_location(rng);
        let zip = fill_pattern(location.zip, rng);
        let accepts_marketing = chance(rng, 0.70);
        let tags = pick_tags(accepts_marketing, rng);
        let values = pick_values(tags, rng);
        let interests = pick_interests(tags, rng);
        let nps = chance(rng, 0.40).then(|| pick_nps(rng));
        let habit = match rng.random::<f64>() {
            u if u < 0.25 => Habit::Prospect,
            u if u < 0.53 => Habit::OneTime,
            u if u < 0.90 => Habit::Regular,
            _ => Habit::Frequent,
        };
        let buyer = habit != Habit::Prospect;
        let price_sensitive = buyer && chance(rng, 0.15);
        let big_spender = match habit {
            Habit::Frequent => chance(rng, 0.40),
            Habit::Prospect => false,
            _ => chance(rng, 0.04),
        };
        let loyalty_tier = pick_tier(habit, rng);
        Customer {
            number,
            first_name,
            last_name,
            email,
            created_at,
            birthday,
            gender,
            location,
            zip,
            accepts_marketing,
            tags,
            values,
            interests,
            nps,
            loyalty_tier,
            habit,
            price_sensitive,
            big_spender,
            category_cdf: category_cdf(tags, values, interests),
        }
    }

    /// Draws a category by this customer's preferences.
    pub fn pick_category(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.category_cdf[CATEGORIES.len() - 1];
        let u = rng.random::<f64>() * total;
        self.category_cdf
            .iter()
            .position(|&edge| u < edge)
            .unwrap_or(CATEGORIES.len() - 1)
    }
}

fn pick_gender(rng: &mut ChaCha8Rng) -> &'static str {
    match rng.random::<f64>() {
        u if u < 0.48 => "female",
        u if u < 0.92 => "male",
        u if u < 0.95 => "non-binary",
        _ => "",
    }
}

fn pick_first_name(gender: &str, rng: &mut ChaCha8Rng) -> &'static str {
    match gender {
        "female" => pick(rng, &FIRST_NAMES_FEMALE),
        "male" => pick(rng, &FIRST_NAMES_MALE),
        _ => pick(rng, &FIRST_NAMES_NEUTRAL),
    }
}

/// Lower-case ASCII letters of a name, for the email address.
fn ascii_handle(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'ü' => Some('u'),
            'è' | 'é' => Some('e'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Ages 18–80, most between 25 and 45; the month and day are uniform so every month has
/// birthdays.
fn pick_birthday(now: i64, rng: &mut ChaCha8Rng) -> Date {
    let age: i64 = match rng.random::<f64>() {
        u if u < 0.12 => rng.random_range(18..25),
        u if u < 0.78 => rng.random_range(25..45),
        u if u < 0.94 => rng.random_range(45..65),
        _ => rng.random_range(65..80),
    };
    // Born a year before `age` full years: the customer is `age` or `age + 1` today.
    let year = calendar::date_of(now).year - age - 1;
    let month = rng.random_range(1..=12u32);
    let day = rng.random_range(1..=calendar::days_in_month(year, month));
    Date { year, month, day }
}

fn pick_location(rng: &mut ChaCha8Rng) -> &'static Location {
    let total: u32 = LOCATIONS.iter().map(|l| l.weight).sum();
    let mut ticket = rng.random_range(0..total);
    for location in &LOCATIONS {
        if ticket < location.weight {
            return location;
        }
        ticket -= location.weight;
    }
    &LOCATIONS[0]
}

/// Replaces `#` with a random digit and `@` with a random capital letter.
fn fill_pattern(pattern: &str, rng: &mut ChaCha8Rng) -> String {
    pattern
        .chars()
        .map(|c| match c {
            '#' => char::from(b'0' + rng.random_range(0..10u8)),
            '@' => char::from(b'A' + rng.random_range(0..26u8)),
            other => other,
        })
        .collect()
}

fn pick_tags(accepts_marketing: bool, rng: &mut ChaCha8Rng) -> u8 {
    let flag = |rng: &mut ChaCha8Rng, tag: u8, p: f64| if chance(rng, p) { tag } else { 0 };
    let mut tags = flag(rng, TAG_ECO, 0.18)
        | flag(rng, TAG_RUNNER, 0.22)
        | flag(rng, TAG_YOGA, 0.16)
        | flag(rng, TAG_PARENT, 0.22)
        | flag(rng, TAG_GIFT, 0.12)
        | flag(rng, TAG_WHOLESALE, 0.02);
    let newsletter = if accepts_marketing { 0.45 } else { 0.02 };
    tags |= flag(rng, TAG_NEWSLETTER, newsletter);
    // Vegans are mostly found among the eco-conscious.
    let vegan = if tags & TAG_ECO != 0 { 0.25 } else { 0.04 };
    tags | flag(rng, TAG_VEGAN, vegan)
}

fn pick_values(tags: u8, rng: &mut ChaCha8Rng) -> u8 {
    if !chance(rng, 0.55) {
        return 0;
    }
    let mut values = 0u8;
    for bit in 0..VALUES.len() {
        let p = if bit == 0 && tags & TAG_ECO != 0 {
            0.85
        } else {
            0.30
        };
        if chance(rng, p) {
            values |= 1 << bit;
        }
    }
    if values == 0 {
        values = 1 << rng.random_range(0..VALUES.len());
    }
    values
}

fn pick_interests(tags: u8, rng: &mut ChaCha8Rng) -> u8 {
    if !chance(rng, 0.60) {
        return 0;
    }
    let mut interests = 0u8;
    for bit in 0..INTERESTS.len() {
        let p = match 1u8 << bit {
            INTEREST_RUNNING if tags & TAG_RUNNER != 0 => 0.9,
            INTEREST_YOGA if tags & TAG_YOGA != 0 => 0.9,
            _ => 0.25,
        };
        if chance(rng, p) {
            interests |= 1 << bit;
        }
    }
    if interests == 0 {
        interests = 1 << rng.random_range(0..INTERESTS.len());
    }
    interests
}

/// Net promoter answers lean to promoters, as survey answers of buyers do.
fn pick_nps(rng: &mut ChaCha8Rng) -> u8 {
    match rng.random::<f64>() {
        u if u < 0.25 => rng.random_range(0..=6),
        u if u < 0.55 => rng.random_range(7..=8),
        _ => rng.random_range(9..=10),
    }
}

fn pick_tier(habit: Habit, rng: &mut ChaCha8Rng) -> Option<&'static str> {
    let [bronze, silver, gold] = LOYALTY_TIERS;
    match habit {
        Habit::Prospect => None,
        Habit::OneTime => chance(rng, 0.30).then_some(bronze),
        Habit::Regular => chance(rng, 0.60).then(|| if chance(rng, 0.5) { bronze } else { silver }),
        Habit::Frequent => chance(rng, 0.85).then(|| if chance(rng, 0.7) { gold } else { silver }),
    }
}

/// Category preferences: the base weights, lifted by what the customer says they care about.
fn category_cdf(tags: u8, values: u8, interests: u8) -> [f64; CATEGORIES.len()] {
    let mut weights: [f64; CATEGORIES.len()] = std::array::from_fn(|i| CATEGORIES[i].buy_weight);
    if tags & TAG_RUNNER != 0 || interests & INTEREST_RUNNING != 0 {
        weights[CAT_RUNNING] *= 4.0;
    }
    if tags & TAG_YOGA != 0 || interests & INTEREST_YOGA != 0 {
        weights[CAT_YOGA] *= 4.0;
    }
    if tags & TAG_ECO != 0 || values & VALUE_SUSTAINABILITY != 0 {
        weights[CAT_ECO] *= 3.0;
    }
    if interests & INTEREST_HIKING != 0 {
        weights[CAT_OUTDOOR] *= 3.0;
    }
    if interests & INTEREST_HOME != 0 {
        weights[CAT_HOME] *= 3.0;
    }
    if interests & INTEREST_FASHION != 0 {
        weights[CAT_APPAREL] *= 2.0;
    }
    if tags & TAG_GIFT != 0 {
        weights[CAT_GIFT] *= 4.0;
    }
    let mut sum = 0.0;
    weights.map(|w| {
        sum += w;
        sum
    })
}
