//! Delivery's database and operations: learning of orders, preparing paid ones, moving them
//! along for staff, and stopping them when the order ends — each change with its event.

use crate::domain::{Refused, Status, Step};
use chrono::{NaiveDate, Utc};
use contracts::Request as _;
use contracts::{
    delivery::{
        AdvanceDelivery, AdvanceDeliveryReply, CancelDelivery, CancelDeliveryReply,
        DeliveryCancelled, DeliveryDelivered, DeliveryDispatched, DeliveryPreparing,
        ListDeliveries, ListDeliveriesReply, ScheduledDelivery,
    },
    order::{OrderCancelled, OrderPaid, OrderPlaced, OrderRejected},
    Event,
};
use messaging::{outbox, rpc::Responder, Envelope, HandleError, Handler};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// The queue name of delivery's consumer and RPC server.
pub const CONTEXT: &str = contracts::subscriptions::DELIVERY.queue;

/// A delivery as staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Delivery {
    pub order_id: Uuid,
    pub delivery_id: Uuid,
    pub customer_id: Uuid,
    pub status: String,
    pub recipient_name: Option<String>,
    pub recipient_phone: Option<String>,
    pub address: Option<String>,
    pub delivery_date: Option<NaiveDate>,
    pub time_window: Option<String>,
    pub card_message: Option<String>,
    pub updated_at: chrono::DateTime<Utc>,
}

impl Delivery {
    /// The staff's view of it; `None` while delivery only knows the order was cancelled.
    pub fn scheduled(self) -> Option<ScheduledDelivery> {
        // The schedule lists preparing, out for delivery and delivered only, and delivery
        // writes the window from the order's typed one: a word outside them is a bug, said
        // out loud rather than a delivery that silently goes missing from the staff's list.
        let words = (
            self.status.parse(),
            self.time_window.as_deref().map(str::parse).transpose(),
        );
        let (status, window) = match words {
            (Ok(status), Ok(window)) => (status, window?),
            (status, window) => {
                tracing::error!(
                    order_id = %self.order_id,
                    status = ?status.err(),
                    window = ?window.err(),
                    "a delivery holds a word the schedule cannot show"
                );
                return None;
            }
        };
        Some(ScheduledDelivery {
            order_id: self.order_id,
            status,
            recipient_name: self.recipient_name?,
            recipient_phone: self.recipient_phone?,
            address: self.address?,
            delivery_date: self.delivery_date?,
            window,
            card_message: self.card_message,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "order_id, delivery_id, customer_id, status, recipient_name, \
                       recipient_phone, address, delivery_date, time_window, card_message, \
                       updated_at";

/// Why a staff step did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AdvanceError {
    #[error("there is no delivery for this order")]
    NotFound,
    #[error(transparent)]
    Refused(Refused),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The delivery context's API.
#[derive(Clone)]
pub struct Deliveries {
    pool: PgPool,
}

impl Deliveries {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub async fn get(&self, order_id: Uuid) -> Result<Option<Delivery>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM deliveries WHERE order_id = $1"
        ))
        .bind(order_id)
        .fetch_optional(&self.pool)
        .await
    }

    /// Paid deliveries from `from` on, by date and window: those still to go and those done.
    pub async fn upcoming(&self, from: NaiveDate) -> Result<Vec<Delivery>, sqlx::Error> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM deliveries
             WHERE delivery_date >= $1
               AND status IN ('preparing', 'out_for_delivery', 'delivered')
             ORDER BY delivery_date,
                      array_position(ARRAY['morning', 'afternoon', 'evening'], time_window),
                      created_at"
        ))
        .bind(from)
        .fetch_all(&self.pool)
        .await
    }

    /// A staff member sends the flowers out, or marks them delivered.
    #[tracing::instrument(skip(self))]
    pub async fn advance(
        &self,
        order_id: Uuid,
        step: Step,
        actor: &str,
    ) -> Result<Status, AdvanceError> {
        let mut tx = self.pool.begin().await?;
        let delivery = lock(&mut tx, order_id)
            .await?
            .ok_or(AdvanceError::NotFound)?;
        let next = status_of(&delivery)
            .take(step)
            .map_err(AdvanceError::Refused)?;
        set_status(&mut tx, &delivery, next, actor).await?;
        let (at, delivery_id, customer_id) =
            (Utc::now(), delivery.delivery_id, delivery.customer_id);
        match step {
            Step::Dispatch => {
                let event = DeliveryDispatched {
                    order_id,
                    customer_id,
                    delivery_id,
                    at,
                    by: Some(actor.to_owned()),
                };
                outbox::stage_event(&mut tx, &event, order_id).await?;
            }
            Step::Deliver => {
                let event = DeliveryDelivered {
                    order_id,
                    customer_id,
                    delivery_id,
                    at,
                    by: Some(actor.to_owned()),
                };
                outbox::stage_event(&mut tx, &event, order_id).await?;
            }
        }
        tx.commit().await?;
        Ok(next)
    }

    /// Stops the delivery of an order unless it left; remembers the cancellation even for an
    /// order delivery has not heard of yet.
    pub async fn cancel(
        &self,
        order_id: Uuid,
        customer_id: Option<Uuid>,
    ) -> Result<CancelDeliveryReply, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        let reply = cancel_in(&mut tx, order_id, customer_id).await?;
        tx.commit().await?;
        Ok(reply)
    }
}

async fn cancel_in(
    tx: &mut PgConnection,
    order_id: Uuid,
    customer_id: Option<Uuid>,
) -> Result<CancelDeliveryReply, sqlx::Error> {
    let Some(delivery) = lock(tx, order_id).await? else {
        let delivery_id = Uuid::now_v7();
        let inserted = sqlx::query(
            "INSERT INTO deliveries (order_id, delivery_id, customer_id, status)
             VALUES ($1, $2, $3, 'cancelled') ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(order_id)
        .bind(delivery_id)
        .bind(customer_id.unwrap_or_else(Uuid::nil))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            announce_cancelled(tx, order_id, customer_id, delivery_id).await?;
        }
        return Ok(CancelDeliveryReply::Cancelled);
    };
    let current = status_of(&delivery);
    match current.cancel() {
        Ok(next) => {
            if next != current {
                set_status(tx, &delivery, next, "order ended").await?;
                let customer_id = Some(delivery.customer_id).filter(|id| !id.is_nil());
                announce_cancelled(tx, order_id, customer_id, delivery.delivery_id).await?;
            }
            Ok(CancelDeliveryReply::Cancelled)
        }
        Err(Refused::AlreadyDelivered) => Ok(CancelDeliveryReply::AlreadyDelivered),
        Err(_) => Ok(CancelDeliveryReply::AlreadyLeft),
    }
}

/// Tells the shop the delivery stopped: order completes a cancellation whose answer it never
/// got, and the customer's page stops saying the flowers are being prepared.
async fn announce_cancelled(
    tx: &mut PgConnection,
    order_id: Uuid,
    customer_id: Option<Uuid>,
    delivery_id: Uuid,
) -> Result<(), sqlx::Error> {
    let event = DeliveryCancelled {
        order_id,
        customer_id,
        delivery_id,
        at: Utc::now(),
    };
    outbox::stage_event(tx, &event, order_id).await
}

fn status_of(delivery: &Delivery) -> Status {
    Status::parse(&delivery.status).expect("the status column only holds known statuses")
}

async fn lock(tx: &mut PgConnection, order_id: Uuid) -> Result<Option<Delivery>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE order_id = $1 FOR UPDATE"
    ))
    .bind(order_id)
    .fetch_optional(tx)
    .await
}

async fn set_status(
    tx: &mut PgConnection,
    delivery: &Delivery,
    next: Status,
    actor: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE deliveries SET status = $2, updated_at = now() WHERE order_id = $1")
        .bind(delivery.order_id)
        .bind(next.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO delivery_history (order_id, status, actor) VALUES ($1, $2, $3)")
        .bind(delivery.order_id)
        .bind(next.as_str())
        .bind(actor)
        .execute(tx)
        .await?;
    Ok(())
}

/// Follows orders: learns them when placed, prepares them when paid, stops them when they end.
pub struct FollowOrders;

impl Handler for FollowOrders {
    async fn handle(&self, tx: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
        match envelope.kind.as_str() {
            OrderPlaced::ROUTING_KEY => {
                let order: OrderPlaced = envelope.decode()?;
                // A cancellation may have arrived first: keep its status, add the details.
                sqlx::query(
                    "INSERT INTO deliveries (order_id, delivery_id, customer_id, status,
                         recipient_name, recipient_phone, address, delivery_date, time_window,
                         card_message)
                     VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (order_id) DO UPDATE SET
                         customer_id = EXCLUDED.customer_id,
                         recipient_name = EXCLUDED.recipient_name,
                         recipient_phone = EXCLUDED.recipient_phone,
                         address = EXCLUDED.address, delivery_date = EXCLUDED.delivery_date,
                         time_window = EXCLUDED.time_window, card_message = EXCLUDED.card_message
                     WHERE deliveries.recipient_name IS NULL",
                )
                .bind(order.order_id)
                .bind(Uuid::now_v7())
                .bind(order.customer_id)
                .bind(&order.recipient.name)
                .bind(&order.recipient.phone)
                .bind(&order.address)
                .bind(order.delivery_date)
                .bind(order.window.as_str())
                .bind(&order.card_message)
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
            OrderPaid::ROUTING_KEY => {
                let paid: OrderPaid = envelope.decode()?;
                let Some(delivery) = lock(tx, paid.order_id).await? else {
                    // order.placed has not reached us yet: try again shortly.
                    return Err(HandleError::Retry(anyhow::anyhow!(
                        "order {} was paid before delivery heard of it",
                        paid.order_id
                    )));
                };
                if let Some(next) = status_of(&delivery).on_paid() {
                    set_status(tx, &delivery, next, "payment approved").await?;
                    let event = DeliveryPreparing {
                        order_id: delivery.order_id,
                        customer_id: delivery.customer_id,
                        delivery_id: delivery.delivery_id,
                        at: Utc::now(),
                    };
                    outbox::stage_event(tx, &event, delivery.order_id).await?;
                }
                Ok(())
            }
            OrderRejected::ROUTING_KEY => {
                let rejected: OrderRejected = envelope.decode()?;
                cancel_in(tx, rejected.order_id, Some(rejected.customer_id)).await?;
                Ok(())
            }
            OrderCancelled::ROUTING_KEY => {
                let cancelled: OrderCancelled = envelope.decode()?;
                cancel_in(tx, cancelled.order_id, Some(cancelled.customer_id)).await?;
                Ok(())
            }
            other => Err(HandleError::Reject(anyhow::anyhow!(
                "delivery does not subscribe to {other}"
            ))),
        }
    }
}

/// Answers `delivery.cancel` (from order) and `delivery.advance` (from staff, through web).
pub struct DeliveryCommands(pub Deliveries);

impl Responder for DeliveryCommands {
    async fn respond(&self, request: &Envelope) -> Result<Envelope, HandleError> {
        match request.kind.as_str() {
            CancelDelivery::KIND => {
                let request: CancelDelivery = request.decode()?;
                let reply = self.0.cancel(request.order_id, None).await?;
                Ok(Envelope::reply::<CancelDelivery>(&reply))
            }
            AdvanceDelivery::KIND => {
                let request: AdvanceDelivery = request.decode()?;
                let reply = match request.step.as_str() {
                    "dispatch" => Some(Step::Dispatch),
                    "deliver" => Some(Step::Deliver),
                    _ => None,
                }
                .map(|step| self.0.advance(request.order_id, step, &request.actor));
                let reply = match reply {
                    None => AdvanceDeliveryReply::Refused {
                        reason: "the step is dispatch or deliver".into(),
                    },
                    Some(advance) => match advance.await {
                        Ok(status) => AdvanceDeliveryReply::Advanced {
                            status: status.as_str().into(),
                        },
                        Err(AdvanceError::NotFound) => AdvanceDeliveryReply::NotFound,
                        Err(AdvanceError::Refused(reason)) => AdvanceDeliveryReply::Refused {
                            reason: reason.to_string(),
                        },
                        Err(AdvanceError::Database(error)) => return Err(error.into()),
                    },
                };
                Ok(Envelope::reply::<AdvanceDelivery>(&reply))
            }
            ListDeliveries::KIND => {
                let request: ListDeliveries = request.decode()?;
                let deliveries = self.0.upcoming(request.from).await?;
                let reply = ListDeliveriesReply {
                    deliveries: deliveries
                        .into_iter()
                        .filter_map(Delivery::scheduled)
                        .collect(),
                };
                Ok(Envelope::reply::<ListDeliveries>(&reply))
            }
            other => Err(HandleError::Reject(anyhow::anyhow!(
                "delivery does not answer {other}"
            ))),
        }
    }
}
