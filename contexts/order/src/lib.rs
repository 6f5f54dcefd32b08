//! The order context: it accepts an order once inventory holds its stock, follows the order
//! through payment and delivery, and decides whether it may still be cancelled.
//!
//! Own database: `migrations/order/`. Rules: [`domain`] (pure). Operations: [`Orders`].
//! Publishes `order.placed` with `order.payment_requested` (the card, for payment alone), `order.paid`, `order.rejected`, `order.cancelled`, and
//! `order.abandoned` for an order whose stock was reserved but which was never stored; consumes
//! payment and reservation outcomes and delivery's progress, `delivery.cancelled` completing a
//! cancellation whose answer was lost ([`saga`]); asks inventory through [`inventory_client`].

pub mod domain;
pub mod inventory_client;
mod rpc_server;
pub mod saga;
mod service;
mod store;

pub use inventory_client::{BreakerSettings, InventoryClient, InventoryUnavailable};
pub use rpc_server::OrderCommands;
pub use service::{CancelError, Orders, PlaceError, PlaceOrder, Placed};
pub use store::OrderRow;

/// This context's migrations, applied to its own database with their own history.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/order");
