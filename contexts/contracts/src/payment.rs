//! Messages of the payment context.

use crate::{Event, Won};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The card was charged for the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// RPC `payment.list`: a customer's payments, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListPayments {
    pub customer_id: Uuid,
}

/// One payment as its customer sees it; the card shows only its last four digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PaymentSummary {
    pub order_id: Uuid,
    pub payment_id: Uuid,
    /// `approved`, `declined`, `cancelled` (never charged) or `refunded`.
    pub status: String,
    pub amount: Option<Won>,
    pub last4: Option<String>,
    /// Why it was declined, in words for the customer.
    pub reason: Option<String>,
    pub refunded: Option<Won>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Payment's answer to [`ListPayments`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListPaymentsReply {
    pub payments: Vec<PaymentSummary>,
}

// Who answers each request, under which kind and version, and with what.
rpc!(ListPayments => ListPaymentsReply, "payment", "payment.list", version 1);
