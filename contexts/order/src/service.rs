//! The order context's operations: place an order (asking inventory to hold the stock first),
//! cancel one, read one.

use crate::{
    domain::{Calendar, CancelRefused, FieldError, OrderForm, Status},
    inventory_client::{BreakerSettings, InventoryClient, InventoryUnavailable},
    store::{
        self, change_status, insert_order, lock_order, lock_order_id, OrderRow, ORDER_COLUMNS,
    },
};
use chrono::Utc;
use contracts::{
    delivery::{CancelDelivery, CancelDeliveryReply},
    inventory::{ReserveStock, ReserveStockReply, StockRequest},
    order::{CardToken, OrderCancelled, OrderPlaced, PaymentRequested},
    Localized, Won,
};
use messaging::{outbox, rpc};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// Place an order: the caller chooses `order_id` (one per checkout), so sending the same
/// command twice places one order.
#[derive(Clone, Debug)]
pub struct PlaceOrder {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub form: OrderForm,
    pub card: CardToken,
}

/// An accepted order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub order_id: Uuid,
    pub total: Won,
    pub status: Status,
}

/// Why an order was not placed. Nothing is stored and no stock stays held in any of these.
#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error("the order form has mistakes")]
    Invalid(Vec<FieldError>),
    #[error("only {available} of {} left", name.en)]
    OutOfStock {
        slug: String,
        name: Localized,
        requested: i32,
        available: i32,
    },
    #[error("there is no flower \"{0}\"")]
    UnknownProduct(String),
    #[error("we cannot check the stock right now; try again shortly")]
    TryAgainShortly(#[source] InventoryUnavailable),
    #[error("this order belongs to someone else")]
    NotYours,
    #[error("this checkout took too long and its flowers were released; start a new checkout")]
    Abandoned,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Why a cancellation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    #[error("there is no such order")]
    NotFound,
    #[error("{0}")]
    Refused(CancelRefused),
    #[error("we cannot reach the delivery desk right now; try again shortly")]
    TryAgainShortly(#[source] rpc::RpcError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The order context's API.
#[derive(Clone)]
pub struct Orders {
    pool: PgPool,
    inventory: InventoryClient,
    rpc: rpc::Client,
    same_day_cutoff_hour: u32,
}

/// How long order waits for delivery to stop a delivery.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(2);

impl Orders {
    pub fn new(
        pool: PgPool,
        rpc: rpc::Client,
        breaker: BreakerSettings,
        same_day_cutoff_hour: u32,
    ) -> Self {
        Self {
            pool,
            inventory: InventoryClient::new(rpc.clone(), breaker),
            rpc,
            same_day_cutoff_hour,
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn inventory(&self) -> &InventoryClient {
        &self.inventory
    }

    /// Today in the shop's time zone.
    fn calendar(&self) -> Calendar {
        Calendar {
            now: Utc::now()
                .with_timezone(&chrono_tz::Asia::Seoul)
                .naive_local(),
            same_day_cutoff_hour: self.same_day_cutoff_hour,
        }
    }

    #[tracing::instrument(skip(self, command), fields(order_id = %command.order_id))]
    pub async fn place(&self, command: PlaceOrder) -> Result<Placed, PlaceError> {
        if let Some(existing) = self.get(command.order_id).await? {
            return if existing.customer_id == command.customer_id {
                Ok(Placed {
                    order_id: existing.id,
                    total: Won(existing.total_won),
                    status: existing.status(),
                })
            } else {
                Err(PlaceError::NotYours)
            };
        }
        let request = command
            .form
            .parse(self.calendar())
            .map_err(PlaceError::Invalid)?;

        let reserve = ReserveStock {
            order_id: command.order_id,
            lines: request
                .lines
                .iter()
                .map(|(slug, quantity)| StockRequest {
                    slug: slug.clone(),
                    quantity: *quantity,
                })
                .collect(),
        };
        let (lines, total) = match self
            .inventory
            .reserve(&reserve)
            .await
            .map_err(PlaceError::TryAgainShortly)?
        {
            ReserveStockReply::Reserved { lines, total, .. } => (lines, total),
            ReserveStockReply::Insufficient {
                slug,
                name,
                requested,
                available,
            } => {
                return Err(PlaceError::OutOfStock {
                    slug,
                    name,
                    requested,
                    available,
                })
            }
            ReserveStockReply::UnknownProduct { slug } => {
                return Err(PlaceError::UnknownProduct(slug))
            }
            ReserveStockReply::Invalid { problem } => {
                return Err(PlaceError::Invalid(vec![FieldError {
                    field: "lines".into(),
                    code: "invalid",
                    message: problem,
                }]))
            }
        };

        // Stock is held. The order is stored now, or given up so that inventory frees the
        // stock at once; if even that fails, the reservation's expiry gives it up later.
        let placed_at = Utc::now();
        let event = OrderPlaced {
            order_id: command.order_id,
            customer_id: command.customer_id,
            lines,
            total,
            recipient: request.recipient.clone(),
            address: request.address.clone(),
            delivery_date: request.delivery_date,
            window: request.window,
            card_message: request.card_message.clone(),
            card_last4: command.card.last4.clone(),
            placed_at,
        };
        let charge = PaymentRequested {
            order_id: command.order_id,
            customer_id: command.customer_id,
            total,
            card: command.card,
        };
        match self.store_placed(&event, &charge).await {
            Ok(true) => Ok(Placed {
                order_id: command.order_id,
                total,
                status: Status::Placed,
            }),
            Ok(false) => Err(PlaceError::Abandoned),
            Err(error) => {
                tracing::error!(%error, order_id = %command.order_id, "storing an order failed; giving it up");
                if let Err(error) = self
                    .abandon(command.order_id, "storing the order failed")
                    .await
                {
                    tracing::warn!(%error, "giving up the order failed too; its reservation expires");
                }
                Err(PlaceError::Database(error))
            }
        }
    }

    /// Stores a placed order unless it was given up meanwhile (then `false`). The same order
    /// sent twice at once is stored once: the second finds it stored.
    async fn store_placed(
        &self,
        event: &OrderPlaced,
        charge: &PaymentRequested,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        lock_order_id(&mut tx, event.order_id).await?;
        if store::is_abandoned(&mut tx, event.order_id).await? {
            return Ok(false);
        }
        if lock_order(&mut tx, event.order_id).await?.is_some() {
            return Ok(true);
        }
        insert_order(&mut tx, event).await?;
        outbox::stage_event(&mut tx, event, event.order_id).await?;
        outbox::stage_event(&mut tx, charge, event.order_id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Gives up an order that was never stored, so inventory frees its stock.
    async fn abandon(&self, order_id: Uuid, reason: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        lock_order_id(&mut tx, order_id).await?;
        store::abandon(&mut tx, order_id, reason).await?;
        tx.commit().await
    }

    /// Cancels the customer's order if the flowers have not left yet. Delivery is asked first
    /// and synchronously: it is the one that knows whether the courier has gone, and once it
    /// said yes it will not send the flowers out.
    #[tracing::instrument(skip(self))]
    pub async fn cancel(&self, order_id: Uuid, customer_id: Uuid) -> Result<Status, CancelError> {
        let Some(order) = self
            .get(order_id)
            .await?
            .filter(|o| o.customer_id == customer_id)
        else {
            return Err(CancelError::NotFound);
        };
        if order.status() == Status::Cancelled {
            // Asking again (after a "try again shortly") finds it done.
            return Ok(Status::Cancelled);
        }
        order.status().cancel().map_err(CancelError::Refused)?;
        let request = CancelDelivery { order_id };
        let reply = self
            .rpc
            .ask(&request, Some(order_id.to_string()), DELIVERY_DEADLINE)
            .await
            .map_err(CancelError::TryAgainShortly)?;
        match reply {
            CancelDeliveryReply::Cancelled => {}
            CancelDeliveryReply::AlreadyLeft => {
                return Err(CancelError::Refused(CancelRefused::AlreadyLeft))
            }
            CancelDeliveryReply::AlreadyDelivered => {
                return Err(CancelError::Refused(CancelRefused::Delivered))
            }
        }

        let mut tx = self.pool.begin().await?;
        let Some(order) = lock_order(&mut tx, order_id)
            .await?
            .filter(|o| o.customer_id == customer_id)
        else {
            return Err(CancelError::NotFound);
        };
        let status = order.status();
        if status == Status::Cancelled {
            // Delivery's `delivery.cancelled` got here first and completed it.
            return Ok(status);
        }
        let next = status.cancel().map_err(CancelError::Refused)?;
        let event = OrderCancelled {
            order_id,
            customer_id,
            was_paid: status.is_paid(),
        };
        change_status(
            &mut tx,
            &order,
            next,
            Some("cancelled by the customer"),
            &event,
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    pub async fn get(&self, order_id: Uuid) -> Result<Option<OrderRow>, sqlx::Error> {
        sqlx::query_as(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
            .bind(order_id)
            .fetch_optional(&self.pool)
            .await
    }
}
