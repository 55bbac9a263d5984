//! Choosing how to read a file from the requested kind and its header: the generic layout of
//! that kind, or a Shopify export recognised by its column names.

use super::customers::{customers_layout, products_layout};
use super::entity::EntityLayout;
use super::events::EventsLayout;
use super::header::Header;
use super::items::ItemsLayout;
use super::orders::OrdersLayout;
use super::shopify_customers::{is_shopify_customers, shopify_customers_layout};
use super::shopify_orders::{is_shopify_orders, ShopifyOrdersLayout};
use super::shopify_products::{is_shopify_products, ShopifyProductsLayout};
use super::summary::DetectedFormat;
use super::ImportKind;

/// The resolved columns of a file, ready to build its importer.
pub enum Layout {
    Entity(EntityLayout),
    Orders(OrdersLayout),
    Items(ItemsLayout),
    Events(EventsLayout),
    ShopifyOrders(ShopifyOrdersLayout),
    ShopifyProducts(ShopifyProductsLayout),
}

impl Layout {
    /// The table the file's rows are written to.
    pub fn main_table(&self) -> &'static str {
        match self {
            Layout::Entity(l) => l.table,
            Layout::ShopifyProducts(_) => "products",
            Layout::Orders(_) | Layout::ShopifyOrders(_) => "orders",
            Layout::Items(_) => "order_items",
            Layout::Events(_) => "events",
        }
    }

    /// True when the importer can load an empty main table without its unique indexes,
    /// because it never looks rows of that table up by key: the Shopify orders import looks
    /// orders up by name, and the Shopify customers import adopts customers by email.
    pub fn supports_bulk(&self) -> bool {
        match self {
            Layout::Entity(l) => l.adopt_by_email.is_none(),
            Layout::Orders(_) | Layout::Items(_) | Layout::Events(_) => true,
            Layout::ShopifyOrders(_) | Layout::ShopifyProducts(_) => false,
        }
    }
}

/// Why a header cannot be imported as the requested kind.
pub enum LayoutError {
    Missing(Vec<String>),
    WrongKind {
        detected: &'static str,
        expected: &'static str,
    },
}

pub fn layout(
    kind: ImportKind,
    header: &mut Header,
) -> Result<(DetectedFormat, Layout), LayoutError> {
    let shopify_orders = is_shopify_orders(header);
    let shopify_customers = !shopify_orders && is_shopify_customers(header);
    let shopify_products = !shopify_orders && !shopify_customers && is_shopify_products(header);
    match kind {
        ImportKind::Customers if shopify_customers => Ok((
            DetectedFormat::ShopifyCustomers,
            Layout::Entity(shopify_customers_layout(header).map_err(LayoutError::Missing)?),
        )),
        ImportKind::Orders if shopify_orders => Ok((
            DetectedFormat::ShopifyOrders,
            Layout::ShopifyOrders(
                ShopifyOrdersLayout::from_header(header).map_err(LayoutError::Missing)?,
            ),
        )),
        ImportKind::Products if shopify_products => Ok((
            DetectedFormat::ShopifyProducts,
            Layout::ShopifyProducts(
                ShopifyProductsLayout::from_header(header).map_err(LayoutError::Missing)?,
            ),
        )),
        _ if shopify_products => Err(LayoutError::WrongKind {
            detected: "Shopify products export",
            expected: "products",
        }),
        _ if shopify_orders => Err(LayoutError::WrongKind {
            detected: "Shopify orders export",
            expected: "orders",
        }),
        _ if shopify_customers => Err(LayoutError::WrongKind {
            detected: "Shopify customers export",
            expected: "customers",
        }),
        ImportKind::Customers => Ok((
            generic(),
            Layout::Entity(customers_layout(header).map_err(LayoutError::Missing)?),
        )),
        ImportKind::Products => Ok((
            generic(),
            Layout::Entity(products_layout(header).map_err(LayoutError::Missing)?),
        )),
        ImportKind::Orders => Ok((
            generic(),
            Layout::Orders(OrdersLayout::from_header(header).map_err(LayoutError::Missing)?),
        )),
        ImportKind::Items => Ok((
            generic(),
            Layout::Items(ItemsLayout::from_header(header).map_err(LayoutError::Missing)?),
        )),
        ImportKind::Events => Ok((
            generic(),
            Layout::Events(EventsLayout::from_header(header).map_err(LayoutError::Missing)?),
        )),
    }
}

fn generic() -> DetectedFormat {
    DetectedFormat::Generic
}
