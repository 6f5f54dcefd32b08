//! orderHistories: each customer's orders as they see them — order, payment and delivery
//! status and a timeline of every step with its time.
//!
//! Facts may arrive in any order: a status only ever moves forward (by rank), and a fact about
//! an order the view has not seen placed yet is retried until `order.placed` arrives.

use chrono::{DateTime, NaiveDate, Utc};
use contracts::{
    delivery::{DeliveryCancelled, DeliveryDelivered, DeliveryDispatched, DeliveryPreparing},
    order::{OrderCancelled, OrderLine, OrderPaid, OrderPlaced, OrderRejected},
    payment::{PaymentApproved, PaymentDeclined, PaymentRefunded},
    Event,
};
use messaging::{Envelope, HandleError};
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

/// One order in a customer's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrderHistory {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub status: String,
    pub payment_status: String,
    pub delivery_status: String,
    pub total_won: i64,
    #[sqlx(json)]
    pub lines: Vec<OrderLine>,
    pub recipient_name: String,
    pub address: String,
    pub delivery_date: NaiveDate,
    pub time_window: String,
    pub card_message: Option<String>,
    pub card_last4: String,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One step of an order's life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TimelineStep {
    pub step: String,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

const COLUMNS: &str = "order_id, customer_id, status, payment_status, delivery_status, total_won, \
    lines, recipient_name, address, delivery_date, time_window, card_message, card_last4, \
    placed_at, updated_at";

/// How far each status is along; a status never moves to a lower rank. Endings rank highest.
fn rank(status: &str) -> i32 {
    match status {
        "pending" | "placed" | "none" => 0,
        "paid" | "approved" | "declined" => 1,
        "preparing" => 2,
        "out_for_delivery" => 3,
        "delivered" | "refunded" => 4,
        "rejected" | "cancelled" => 5,
        _ => -1,
    }
}

/// The routing keys this projection handles.
pub const HANDLES: &[&str] = &[
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
];

/// Which column a fact moves, to what, and the timeline's words for it.
struct Change {
    order_id: Uuid,
    column: &'static str,
    to: &'static str,
    step: &'static str,
    detail: Option<String>,
}

pub(crate) async fn project(tx: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
    let change = match envelope.kind.as_str() {
        OrderPlaced::ROUTING_KEY => {
            let placed: OrderPlaced = envelope.decode()?;
            insert_placed(tx, &placed).await?;
            Change {
                order_id: placed.order_id,
                column: "status",
                to: "placed",
                step: "placed",
                detail: None,
            }
        }
        OrderPaid::ROUTING_KEY => {
            let paid: OrderPaid = envelope.decode()?;
            change(paid.order_id, "status", "paid", "paid", None)
        }
        OrderRejected::ROUTING_KEY => {
            let rejected: OrderRejected = envelope.decode()?;
            change(
                rejected.order_id,
                "status",
                "rejected",
                "rejected",
                rejected.detail,
            )
        }
        OrderCancelled::ROUTING_KEY => {
            let cancelled: OrderCancelled = envelope.decode()?;
            change(cancelled.order_id, "status", "cancelled", "cancelled", None)
        }
        PaymentApproved::ROUTING_KEY => {
            let approved: PaymentApproved = envelope.decode()?;
            let detail = format!("card ending {}", approved.last4);
            change(
                approved.order_id,
                "payment_status",
                "approved",
                "payment_approved",
                Some(detail),
            )
        }
        PaymentDeclined::ROUTING_KEY => {
            let declined: PaymentDeclined = envelope.decode()?;
            change(
                declined.order_id,
                "payment_status",
                "declined",
                "payment_declined",
                Some(declined.reason),
            )
        }
        PaymentRefunded::ROUTING_KEY => {
            let refunded: PaymentRefunded = envelope.decode()?;
            change(
                refunded.order_id,
                "payment_status",
                "refunded",
                "refunded",
                None,
            )
        }
        DeliveryPreparing::ROUTING_KEY => {
            let fact: DeliveryPreparing = envelope.decode()?;
            change(
                fact.order_id,
                "delivery_status",
                "preparing",
                "preparing",
                None,
            )
        }
        DeliveryDispatched::ROUTING_KEY => {
            let fact: DeliveryDispatched = envelope.decode()?;
            change(
                fact.order_id,
                "delivery_status",
                "out_for_delivery",
                "out_for_delivery",
                None,
            )
        }
        DeliveryDelivered::ROUTING_KEY => {
            let fact: DeliveryDelivered = envelope.decode()?;
            change(
                fact.order_id,
                "delivery_status",
                "delivered",
                "delivered",
                None,
            )
        }
        DeliveryCancelled::ROUTING_KEY => {
            let fact: DeliveryCancelled = envelope.decode()?;
            change(
                fact.order_id,
                "delivery_status",
                "cancelled",
                "delivery_cancelled",
                None,
            )
        }
        other => {
            return Err(HandleError::Reject(anyhow::anyhow!(
                "orderHistories does not project {other}"
            )))
        }
    };
    apply(tx, envelope, change).await
}

fn change(
    order_id: Uuid,
    column: &'static str,
    to: &'static str,
    step: &'static str,
    detail: Option<String>,
) -> Change {
    Change {
        order_id,
        column,
        to,
        step,
        detail,
    }
}

async fn insert_placed(tx: &mut PgConnection, placed: &OrderPlaced) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_histories (order_id, customer_id, status, payment_status,
             delivery_status, total_won, lines, recipient_name, address, delivery_date,
             time_window, card_message, card_last4, placed_at, updated_at)
         VALUES ($1, $2, 'placed', 'pending', 'none', $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(placed.order_id)
    .bind(placed.customer_id)
    .bind(placed.total.0)
    .bind(sqlx::types::Json(&placed.lines))
    .bind(&placed.recipient.name)
    .bind(&placed.address)
    .bind(placed.delivery_date)
    .bind(placed.window.as_str())
    .bind(&placed.card_message)
    .bind(&placed.card_last4)
    .bind(placed.placed_at)
    .execute(tx)
    .await?;
    Ok(())
}

async fn apply(
    tx: &mut PgConnection,
    envelope: &Envelope,
    change: Change,
) -> Result<(), HandleError> {
    let current: Option<String> = sqlx::query_scalar(&format!(
        "SELECT {} FROM order_histories WHERE order_id = $1 FOR UPDATE",
        change.column
    ))
    .bind(change.order_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(current) = current else {
        return Err(HandleError::Retry(anyhow::anyhow!(
            "{} for order {} arrived before order.placed",
            envelope.kind,
            change.order_id
        )));
    };
    if rank(change.to) > rank(&current) {
        sqlx::query(&format!(
            "UPDATE order_histories SET {} = $2, updated_at = now() WHERE order_id = $1",
            change.column
        ))
        .bind(change.order_id)
        .bind(change.to)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO order_timeline (message_id, order_id, step, detail, at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(envelope.id)
    .bind(change.order_id)
    .bind(change.step)
    .bind(change.detail)
    .bind(envelope.timestamp)
    .execute(tx)
    .await?;
    Ok(())
}

/// Queries over orderHistories.
impl crate::ReadModels {
    /// A customer's orders, newest first.
    pub async fn order_histories(
        &self,
        customer_id: Uuid,
    ) -> Result<Vec<OrderHistory>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM order_histories WHERE customer_id = $1 ORDER BY placed_at DESC"
        ))
        .bind(customer_id)
        .fetch_all(self.pool())
        .await
    }

    /// One order with its timeline, oldest step first.
    pub async fn order_history(
        &self,
        order_id: Uuid,
    ) -> Result<Option<(OrderHistory, Vec<TimelineStep>)>, sqlx::Error> {
        let Some(order) = sqlx::query_as::<_, OrderHistory>(&format!(
            "SELECT {COLUMNS} FROM order_histories WHERE order_id = $1"
        ))
        .bind(order_id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let timeline = sqlx::query_as(
            "SELECT step, detail, at FROM order_timeline WHERE order_id = $1 ORDER BY at, message_id",
        )
        .bind(order_id)
        .fetch_all(self.pool())
        .await?;
        Ok(Some((order, timeline)))
    }
}

#[cfg(test)]
mod tests {
    use super::rank;

    #[test]
    fn statuses_only_move_forward_and_endings_win() {
        assert!(rank("paid") > rank("placed"));
        assert!(rank("delivered") > rank("out_for_delivery"));
        assert!(rank("cancelled") > rank("delivered"));
        assert!(rank("refunded") > rank("approved"));
        assert!(rank("approved") > rank("pending"));
    }
}
