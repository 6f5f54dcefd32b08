//! Order's part in the saga: it follows payment and reservation outcomes and tells the shop.

use crate::{
    domain::{DeliveryFact, Status},
    store::{abandon, change_status, lock_order, lock_order_id, record_status},
};
use contracts::{
    delivery::{DeliveryCancelled, DeliveryDelivered, DeliveryDispatched, DeliveryPreparing},
    inventory::ReservationExpired,
    order::{OrderCancelled, OrderPaid, OrderRejected, RejectionReason},
    payment::{PaymentApproved, PaymentDeclined},
    Event,
};
use messaging::{Envelope, HandleError, Handler};
use sqlx::PgConnection;
use uuid::Uuid;

/// The queue name of order's consumer and RPC server.
pub const CONTEXT: &str = contracts::subscriptions::ORDER.queue;
/// Who order asks to reserve stock.
pub const INVENTORY: &str = contracts::subscriptions::INVENTORY.queue;
/// Who order asks to stop a delivery.
pub const DELIVERY: &str = contracts::subscriptions::DELIVERY.queue;

/// Follows payment and reservation outcomes.
pub struct FollowOutcomes;

impl Handler for FollowOutcomes {
    async fn handle(&self, tx: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
        match envelope.kind.as_str() {
            PaymentApproved::ROUTING_KEY => {
                let approved: PaymentApproved = envelope.decode()?;
                let Some(order) = known_order(tx, approved.order_id).await? else {
                    return Ok(());
                };
                if let Some(next) = order.status().on_payment_approved() {
                    let event = OrderPaid {
                        order_id: order.id,
                        customer_id: order.customer_id,
                    };
                    change_status(tx, &order, next, Some("payment approved"), &event).await?;
                }
                Ok(())
            }
            PaymentDeclined::ROUTING_KEY => {
                let declined: PaymentDeclined = envelope.decode()?;
                reject(
                    tx,
                    declined.order_id,
                    RejectionReason::PaymentDeclined,
                    Some(declined.reason),
                )
                .await
            }
            ReservationExpired::ROUTING_KEY => {
                let expired: ReservationExpired = envelope.decode()?;
                // An order never stored by now never will be: give it up, freeing its stock.
                lock_order_id(tx, expired.order_id).await?;
                if abandon(
                    tx,
                    expired.order_id,
                    "its reservation ran out before it was stored",
                )
                .await?
                {
                    return Ok(());
                }
                reject(
                    tx,
                    expired.order_id,
                    RejectionReason::ReservationExpired,
                    None,
                )
                .await
            }
            DeliveryPreparing::ROUTING_KEY => {
                let fact: DeliveryPreparing = envelope.decode()?;
                follow_delivery(tx, fact.order_id, DeliveryFact::Preparing).await
            }
            DeliveryDispatched::ROUTING_KEY => {
                let fact: DeliveryDispatched = envelope.decode()?;
                follow_delivery(tx, fact.order_id, DeliveryFact::Dispatched).await
            }
            DeliveryDelivered::ROUTING_KEY => {
                let fact: DeliveryDelivered = envelope.decode()?;
                follow_delivery(tx, fact.order_id, DeliveryFact::Delivered).await
            }
            DeliveryCancelled::ROUTING_KEY => {
                let fact: DeliveryCancelled = envelope.decode()?;
                complete_cancellation(tx, fact.order_id).await
            }
            other => Err(HandleError::Reject(anyhow::anyhow!(
                "order does not subscribe to {other}"
            ))),
        }
    }
}

/// An order id order has never stored: a reservation made for an order whose placement then
/// failed. There is nothing to follow.
async fn known_order(
    tx: &mut PgConnection,
    order_id: Uuid,
) -> Result<Option<crate::store::OrderRow>, HandleError> {
    Ok(lock_order(tx, order_id).await?)
}

async fn reject(
    tx: &mut PgConnection,
    order_id: Uuid,
    reason: RejectionReason,
    detail: Option<String>,
) -> Result<(), HandleError> {
    let Some(order) = known_order(tx, order_id).await? else {
        return Ok(());
    };
    let Some(next) = order.status().on_payment_failed() else {
        return Ok(());
    };
    debug_assert_eq!(next, Status::Rejected);
    let note = match reason {
        RejectionReason::PaymentDeclined => detail.clone().unwrap_or_else(|| "declined".into()),
        RejectionReason::ReservationExpired => "not paid in time".into(),
    };
    let event = OrderRejected {
        order_id: order.id,
        customer_id: order.customer_id,
        reason,
        detail,
    };
    change_status(tx, &order, next, Some(&note), &event).await?;
    Ok(())
}

/// Delivery's progress becomes the order's status; the rest of the shop already heard it
/// from delivery, so nothing is published.
async fn follow_delivery(
    tx: &mut PgConnection,
    order_id: Uuid,
    fact: DeliveryFact,
) -> Result<(), HandleError> {
    let Some(order) = known_order(tx, order_id).await? else {
        return Err(HandleError::Retry(anyhow::anyhow!(
            "delivery of order {order_id} moved before order stored it"
        )));
    };
    if let Some(next) = order.status().on_delivery(fact) {
        record_status(tx, &order, next, None).await?;
    }
    Ok(())
}

/// Delivery stopped an order's delivery. Delivery stops one only when the order ends, so an
/// order still open here is one whose customer cancelled and whose answer from delivery was
/// lost on the way: the cancellation completes now (refund, stock, message follow from
/// `order.cancelled`). An order already ended, or never stored, needs nothing.
async fn complete_cancellation(tx: &mut PgConnection, order_id: Uuid) -> Result<(), HandleError> {
    let Some(order) = known_order(tx, order_id).await? else {
        return Ok(());
    };
    let status = order.status();
    let Ok(next) = status.cancel() else {
        return Ok(());
    };
    let event = OrderCancelled {
        order_id,
        customer_id: order.customer_id,
        was_paid: status.is_paid(),
    };
    change_status(
        tx,
        &order,
        next,
        Some("cancelled by the customer (completed when delivery confirmed it)"),
        &event,
    )
    .await?;
    Ok(())
}
