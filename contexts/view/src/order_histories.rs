//! orderHistories: each customer's orders as they see them — order, payment and delivery
//! status and a timeline of every step with its time.
//!
//! Facts may arrive in any order: a status only ever moves forward (by rank), and a fact about
//! an order the view has not seen placed yet is retried until `order.placed` arrives.

use chrono::{DateTime, NaiveDate, Utc};
use contracts::{
    delivery::{DeliveryCancelled, DeliveryDelivered, DeliveryDispatched, DeliveryPreparing},
    order::{OrderCancelled, OrderLine, OrderPaid, OrderPlaced, OrderRejected, TimeWindow},
    payment::{PaymentApproved, PaymentDeclined, PaymentRefunded},
    progress::{DeliveryStatus, OrderStatus, PaymentStatus, Step},
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
    #[sqlx(try_from = "String")]
    pub status: OrderStatus,
    #[sqlx(try_from = "String")]
    pub payment_status: PaymentStatus,
    #[sqlx(try_from = "String")]
    pub delivery_status: DeliveryStatus,
    pub total_won: i64,
    #[sqlx(json)]
    pub lines: Vec<OrderLine>,
    pub recipient_name: String,
    /// Digits only; `None` for orders projected before the view kept it.
    pub recipient_phone: Option<String>,
    pub address: String,
    pub delivery_date: NaiveDate,
    #[sqlx(try_from = "String")]
    pub time_window: TimeWindow,
    pub card_message: Option<String>,
    pub card_last4: String,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One step of an order's life.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct TimelineStep {
    #[sqlx(try_from = "String")]
    pub step: Step,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
    /// The member of staff who took the step (sending out, delivering); only staff are shown
    /// it (see the API's order body).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

pub(crate) const COLUMNS: &str = "order_id, customer_id, status, payment_status, delivery_status, total_won, \
    lines, recipient_name, recipient_phone, address, delivery_date, time_window, card_message, card_last4, \
    placed_at, updated_at";

/// Which of an order's three statuses a fact moves, and to what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Move {
    Order(OrderStatus),
    Payment(PaymentStatus),
    Delivery(DeliveryStatus),
}

impl Move {
    fn column(self) -> &'static str {
        match self {
            Self::Order(_) => "status",
            Self::Payment(_) => "payment_status",
            Self::Delivery(_) => "delivery_status",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Self::Order(to) => to.as_str(),
            Self::Payment(to) => to.as_str(),
            Self::Delivery(to) => to.as_str(),
        }
    }

    /// Whether moving from `current` (the column's word now) goes forward. A word the view
    /// does not know is behind everything.
    fn is_forward_of(self, current: &str) -> bool {
        /// Ahead of `current` when it ranks higher, or when `current` is no word of `T`.
        fn ahead<T: std::str::FromStr>(to: u8, current: &str, rank: fn(T) -> u8) -> bool {
            current.parse::<T>().map_or(true, |now| to > rank(now))
        }
        match self {
            Self::Order(to) => ahead(to.rank(), current, OrderStatus::rank),
            Self::Payment(to) => ahead(to.rank(), current, PaymentStatus::rank),
            Self::Delivery(to) => ahead(to.rank(), current, DeliveryStatus::rank),
        }
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

/// Which status a fact moves, and the timeline's step for it.
struct Change {
    order_id: Uuid,
    to: Move,
    step: Step,
    detail: Option<String>,
    /// Who did it, for a step a member of staff took.
    by: Option<String>,
}

pub(crate) async fn project(tx: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
    let change = match envelope.kind.as_str() {
        OrderPlaced::ROUTING_KEY => {
            let placed: OrderPlaced = envelope.decode()?;
            insert_placed(tx, &placed).await?;
            change(
                placed.order_id,
                Move::Order(OrderStatus::Placed),
                Step::Placed,
                None,
            )
        }
        OrderPaid::ROUTING_KEY => {
            let paid: OrderPaid = envelope.decode()?;
            change(
                paid.order_id,
                Move::Order(OrderStatus::Paid),
                Step::Paid,
                None,
            )
        }
        OrderRejected::ROUTING_KEY => {
            let rejected: OrderRejected = envelope.decode()?;
            change(
                rejected.order_id,
                Move::Order(OrderStatus::Rejected),
                Step::Rejected,
                rejected.detail,
            )
        }
        OrderCancelled::ROUTING_KEY => {
            let cancelled: OrderCancelled = envelope.decode()?;
            change(
                cancelled.order_id,
                Move::Order(OrderStatus::Cancelled),
                Step::Cancelled,
                None,
            )
        }
        PaymentApproved::ROUTING_KEY => {
            let approved: PaymentApproved = envelope.decode()?;
            let detail = format!("card ending {}", approved.last4);
            change(
                approved.order_id,
                Move::Payment(PaymentStatus::Approved),
                Step::PaymentApproved,
                Some(detail),
            )
        }
        PaymentDeclined::ROUTING_KEY => {
            let declined: PaymentDeclined = envelope.decode()?;
            change(
                declined.order_id,
                Move::Payment(PaymentStatus::Declined),
                Step::PaymentDeclined,
                Some(declined.reason),
            )
        }
        PaymentRefunded::ROUTING_KEY => {
            let refunded: PaymentRefunded = envelope.decode()?;
            change(
                refunded.order_id,
                Move::Payment(PaymentStatus::Refunded),
                Step::Refunded,
                None,
            )
        }
        DeliveryPreparing::ROUTING_KEY => {
            let fact: DeliveryPreparing = envelope.decode()?;
            change(
                fact.order_id,
                Move::Delivery(DeliveryStatus::Preparing),
                Step::Preparing,
                None,
            )
        }
        DeliveryDispatched::ROUTING_KEY => {
            let fact: DeliveryDispatched = envelope.decode()?;
            Change {
                by: fact.by,
                ..change(
                    fact.order_id,
                    Move::Delivery(DeliveryStatus::OutForDelivery),
                    Step::OutForDelivery,
                    None,
                )
            }
        }
        DeliveryDelivered::ROUTING_KEY => {
            let fact: DeliveryDelivered = envelope.decode()?;
            Change {
                by: fact.by,
                ..change(
                    fact.order_id,
                    Move::Delivery(DeliveryStatus::Delivered),
                    Step::Delivered,
                    None,
                )
            }
        }
        DeliveryCancelled::ROUTING_KEY => {
            let fact: DeliveryCancelled = envelope.decode()?;
            change(
                fact.order_id,
                Move::Delivery(DeliveryStatus::Cancelled),
                Step::DeliveryCancelled,
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

fn change(order_id: Uuid, to: Move, step: Step, detail: Option<String>) -> Change {
    Change {
        order_id,
        to,
        step,
        detail,
        by: None,
    }
}

async fn insert_placed(tx: &mut PgConnection, placed: &OrderPlaced) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO order_histories (order_id, customer_id, status, payment_status,
             delivery_status, total_won, lines, recipient_name, address, delivery_date,
             time_window, card_message, card_last4, placed_at, updated_at, recipient_phone)
         VALUES ($1, $2, $12, $13, $14, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $15)
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
    .bind(OrderStatus::Placed.as_str())
    .bind(PaymentStatus::Pending.as_str())
    .bind(DeliveryStatus::NotStarted.as_str())
    .bind(&placed.recipient.phone)
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
        change.to.column()
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
    if change.to.is_forward_of(&current) {
        sqlx::query(&format!(
            "UPDATE order_histories SET {} = $2, updated_at = now() WHERE order_id = $1",
            change.to.column()
        ))
        .bind(change.order_id)
        .bind(change.to.word())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO order_timeline (message_id, order_id, step, detail, at, by_staff)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(envelope.id)
    .bind(change.order_id)
    .bind(change.step.as_str())
    .bind(change.detail)
    .bind(envelope.timestamp)
    .bind(change.by)
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
            "SELECT step, detail, at, by_staff AS by FROM order_timeline
             WHERE order_id = $1 ORDER BY at, message_id",
        )
        .bind(order_id)
        .fetch_all(self.pool())
        .await?;
        Ok(Some((order, timeline)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_goes_only_forward_within_its_own_column() {
        assert!(Move::Order(OrderStatus::Paid).is_forward_of("placed"));
        assert!(!Move::Order(OrderStatus::Paid).is_forward_of("cancelled"));
        assert!(Move::Delivery(DeliveryStatus::Cancelled).is_forward_of("delivered"));
        assert!(!Move::Delivery(DeliveryStatus::Preparing).is_forward_of("out_for_delivery"));
        assert!(Move::Payment(PaymentStatus::Refunded).is_forward_of("approved"));
        // A word the view does not know (written by a newer version) is behind everything.
        assert!(Move::Payment(PaymentStatus::Pending).is_forward_of("chargeback"));
    }
}
