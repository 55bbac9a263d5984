//! Recognising and mapping Shopify's products export, so that the line items of an orders
//! export carry their product's category, tags and price.
//!
//! The export has one row per variant: `Handle,Title,Body (HTML),Vendor,Product Category,Type,
//! Tags,Published,Option1 Name,Option1 Value,...,Variant SKU,...,Variant Price,...`. Like the
//! orders export, only a product's first row carries Title, Body, Vendor, Category, Type and
//! Tags; its further variants repeat the Handle with their option values and `Variant *`
//! columns, and rows holding only an extra image have neither a SKU nor a price.
//!
//! Mapping, one product per variant, keyed as the orders export keys a line's product:
//! `Variant SKU`, or when it is empty the line item name Shopify writes for that variant
//! (`Title`, or `Title - Option1 / Option2` when the variant has options other than Shopify's
//! `Default Title`). `Type` → category (the merchant's own word), else the last step of
//! `Product Category` (`... > Drinkware > Mugs` → `Mugs`); `Variant Price` → price; `Tags` →
//! tags. A product an orders import created from a line before the products export came (keyed
//! by that line name) is adopted under the SKU, keeping its lines.

use std::collections::HashMap;

use rusqlite::{Connection, Statement};

use super::bulk::Key;
use super::cell::{parse_cents, tags_json};
use super::error::RowFailure;
use super::header::{parse_opt, Header, Row};
use super::upsert::{Col, Outcome, Upsert};

/// True when the header is Shopify's products export.
pub fn is_shopify_products(header: &Header) -> bool {
    header.has("handle") && header.has("title") && header.has("variant price")
}

/// The column indexes of a Shopify products export.
pub struct ShopifyProductsLayout {
    handle: usize,
    title: usize,
    category: Option<usize>,
    kind: Option<usize>,
    tags: Option<usize>,
    options: Vec<usize>,
    sku: Option<usize>,
    price: usize,
}

impl ShopifyProductsLayout {
    pub fn from_header(header: &mut Header) -> Result<Self, Vec<String>> {
        let handle = header.find("handle");
        let title = header.find("title");
        let price = header.find("variant price");
        let (Some(handle), Some(title), Some(price)) = (handle, title, price) else {
            return Err([
                ("Handle", handle),
                ("Title", title),
                ("Variant Price", price),
            ]
            .iter()
            .filter(|(_, i)| i.is_none())
            .map(|(n, _)| (*n).to_owned())
            .collect());
        };
        Ok(ShopifyProductsLayout {
            handle,
            title,
            category: header.find("product category"),
            kind: header.find("type"),
            tags: header.find("tags"),
            options: ["option1 value", "option2 value", "option3 value"]
                .iter()
                .filter_map(|name| header.find(name))
                .collect(),
            sku: header.find("variant sku"),
            price,
        })
    }
}

/// What a product's first row says for all its variants.
struct ProductColumns {
    title: String,
    category: Option<String>,
    tags: String,
}

pub struct ShopifyProductsImporter<'c> {
    layout: ShopifyProductsLayout,
    upsert: Upsert<'c>,
    adopt: Statement<'c>,
    /// Handle → the columns of that product's first row in this file.
    products: HashMap<String, ProductColumns>,
}

impl<'c> ShopifyProductsImporter<'c> {
    pub fn new(conn: &'c Connection, layout: ShopifyProductsLayout) -> rusqlite::Result<Self> {
        let cols = ["external_id", "title", "category", "price", "tags"].map(Col::plain);
        Ok(ShopifyProductsImporter {
            upsert: Upsert::new(conn, "products", &["external_id"], &cols)?,
            adopt: conn.prepare(
                "UPDATE products SET external_id = ?1 WHERE external_id = ?2 \
                 AND NOT EXISTS (SELECT 1 FROM products WHERE external_id = ?1)",
            )?,
            products: HashMap::new(),
            layout,
        })
    }

    pub fn import(&mut self, row: &Row) -> Result<Outcome, RowFailure> {
        let l = &self.layout;
        let handle = row.required(l.handle, "Handle")?;
        if let Some(title) = row.opt(Some(l.title)) {
            let category = row
                .opt(l.kind)
                .or_else(|| row.opt(l.category).and_then(|c| c.rsplit('>').next()))
                .map(|c| c.trim().to_owned());
            let tags = tags_json(row.get(l.tags));
            let columns = ProductColumns {
                title: title.to_owned(),
                category,
                tags,
            };
            self.products.insert(handle.to_owned(), columns);
        }
        let sku = row.opt(l.sku);
        let price = parse_opt(row.opt(Some(l.price)), "Variant Price", parse_cents)?;
        let Some(price) = price else {
            if sku.is_none() {
                // A row that adds only an image to the product above.
                return Ok(Outcome::Unchanged);
            }
            return Err(format!(
                "column Variant Price is empty for variant {}; fill in its price, such as 19.99",
                sku.unwrap_or(handle)
            )
            .into());
        };
        let product = self.products.get(handle).ok_or_else(|| {
            format!("variant of product {handle} has no row with its Title above it in this file; export the product again with all its rows, or move its first row above this one")
        })?;
        let options: Vec<&str> = l
            .options
            .iter()
            .filter_map(|&i| row.opt(Some(i)))
            .filter(|v| *v != "Default Title")
            .collect();
        let line_name = if options.is_empty() {
            product.title.clone()
        } else {
            format!("{} - {}", product.title, options.join(" / "))
        };
        let key = match sku {
            Some(sku) => {
                self.adopt.execute((sku, &line_name))?;
                sku
            }
            None => line_name.as_str(),
        };
        let (outcome, _) = self.upsert.write(Key::Text(key), |b| {
            b.bind(key)?
                .bind(line_name.as_str())?
                .bind(product.category.as_deref())?
                .bind(price)?
                .bind(product.tags.as_str())?;
            Ok(())
        })?;
        Ok(outcome)
    }
}
