//! The product catalogue of the synthetic shop.
//!
//! Products are made before any customer, from their own random stream, so the catalogue of a
//! seed does not depend on how many customers are generated after it beyond its size.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::vocab::{CATEGORIES, CAT_ECO, CAT_GIFT, GIFT_CARD_CENTS, PRODUCT_ADJECTIVES};

/// Products per million customers, and the floor for small shops, so that every category holds
/// several products.
const PRODUCTS_PER_MILLION: usize = 2_000;
const MIN_PRODUCTS: usize = 50;

/// One product: what the shop sells.
pub struct Product {
    pub title: String,
    pub category: usize,
    pub price_cents: i64,
    pub tags: String,
}

/// The products and, per category, the indexes of its products ordered by popularity.
pub struct Catalog {
    pub products: Vec<Product>,
    by_category: Vec<Vec<u32>>,
    dearest: Vec<u32>,
}

impl Catalog {
    /// The catalogue size for a shop with this many customers.
    pub fn size_for(customers: usize) -> usize {
        (customers.saturating_mul(PRODUCTS_PER_MILLION) / 1_000_000).max(MIN_PRODUCTS)
    }

    /// Makes `count` products. Categories are dealt out by their catalogue share in a fixed
    /// rotation rather than drawn, so that even the smallest catalogue holds every category.
    pub fn generate(count: usize, rng: &mut ChaCha8Rng) -> Catalog {
        let rotation: Vec<usize> = CATEGORIES
            .iter()
            .enumerate()
            .flat_map(|(index, c)| std::iter::repeat_n(index, c.catalog_share as usize))
            .collect();
        let dealt = interleave(&rotation);
        let mut products = Vec::with_capacity(count);
        let mut by_category = vec![Vec::new(); CATEGORIES.len()];
        for index in 0..count {
            let category = dealt[index % dealt.len()];
            let product = make_product(index, category, rng);
            by_category[category].push(index as u32);
            products.push(product);
        }
        let dearest = by_category
            .iter()
            .map(|list| {
                let by_price = |p: &&u32| products[**p as usize].price_cents;
                list.iter().max_by_key(by_price).copied().unwrap_or(0)
            })
            .collect();
        Catalog {
            products,
            by_category,
            dearest,
        }
    }

    /// Picks a product of a category, favouring the first (most popular) ones; `premium` favours
    /// the dearest products of the category instead.
    pub fn pick(&self, category: usize, premium: bool, rng: &mut ChaCha8Rng) -> u32 {
        let list = &self.by_category[category];
        let len = list.len();
        if premium && rng.random_bool(0.5) {
            return self.dearest[category];
        }
        let u: f64 = rng.random();
        list[((u * u * len as f64) as usize).min(len - 1)]
    }

    pub fn price(&self, product: u32) -> i64 {
        self.products[product as usize].price_cents
    }

    pub fn category(&self, product: u32) -> usize {
        self.products[product as usize].category
    }
}

/// Spreads a rotation so that categories alternate rather than come in runs.
fn interleave(rotation: &[usize]) -> Vec<usize> {
    let len = rotation.len();
    // A step coprime with the length visits every slot once.
    let step = (1..len)
        .rev()
        .find(|s| gcd(*s, len) == 1 && *s < len / 2)
        .unwrap_or(1);
    (0..len).map(|i| rotation[(i * step) % len]).collect()
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn make_product(index: usize, category: usize, rng: &mut ChaCha8Rng) -> Product {
    let spec = &CATEGORIES[category];
    let noun = spec.nouns[rng.random_range(0..spec.nouns.len())];
    let price_cents = if category == CAT_GIFT {
        GIFT_CARD_CENTS[index / CATEGORIES.len() % GIFT_CARD_CENTS.len()]
    } else {
        // Prices skew to the cheap end of the range and end in .95 like shop prices do.
        let u: f64 = rng.random();
        let span = (spec.max_cents - spec.min_cents) as f64;
        let raw = spec.min_cents + (u * u * span) as i64;
        raw / 100 * 100 + 95
    };
    let title = if category == CAT_GIFT {
        format!("{} ${}", noun, price_cents / 100)
    } else {
        let adjective = PRODUCT_ADJECTIVES[rng.random_range(0..PRODUCT_ADJECTIVES.len())];
        format!("{adjective} {noun} {}", index + 1)
    };
    let mut tags: Vec<&str> = Vec::new();
    let organic = title.starts_with("Organic") || title.starts_with("Recycled");
    if category == CAT_ECO || organic || rng.random_bool(0.05) {
        tags.push("sustainable");
    }
    if rng.random_bool(0.15) {
        tags.push("bestseller");
    }
    if rng.random_bool(0.10) {
        tags.push("new");
    }
    if category == CAT_GIFT || rng.random_bool(0.05) {
        tags.push("gift");
    }
    if category != CAT_GIFT && rng.random_bool(0.2) {
        tags.push("vegan");
    }
    Product {
        title,
        category,
        price_cents,
        tags: tags.join(","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn small_catalogue_covers_every_category() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let catalog = Catalog::generate(Catalog::size_for(1_000), &mut rng);
        assert_eq!(catalog.products.len(), MIN_PRODUCTS);
        for (category, list) in catalog.by_category.iter().enumerate() {
            assert!(!list.is_empty(), "category {category} has no product");
        }
        for product in &catalog.products {
            let spec = &CATEGORIES[product.category];
            assert!(product.price_cents >= spec.min_cents && product.price_cents <= spec.max_cents);
            if product.category == CAT_ECO {
                assert!(product.tags.contains("sustainable"));
            }
        }
    }
}
