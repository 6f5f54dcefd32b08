//! Petal's wire contracts: the integration events contexts publish to each other, their routing
//! keys and versions, and which context subscribes to which. Data only: no I/O, no behaviour
//! beyond formatting, so the browser build can share these types too.

pub mod delivery;
pub mod inventory;
pub mod live;
mod money;
pub mod notification;
pub mod order;
pub mod payment;
pub mod rules;
pub mod subscriptions;

pub use money::Won;

use serde::{de::DeserializeOwned, Serialize};

/// An integration event: a fact one context states and others may react to.
///
/// The routing key doubles as the AMQP `type` property; `VERSION` travels in the
/// `event_version` header so a consumer can tell an old payload shape from a new one.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Routing key on the events exchange, `<context>.<fact>` in the past tense.
    const ROUTING_KEY: &'static str;
    /// Version of the payload shape; bump it when a field changes meaning or goes away.
    const VERSION: u16;
}

/// A text in the two languages the shop speaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Localized {
    pub ko: String,
    pub en: String,
}
