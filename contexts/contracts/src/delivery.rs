//! Messages of the delivery context.

use crate::{order::TimeWindow, progress::DeliveryStatus, Event};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The florist started preparing a paid order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeliveryPreparing {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub delivery_id: Uuid,
    pub at: DateTime<Utc>,
}

impl Event for DeliveryPreparing {
    const ROUTING_KEY: &'static str = "delivery.preparing";
    const VERSION: u16 = 1;
}

/// The flowers left the shop with a courier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeliveryDispatched {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub delivery_id: Uuid,
    pub at: DateTime<Utc>,
    /// The member of staff who did it (their email); absent in messages written before it
    /// was carried, which still read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

impl Event for DeliveryDispatched {
    const ROUTING_KEY: &'static str = "delivery.dispatched";
    const VERSION: u16 = 1;
}

/// The recipient has the flowers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeliveryDelivered {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub delivery_id: Uuid,
    pub at: DateTime<Utc>,
    /// The member of staff who did it (their email); absent in messages written before it
    /// was carried, which still read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

impl Event for DeliveryDelivered {
    const ROUTING_KEY: &'static str = "delivery.delivered";
    const VERSION: u16 = 1;
}

/// The delivery of an order was stopped (the order was cancelled or rejected); nothing will be
/// prepared or sent. Published even when `delivery.cancel`'s answer never reached order, so the
/// cancellation still completes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeliveryCancelled {
    pub order_id: Uuid,
    /// `None` when delivery was told to stop before it heard of the order.
    pub customer_id: Option<Uuid>,
    pub delivery_id: Uuid,
    pub at: DateTime<Utc>,
}

impl Event for DeliveryCancelled {
    const ROUTING_KEY: &'static str = "delivery.cancelled";
    const VERSION: u16 = 1;
}

/// RPC `delivery.cancel`: stop the delivery of an order unless it already left the shop.
/// Also answered for orders delivery has not heard of yet: they will never be prepared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CancelDelivery {
    pub order_id: Uuid,
}

/// Delivery's answer to [`CancelDelivery`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CancelDeliveryReply {
    Cancelled,
    AlreadyLeft,
    AlreadyDelivered,
}

/// RPC `delivery.advance`: a staff member sends the flowers out or marks them delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdvanceDelivery {
    pub order_id: Uuid,
    /// `dispatch` or `deliver`.
    pub step: String,
    /// Who did it, for the delivery's history.
    pub actor: String,
}

/// Delivery's answer to [`AdvanceDelivery`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AdvanceDeliveryReply {
    Advanced { status: String },
    NotFound,
    Refused { reason: String },
}

/// RPC `delivery.schedule`: staff ask which deliveries are due from `from` on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListDeliveries {
    pub from: NaiveDate,
}

/// A delivery as staff see it: who gets what, where, when, and how far it has come.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScheduledDelivery {
    pub order_id: Uuid,
    /// `Preparing`, `OutForDelivery` or `Delivered`.
    pub status: DeliveryStatus,
    pub recipient_name: String,
    pub recipient_phone: String,
    pub address: String,
    pub delivery_date: NaiveDate,
    pub window: TimeWindow,
    pub card_message: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Delivery's answer to [`ListDeliveries`], by date and window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ListDeliveriesReply {
    pub deliveries: Vec<ScheduledDelivery>,
}

// Who answers each request, under which kind and version, and with what.
rpc!(CancelDelivery => CancelDeliveryReply, "delivery", "delivery.cancel", version 1);
rpc!(AdvanceDelivery => AdvanceDeliveryReply, "delivery", "delivery.advance", version 1);
rpc!(ListDeliveries => ListDeliveriesReply, "delivery", "delivery.schedule", version 1);
