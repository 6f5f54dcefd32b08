//! The inventory context: what the shop sells, at what price, and how much of it is on hand.
//!
//! It owns its own PostgreSQL database (`migrations/inventory/`), decides restocks in the pure
//! [`domain`] and [`reservation`] modules, takes part in the order saga through [`saga`], answers staff in
//! `catalog`, stores everything with an audit trail in `store`, and states every change of a
//! product as a `contracts::inventory::ProductChanged` event through its outbox.

mod catalog;
pub mod domain;
pub mod reservation;
mod reservations;
pub mod saga;
mod store;

pub use domain::{NewProduct, ProductError, Restock};
pub use store::{Inventory, Product, RestockError};

/// This context's migrations, applied to its own database with their own history.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/inventory");

/// The demo catalog loaded on first start: a Korean florist's everyday range.
pub fn demo_catalog() -> Vec<NewProduct> {
    domain::parse_catalog(include_str!("../demo-catalog.json"))
        .expect("the bundled demo catalog is valid (checked by a unit test)")
}
