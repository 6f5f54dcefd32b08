//! Inventory's part in the order saga: answering `inventory.reserve`, settling reservations as
//! payment and order facts arrive, and expiring reservations nobody paid for.

use crate::{reservation::Fact, Inventory};
use contracts::Request as _;
use contracts::{
    inventory::{CatalogRequest, ReserveStock},
    order::{OrderAbandoned, OrderCancelled, OrderRejected},
    payment::PaymentApproved,
    Event,
};
use messaging::{rpc::Responder, Envelope, HandleError, Handler, WorkerStatus};
use sqlx::PgConnection;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The queue name of inventory's consumer and RPC server.
pub const CONTEXT: &str = contracts::subscriptions::INVENTORY.queue;

/// Answers `inventory.reserve` (from order) and `inventory.catalog` (from staff, through web).
pub struct ReserveResponder {
    pub inventory: Inventory,
    /// How long an unpaid reservation holds its stock.
    pub hold_for: Duration,
}

impl Responder for ReserveResponder {
    async fn respond(&self, request: &Envelope) -> Result<Envelope, HandleError> {
        match request.kind.as_str() {
            CatalogRequest::KIND => {
                let request: CatalogRequest = request.decode()?;
                let reply = self
                    .inventory
                    .catalog(&request.command, &request.actor)
                    .await?;
                Ok(Envelope::reply::<CatalogRequest>(&reply))
            }
            ReserveStock::KIND => {
                let request: ReserveStock = request.decode()?;
                let reply = self.inventory.reserve(&request, self.hold_for).await?;
                Ok(Envelope::reply::<ReserveStock>(&reply))
            }
            other => Err(HandleError::Reject(anyhow::anyhow!(
                "inventory does not answer {other}"
            ))),
        }
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
            // Never stored, never to be paid: the same as a rejection for the stock.
            OrderAbandoned::ROUTING_KEY => (
                envelope.decode::<OrderAbandoned>()?.order_id,
                Fact::Rejected,
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
