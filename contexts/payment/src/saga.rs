//! Payment's part in the saga: charge placed orders, refund or forbid charges for orders that
//! end, and tell the shop what happened.

use crate::{
    domain::{on_order_ended, on_order_placed, Status, Step, MAX_CHARGE_ATTEMPTS},
    provider::{ChargeOutcome, PaymentProvider},
};
use contracts::{
    order::{OrderCancelled, OrderPlaced, OrderRejected},
    payment::{PaymentApproved, PaymentDeclined, PaymentRefunded},
    Event, Won,
};
use messaging::{outbox, Envelope, HandleError, Handler};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// The queue name of payment's consumer.
pub const CONTEXT: &str = contracts::subscriptions::PAYMENT.queue;

/// Charges and refunds through `P`.
pub struct Payments<P> {
    provider: P,
    /// For counting unanswered charge attempts outside the rolled-back transaction.
    pool: PgPool,
}

impl<P: PaymentProvider> Payments<P> {
    pub fn new(provider: P, pool: PgPool) -> Self {
        Self { provider, pool }
    }
}

#[derive(sqlx::FromRow)]
struct PaymentRow {
    payment_id: Uuid,
    status: String,
    amount_won: Option<i64>,
    charge_id: Option<String>,
}

impl<P: PaymentProvider> Handler for Payments<P> {
    async fn handle(&self, tx: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
        match envelope.kind.as_str() {
            OrderPlaced::ROUTING_KEY => self.charge(tx, &envelope.decode()?).await,
            OrderCancelled::ROUTING_KEY => {
                let cancelled: OrderCancelled = envelope.decode()?;
                self.end(tx, cancelled.order_id, cancelled.customer_id)
                    .await
            }
            OrderRejected::ROUTING_KEY => {
                let rejected: OrderRejected = envelope.decode()?;
                self.end(tx, rejected.order_id, rejected.customer_id).await
            }
            other => Err(HandleError::Reject(anyhow::anyhow!(
                "payment does not subscribe to {other}"
            ))),
        }
    }
}

impl<P: PaymentProvider> Payments<P> {
    async fn charge(&self, tx: &mut PgConnection, order: &OrderPlaced) -> Result<(), HandleError> {
        let current = lock(tx, order.order_id).await?;
        if on_order_placed(status_of(&current)) != Step::Charge {
            return Ok(());
        }
        let key = order.order_id.to_string();
        let outcome = match self.provider.charge(&order.card, order.total, &key).await {
            Ok(outcome) => outcome,
            Err(timeout) => {
                let attempts = self.count_attempt(order.order_id).await?;
                if attempts < MAX_CHARGE_ATTEMPTS {
                    return Err(HandleError::Retry(timeout.into()));
                }
                ChargeOutcome::Declined {
                    reason:
                        "the card processor did not answer; please try again or use another card"
                            .into(),
                }
            }
        };
        let payment_id = Uuid::now_v7();
        let (status, charge_id, reason) = match &outcome {
            ChargeOutcome::Approved { charge_id } => (Status::Approved, Some(charge_id), None),
            ChargeOutcome::Declined { reason } => (Status::Declined, None, Some(reason)),
        };
        sqlx::query(
            "INSERT INTO payments (order_id, payment_id, customer_id, status, amount_won, last4,
                                   charge_id, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(order.order_id)
        .bind(payment_id)
        .bind(order.customer_id)
        .bind(status.as_str())
        .bind(order.total.0)
        .bind(&order.card.last4)
        .bind(charge_id)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        match outcome {
            ChargeOutcome::Approved { .. } => {
                let event = PaymentApproved {
                    order_id: order.order_id,
                    customer_id: order.customer_id,
                    payment_id,
                    amount: order.total,
                    last4: order.card.last4.clone(),
                };
                stage(tx, order.order_id, &event).await
            }
            ChargeOutcome::Declined { reason } => {
                let event = PaymentDeclined {
                    order_id: order.order_id,
                    customer_id: order.customer_id,
                    payment_id,
                    reason,
                };
                stage(tx, order.order_id, &event).await
            }
        }
    }

    async fn end(
        &self,
        tx: &mut PgConnection,
        order_id: Uuid,
        customer_id: Uuid,
    ) -> Result<(), HandleError> {
        let current = lock(tx, order_id).await?;
        match on_order_ended(status_of(&current)) {
            Step::Nothing | Step::Charge => Ok(()),
            Step::ForbidCharge => {
                sqlx::query(
                    "INSERT INTO payments (order_id, payment_id, customer_id, status)
                     VALUES ($1, $2, $3, 'cancelled')",
                )
                .bind(order_id)
                .bind(Uuid::now_v7())
                .bind(customer_id)
                .execute(&mut *tx)
                .await?;
                Ok(())
            }
            Step::Refund => {
                let payment = current.expect("a refund needs a payment");
                let amount = Won(payment
                    .amount_won
                    .expect("an approved payment has an amount"));
                let charge_id = payment.charge_id.unwrap_or_default();
                let refund_id = self
                    .provider
                    .refund(&charge_id, amount, &format!("refund-{order_id}"))
                    .await
                    .map_err(|timeout| HandleError::Retry(timeout.into()))?;
                sqlx::query(
                    "UPDATE payments SET status = 'refunded', updated_at = now() WHERE order_id = $1",
                )
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO refunds (payment_id, order_id, amount_won, refund_id)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(payment.payment_id)
                .bind(order_id)
                .bind(amount.0)
                .bind(refund_id)
                .execute(&mut *tx)
                .await?;
                let event = PaymentRefunded {
                    order_id,
                    customer_id,
                    payment_id: payment.payment_id,
                    amount,
                };
                stage(tx, order_id, &event).await
            }
        }
    }

    /// Counts an unanswered charge in its own transaction, so the count survives the rollback.
    async fn count_attempt(&self, order_id: Uuid) -> Result<i32, sqlx::Error> {
        sqlx::query_scalar(
            "INSERT INTO charge_attempts (order_id, attempts) VALUES ($1, 1)
             ON CONFLICT (order_id) DO UPDATE SET attempts = charge_attempts.attempts + 1
             RETURNING attempts",
        )
        .bind(order_id)
        .fetch_one(&self.pool)
        .await
    }
}

async fn lock(tx: &mut PgConnection, order_id: Uuid) -> Result<Option<PaymentRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT payment_id, status, amount_won, charge_id FROM payments
         WHERE order_id = $1 FOR UPDATE",
    )
    .bind(order_id)
    .fetch_optional(tx)
    .await
}

fn status_of(row: &Option<PaymentRow>) -> Option<Status> {
    row.as_ref().and_then(|r| Status::parse(&r.status))
}

async fn stage<E: Event>(
    tx: &mut PgConnection,
    order_id: Uuid,
    event: &E,
) -> Result<(), HandleError> {
    let envelope = Envelope::new(
        E::ROUTING_KEY,
        E::VERSION,
        event,
        Some(order_id.to_string()),
    );
    outbox::stage(tx, &envelope).await?;
    Ok(())
}
