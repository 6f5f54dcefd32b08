//! Events the inventory context publishes about the products it sells.

use crate::{Event, Localized, Won};
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
