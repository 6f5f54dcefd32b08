//! Events the inventory context publishes about the products it sells.

use crate::{order::OrderLine, Event, Localized, Won};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The current facts about one product, stated whenever any of them changes.
///
/// It carries the whole product rather than a delta, so a consumer can apply it in any order:
/// `revision` grows by one with every change of the product, and a consumer keeps the highest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveStock {
    pub order_id: Uuid,
    pub lines: Vec<StockRequest>,
}

impl ReserveStock {
    pub const KIND: &'static str = "inventory.reserve";
    pub const VERSION: u16 = 1;
}

/// How many of one product an order wants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockRequest {
    pub slug: String,
    pub quantity: i32,
}

/// Inventory's answer to [`ReserveStock`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

impl ReserveStockReply {
    pub const KIND: &'static str = "inventory.reserve.reply";
    pub const VERSION: u16 = 1;
}

/// A reservation was never paid for in time and its stock is free again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationExpired {
    pub order_id: Uuid,
}

impl Event for ReservationExpired {
    const ROUTING_KEY: &'static str = "inventory.reservation_expired";
    const VERSION: u16 = 1;
}

/// RPC `inventory.restock`: staff add arriving stock to a product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestockProduct {
    pub slug: String,
    pub quantity: i64,
    pub reason: String,
    /// Who did it, for the audit trail.
    pub actor: String,
}

impl RestockProduct {
    pub const KIND: &'static str = "inventory.restock";
    pub const VERSION: u16 = 1;
}

/// Inventory's answer to [`RestockProduct`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RestockReply {
    Restocked { on_hand: i32, available: i32 },
    Invalid { field: String, message: String },
    UnknownProduct,
}

impl RestockReply {
    pub const KIND: &'static str = "inventory.restock.reply";
    pub const VERSION: u16 = 1;
}
