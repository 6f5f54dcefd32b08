//! Who listens to what: each consuming context's queue and the routing keys bound to it.
//!
//! Every role declares the whole table at start, so an event published while its consumer is
//! stopped waits in that consumer's durable queue instead of being dropped as unroutable.

use crate::{
    delivery::{DeliveryCancelled, DeliveryDelivered, DeliveryDispatched, DeliveryPreparing},
    inventory::{ProductChanged, ReservationExpired},
    order::{
        OrderAbandoned, OrderCancelled, OrderPaid, OrderPlaced, OrderRejected, PaymentRequested,
    },
    payment::{PaymentApproved, PaymentDeclined, PaymentRefunded},
    Event,
};

/// One consuming context's durable queue and the events it receives.
#[derive(Clone, Copy, Debug)]
pub struct Subscription {
    /// Queue name without the deployment prefix, e.g. `view`.
    pub queue: &'static str,
    pub routing_keys: &'static [&'static str],
}

/// Inventory turns reservations into sales, or frees them, as the order's fate is decided
/// (or as it turns out the order never came to exist).
pub const INVENTORY: Subscription = Subscription {
    queue: "inventory",
    routing_keys: &[
        PaymentApproved::ROUTING_KEY,
        OrderRejected::ROUTING_KEY,
        OrderCancelled::ROUTING_KEY,
        OrderAbandoned::ROUTING_KEY,
    ],
};

/// Order follows payment, reservation and delivery outcomes (a stopped delivery completes a
/// cancellation whose answer from delivery was lost).
pub const ORDER: Subscription = Subscription {
    queue: "order",
    routing_keys: &[
        PaymentApproved::ROUTING_KEY,
        PaymentDeclined::ROUTING_KEY,
        ReservationExpired::ROUTING_KEY,
        DeliveryPreparing::ROUTING_KEY,
        DeliveryDispatched::ROUTING_KEY,
        DeliveryDelivered::ROUTING_KEY,
        DeliveryCancelled::ROUTING_KEY,
    ],
};

/// Delivery learns what to deliver, starts once it is paid, and stops if the order ends.
pub const DELIVERY: Subscription = Subscription {
    queue: "delivery",
    routing_keys: &[
        OrderPlaced::ROUTING_KEY,
        OrderPaid::ROUTING_KEY,
        OrderRejected::ROUTING_KEY,
        OrderCancelled::ROUTING_KEY,
    ],
};

/// Payment charges placed orders and refunds cancelled or rejected ones.
pub const PAYMENT: Subscription = Subscription {
    queue: "payment",
    routing_keys: &[
        PaymentRequested::ROUTING_KEY,
        OrderCancelled::ROUTING_KEY,
        OrderRejected::ROUTING_KEY,
    ],
};

/// Notification tells customers what they should know.
pub const NOTIFICATION: Subscription = Subscription {
    queue: "notification",
    routing_keys: &[
        OrderPlaced::ROUTING_KEY,
        PaymentApproved::ROUTING_KEY,
        OrderRejected::ROUTING_KEY,
        OrderCancelled::ROUTING_KEY,
        PaymentRefunded::ROUTING_KEY,
        DeliveryPreparing::ROUTING_KEY,
        DeliveryDispatched::ROUTING_KEY,
        DeliveryDelivered::ROUTING_KEY,
    ],
};

/// The view context projects catalog and order facts into its read models.
pub const VIEW: Subscription = Subscription {
    queue: "view",
    routing_keys: &[
        ProductChanged::ROUTING_KEY,
        OrderPlaced::ROUTING_KEY,
        OrderPaid::ROUTING_KEY,
        OrderRejected::ROUTING_KEY,
        OrderCancelled::ROUTING_KEY,
        PaymentApproved::ROUTING_KEY,
        PaymentDeclined::ROUTING_KEY,
        PaymentRefunded::ROUTING_KEY,
        DeliveryPreparing::ROUTING_KEY,
        DeliveryDispatched::ROUTING_KEY,
        DeliveryDelivered::ROUTING_KEY,
        DeliveryCancelled::ROUTING_KEY,
    ],
};

/// Every subscription in the system.
pub const ALL: &[Subscription] = &[INVENTORY, ORDER, PAYMENT, DELIVERY, NOTIFICATION, VIEW];
