//! Messages of the payment context.

use crate::{Event, Won};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The card was charged for the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentApproved {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub payment_id: Uuid,
    pub amount: Won,
    pub last4: String,
}

impl Event for PaymentApproved {
    const ROUTING_KEY: &'static str = "payment.approved";
    const VERSION: u16 = 1;
}

/// The card was not charged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentDeclined {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub payment_id: Uuid,
    /// What the processor said, in words for the customer.
    pub reason: String,
}

impl Event for PaymentDeclined {
    const ROUTING_KEY: &'static str = "payment.declined";
    const VERSION: u16 = 1;
}

/// A charge was paid back to the card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRefunded {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub payment_id: Uuid,
    pub amount: Won,
}

impl Event for PaymentRefunded {
    const ROUTING_KEY: &'static str = "payment.refunded";
    const VERSION: u16 = 1;
}
