//! The payment context: charges placed orders through a [`provider::PaymentProvider`], refunds
//! orders that end after being charged, and never charges an order that ended first.
//!
//! Own database: `migrations/payment/` (only the last four digits of a card, never a number).
//! Rules: [`domain`] (pure). Consumes `order.placed`, `order.cancelled`, `order.rejected`;
//! publishes `payment.approved`, `payment.declined`, `payment.refunded` ([`saga`]); answers the `payment.list` RPC (`queries`).

pub mod domain;
pub mod provider;
mod queries;
pub mod saga;

pub use provider::{tokenize, CardError, FakeProcessor, PaymentProvider};
pub use queries::PaymentQueries;
pub use saga::Payments;

/// This context's migrations, applied to its own database with their own history.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/payment");
