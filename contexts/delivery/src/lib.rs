//! The delivery context: what to deliver to whom, where and when, and how far it has come:
//! pending → preparing (paid) → out for delivery → delivered, or cancelled before it leaves.
//!
//! Own database: `migrations/delivery/`. Rules: [`domain`] (pure). Consumes `order.placed`,
//! `order.paid`, `order.rejected`, `order.cancelled`; publishes `delivery.preparing`,
//! `delivery.dispatched`, `delivery.delivered`, `delivery.cancelled`; answers the
//! `delivery.cancel` RPC.

pub mod domain;
mod service;

pub use domain::{Refused, Status, Step};
pub use service::{AdvanceError, Deliveries, Delivery, DeliveryCommands, FollowOrders, CONTEXT};

/// This context's migrations, applied to its own database with their own history.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/delivery");
