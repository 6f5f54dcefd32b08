//! The payment context: charges placed orders through a [`provider::PaymentProvider`], voids a
//! charge that went unanswered or whose order ended while it was in flight, refunds orders that
//! end after being charged, and never charges an order that ended first. No call to the card
//! processor runs inside a database transaction (see [`domain`] for the intents).
//!
//! Own database: `migrations/payment/` (only the last four digits of a card, never a number).
//! Rules: [`domain`] (pure). Consumes `order.payment_requested`, `order.cancelled`, `order.rejected`;
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
