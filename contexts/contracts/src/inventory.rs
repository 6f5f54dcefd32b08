//! Events the inventory context publishes about the products it sells.

use crate::{order::OrderLine, Event, Localized, Won};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The current facts about one product, stated whenever any of them changes.
///
/// It carries the whole product rather than a delta, so a consumer can apply it in any order:
/// `revision` grows by one with every change of the product, and a consumer keeps the highest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProductChanged {
    pub product_id: Uuid,
    pub slug: String,
    pub name: Localized,
    pub description: Localized,
    pub price: Won,
    /// Stock on hand in the shop.
    pub on_hand: i32,
    /// What a customer may still order: on hand minus what is reserved.
    pub available: i32,
    /// Path of the product's picture under the site root, e.g. `/flowers/red-roses.svg`.
    pub picture: String,
    pub revision: i64,
}

impl Event for ProductChanged {
    const ROUTING_KEY: &'static str = "inventory.product_changed";
    const VERSION: u16 = 1;
}

/// RPC `inventory.reserve`: hold stock for an order until it is paid or `hold_until` passes.
///
/// Asking again for the same order returns the same reservation, so a caller may retry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReserveStock {
    pub order_id: Uuid,
    pub lines: Vec<StockRequest>,
}

/// How many of one product an order wants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StockRequest {
    pub slug: String,
    pub quantity: i32,
}

/// Inventory's answer to [`ReserveStock`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ReserveStockReply {
    /// Held, priced at today's prices.
    Reserved {
        lines: Vec<OrderLine>,
        total: Won,
        expires_at: DateTime<Utc>,
    },
    /// Not enough of `slug`: only `available` can be ordered now.
    Insufficient {
        slug: String,
        name: Localized,
        requested: i32,
        available: i32,
    },
    /// No product has this slug.
    UnknownProduct { slug: String },
    /// The request breaks a limit (number of lines, quantity per line).
    Invalid { problem: String },
}

/// A reservation was never paid for in time and its stock is free again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReservationExpired {
    pub order_id: Uuid,
}

impl Event for ReservationExpired {
    const ROUTING_KEY: &'static str = "inventory.reservation_expired";
    const VERSION: u16 = 1;
}

/// RPC `inventory.catalog`: staff look after the catalog (through web); `actor` is recorded
/// with every change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CatalogRequest {
    pub actor: String,
    pub command: CatalogCommand,
}

/// What staff can ask of the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum CatalogCommand {
    /// Every product with its stock levels.
    List,
    /// Every recorded change of one product, newest first.
    History { slug: String },
    /// Stock arrived. The same `request_id` sent again (a retry) adds nothing twice.
    Restock {
        slug: String,
        quantity: i64,
        reason: String,
        #[serde(default)]
        request_id: Option<Uuid>,
    },
    /// A new price from now on; reservations already made keep theirs.
    ChangePrice {
        slug: String,
        price_won: i64,
        reason: String,
    },
    /// A flower the shop starts selling.
    Add {
        slug: String,
        name: Localized,
        description: Localized,
        price_won: i64,
        on_hand: i64,
        /// One of the shop's drawings, e.g. `/flowers/red-rose-bouquet.svg`, unless `photo`.
        #[serde(default)]
        picture: String,
        /// An uploaded PNG or JPEG as a `data:` URL; served at `/pictures/<slug>`.
        #[serde(default)]
        photo: Option<String>,
    },
    /// The uploaded photo of a product, for serving it.
    Photo { slug: String },
}

/// A product as staff see it: what is on the shelf, what is held for unpaid orders, and what
/// customers may still order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StockLevel {
    pub slug: String,
    pub name: Localized,
    pub price: Won,
    pub on_hand: i32,
    pub reserved: i32,
    pub available: i32,
    pub picture: String,
    /// Few enough left that staff should reorder.
    pub low_stock: bool,
}

/// One recorded change of a product: who, when, why, and what changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub reason: String,
    /// Items added (+) or taken (-) from the shelf; absent for a price change.
    pub stock_delta: Option<i32>,
    pub on_hand_after: Option<i32>,
    /// The price before and after, for a price change.
    pub price_before: Option<Won>,
    pub price_after: Option<Won>,
    /// The order that sold or returned the items, if any.
    pub order_id: Option<Uuid>,
}

/// Inventory's answer to [`CatalogRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CatalogReply {
    Products {
        products: Vec<StockLevel>,
    },
    History {
        entries: Vec<HistoryEntry>,
    },
    Changed {
        product: StockLevel,
    },
    Invalid {
        field: String,
        message: String,
    },
    UnknownProduct,
    /// The slug of a new product is taken.
    Taken,
    /// An uploaded photo, base64-encoded.
    Photo {
        content_type: String,
        data_base64: String,
    },
}

// Who answers each request, under which kind and version, and with what.
rpc!(ReserveStock => ReserveStockReply, "inventory", "inventory.reserve", version 1);
rpc!(CatalogRequest => CatalogReply, "inventory", "inventory.catalog", version 1);
