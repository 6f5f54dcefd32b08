//! Inventory's part in the order saga: answering `inventory.reserve`, settling reservations as
//! payment and order facts arrive, and expiring reservations nobody paid for.

use crate::{reservation::Fact, Inventory, Restock, RestockError};
use contracts::{
    inventory::{ReserveStock, ReserveStockReply, RestockProduct, RestockReply},
    order::{OrderCancelled, OrderRejected},
    payment::PaymentApproved,
    Event,
};
use messaging::{rpc::Responder, Envelope, HandleError, Handler, WorkerStatus};
use sqlx::PgConnection;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The queue name of inventory's consumer and RPC server.
pub const CONTEXT: &str = contracts::subscriptions::INVENTORY.queue;

/// Answers `inventory.reserve` (from order) and `inventory.restock` (from staff, through web).
pub struct ReserveResponder {
    pub inventory: Inventory,
    /// How long an unpaid reservation holds its stock.
    pub hold_for: Duration,
}

impl Responder for ReserveResponder {
    async fn respond(&self, request: &Envelope) -> Result<Envelope, HandleError> {
        if request.kind == RestockProduct::KIND {
            let request: RestockProduct = request.decode()?;
            let reply = self.restock(&request).await?;
            return Ok(Envelope::new(
                RestockReply::KIND,
                RestockReply::VERSION,
                &reply,
                None,
            ));
        }
        if request.kind != ReserveStock::KIND {
            return Err(HandleError::Reject(anyhow::anyhow!(
                "inventory does not answer {}",
                request.kind
            )));
        }
        let request: ReserveStock = request.decode()?;
        let reply = self.inventory.reserve(&request, self.hold_for).await?;
        Ok(Envelope::new(
            ReserveStockReply::KIND,
            ReserveStockReply::VERSION,
            &reply,
            Some(request.order_id.to_string()),
        ))
    }
}

impl ReserveResponder {
    async fn restock(&self, request: &RestockProduct) -> Result<RestockReply, HandleError> {
        let restock = match Restock::parse(request.quantity, &request.reason) {
            Ok(restock) => restock,
            Err(error) => {
                return Ok(RestockReply::Invalid {
                    field: error.field,
                    message: error.problem,
                })
            }
        };
        Ok(
            match self
                .inventory
                .restock(&request.slug, &restock, &request.actor)
                .await
            {
                Ok(product) => RestockReply::Restocked {
                    on_hand: product.on_hand,
                    available: product.available(),
                },
                Err(RestockError::UnknownProduct(_)) => RestockReply::UnknownProduct,
                Err(error @ RestockError::TooMuchStock) => RestockReply::Invalid {
                    field: "quantity".into(),
                    message: error.to_string(),
                },
                Err(RestockError::Database(error)) => return Err(error.into()),
            },
        )
    }
}

/// Settles reservations from the saga's events.
pub struct SettleReservations;

impl Handler for SettleReservations {
    async fn handle(&self, tx: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
        let (order_id, fact) = match envelope.kind.as_str() {
            PaymentApproved::ROUTING_KEY => {
                (envelope.decode::<PaymentApproved>()?.order_id, Fact::Paid)
            }
            OrderRejected::ROUTING_KEY => {
                (envelope.decode::<OrderRejected>()?.order_id, Fact::Rejected)
            }
            OrderCancelled::ROUTING_KEY => (
                envelope.decode::<OrderCancelled>()?.order_id,
                Fact::Cancelled,
            ),
            other => {
                return Err(HandleError::Reject(anyhow::anyhow!(
                    "inventory does not subscribe to {other}"
                )))
            }
        };
        Inventory::settle(tx, order_id, fact).await?;
        Ok(())
    }
}

/// Releases expired reservations every `every` until `shutdown`.
pub async fn expire_reservations(
    inventory: Inventory,
    every: Duration,
    status: WorkerStatus,
    shutdown: CancellationToken,
) -> Result<(), sqlx::Error> {
    status.set_running(true);
    loop {
        // Drain: a full batch means more may be due.
        while inventory.expire_due(chrono::Utc::now()).await? == 100 {}
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(every) => {}
        }
    }
}
