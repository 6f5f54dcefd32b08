//! Who listens to what: each consuming context's queue and the routing keys bound to it.
//!
//! Every role declares the whole table at start, so an event published while its consumer is
//! stopped waits in that consumer's durable queue instead of being dropped as unroutable.

use crate::{inventory::ProductChanged, Event};

/// One consuming context's durable queue and the events it receives.
#[derive(Clone, Copy, Debug)]
pub struct Subscription {
    /// Queue name without the deployment prefix, e.g. `view`.
    pub queue: &'static str,
    pub routing_keys: &'static [&'static str],
}

/// The view context projects catalog facts into its read models.
pub const VIEW: Subscription = Subscription {
    queue: "view",
    routing_keys: &[ProductChanged::ROUTING_KEY],
};

/// Every subscription in the system.
pub const ALL: &[Subscription] = &[VIEW];
