//! RabbitMQ plumbing every Petal context reuses, and nothing of flowers: the message
//! [`Envelope`], a [`Broker`] connection that recovers by itself, the [`Topology`] of exchanges and
//! quorum queues, the transactional [`outbox`] and its confirmed relay, and the [`consumer`] loop
//! that acks only after its inbox transaction commits.
//!
//! Start with [`outbox::stage_event`] (how a context publishes) and [`consumer::Consumer`] (how one
//! listens); [`rpc`] is the request/response path for the few questions that need an answer now;
//! [`live`] carries transient nudges to open pages.

mod broker;
pub mod consumer;
mod envelope;
mod handling;
mod health;
pub mod inbox;
pub mod live;
pub mod outbox;
pub mod parking;
pub mod rpc;
mod topology;

pub use broker::{close_channel, Broker, BrokerError};
pub use consumer::{Apply, Consumer, HandleError};
pub use envelope::{Envelope, EnvelopeError};
pub use handling::Applied;
pub use health::WorkerStatus;
pub use inbox::{Handler, MySqlHandler, MySqlInbox, PgInbox};
pub use topology::Topology;

/// A uniform draw in `0..1` from a random UUID's bits, for the fault switches of tests and
/// chaos runs (no random-number crate for that alone).
pub fn random_fraction() -> f64 {
    (uuid::Uuid::new_v4().as_u128() >> 64) as f64 / u64::MAX as f64
}
