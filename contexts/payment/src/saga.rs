//! Payment's part in the saga: charge placed orders, void or refund orders that end, and tell
//! the shop what happened.
//!
//! No call to the card processor runs inside a database transaction. Each message is handled
//! in up to three steps (see [`crate::domain`]): record the intent in a short transaction, call
//! the processor with no transaction open, then settle the payment and record the message in
//! the inbox in one last transaction. A step that finds the payment already moved on by someone
//! else (an `order.cancelled` handled while a charge was in flight) leaves it alone; whoever
//! moved it made the matching call to the processor under the same idempotency key.

use crate::{
    domain::{on_order_ended, on_order_placed, outcome_counts, Status, Step, MAX_CHARGE_ATTEMPTS},
    provider::{ChargeOutcome, PaymentProvider},
};
use contracts::{
    order::{OrderCancelled, OrderPlaced, OrderRejected, PaymentRequested},
    payment::{PaymentApproved, PaymentDeclined, PaymentRefunded},
    Event, Won,
};
use messaging::{inbox, outbox, Applied, Apply, Envelope, HandleError};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The queue name of payment's consumer.
pub const CONTEXT: &str = contracts::subscriptions::PAYMENT.queue;

/// What the customer hears when the processor never answered a charge.
const NO_ANSWER: &str = "the card processor did not answer; please try again or use another card";

/// Charges, voids and refunds through `P`; applies payment's messages exactly once.
pub struct Payments<P> {
    provider: P,
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
    customer_id: Uuid,
    status: String,
    amount_won: Option<i64>,
    charge_id: Option<String>,
    ended: bool,
}

impl PaymentRow {
    fn status(&self) -> Status {
        Status::parse(&self.status).expect("the status column only holds known statuses")
    }
}

impl<P: PaymentProvider> Apply for Payments<P> {
    async fn apply(&self, envelope: &Envelope) -> Result<Applied, HandleError> {
        if inbox::seen(&self.pool, envelope).await? {
            return Ok(Applied::Duplicate);
        }
        match envelope.kind.as_str() {
            PaymentRequested::ROUTING_KEY => self.charge(envelope, &envelope.decode()?).await,
            // Only from before the card left `order.placed` (version 1 carries what a charge
            // needs), through the binding that version had; a newer one charges nothing here.
            OrderPlaced::ROUTING_KEY if envelope.version == 1 => {
                self.charge(envelope, &envelope.decode()?).await
            }
            OrderPlaced::ROUTING_KEY => self.record_only(envelope).await,
            OrderCancelled::ROUTING_KEY => {
                let cancelled: OrderCancelled = envelope.decode()?;
                self.end(envelope, cancelled.order_id, cancelled.customer_id)
                    .await
            }
            OrderRejected::ROUTING_KEY => {
                let rejected: OrderRejected = envelope.decode()?;
                self.end(envelope, rejected.order_id, rejected.customer_id)
                    .await
            }
            other => Err(HandleError::Reject(anyhow::anyhow!(
                "payment does not subscribe to {other}"
            ))),
        }
    }
}

impl<P: PaymentProvider> Payments<P> {
    async fn charge(
        &self,
        envelope: &Envelope,
        order: &PaymentRequested,
    ) -> Result<Applied, HandleError> {
        // 1. The intent, unless the payment already has a fate.
        let status = self.intend_charge(order).await?;
        if on_order_placed(Some(status)) != Step::Charge {
            return self.record_only(envelope).await;
        }
        // 2. The processor, with no transaction open.
        let key = order.order_id.to_string();
        let outcome = match self.provider.charge(&order.card, order.total, &key).await {
            Ok(outcome) => outcome,
            Err(timeout) => {
                if self.count_attempt(order.order_id).await? < MAX_CHARGE_ATTEMPTS {
                    return Err(HandleError::Retry(timeout.into()));
                }
                // It may have charged without telling us: void whatever happened under the key.
                return self.void(envelope, order.order_id).await;
            }
        };
        // 3. The outcome, if the charge is still ours to settle.
        let Some(mut tx) = self.finishing(envelope).await? else {
            return Ok(Applied::Duplicate);
        };
        let Some(row) = lock(&mut tx, order.order_id).await? else {
            return Err(HandleError::Retry(anyhow::anyhow!(
                "the payment of {} vanished while charging",
                order.order_id
            )));
        };
        if outcome_counts(row.status()) {
            let tx = &mut *tx;
            match outcome {
                ChargeOutcome::Approved { charge_id } => {
                    set_status(tx, order.order_id, Status::Approved, Some(&charge_id), None)
                        .await?;
                    let event = PaymentApproved {
                        order_id: order.order_id,
                        customer_id: order.customer_id,
                        payment_id: row.payment_id,
                        amount: order.total,
                        last4: order.card.last4.clone(),
                    };
                    outbox::stage_event(tx, &event, order.order_id).await?;
                }
                ChargeOutcome::Declined { reason } => {
                    set_status(tx, order.order_id, Status::Declined, None, Some(&reason)).await?;
                    let event = PaymentDeclined {
                        order_id: order.order_id,
                        customer_id: order.customer_id,
                        payment_id: row.payment_id,
                        reason,
                    };
                    outbox::stage_event(tx, &event, order.order_id).await?;
                }
            }
        }
        finish(tx).await
    }

    /// The order ended: forbid, void or refund its charge.
    async fn end(
        &self,
        envelope: &Envelope,
        order_id: Uuid,
        customer_id: Uuid,
    ) -> Result<Applied, HandleError> {
        let current: Option<Status> =
            sqlx::query_scalar::<_, String>("SELECT status FROM payments WHERE order_id = $1")
                .bind(order_id)
                .fetch_optional(&self.pool)
                .await?
                .as_deref()
                .and_then(Status::parse);
        match on_order_ended(current) {
            Step::Nothing | Step::Charge => self.record_only(envelope).await,
            Step::ForbidCharge => {
                let Some(mut tx) = self.finishing(envelope).await? else {
                    return Ok(Applied::Duplicate);
                };
                {
                    // A charge may have begun since we looked: then it is voided next time.
                    let inserted = sqlx::query(
                        "INSERT INTO payments (order_id, payment_id, customer_id, status, ended)
                         VALUES ($1, $2, $3, 'cancelled', true) ON CONFLICT (order_id) DO NOTHING",
                    )
                    .bind(order_id)
                    .bind(Uuid::now_v7())
                    .bind(customer_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if inserted == 0 {
                        return Err(HandleError::Retry(anyhow::anyhow!(
                            "a charge of {order_id} began while the order ended"
                        )));
                    }
                }
                finish(tx).await
            }
            Step::Void => {
                sqlx::query("UPDATE payments SET ended = true WHERE order_id = $1")
                    .bind(order_id)
                    .execute(&self.pool)
                    .await?;
                self.void(envelope, order_id).await
            }
            Step::Refund => self.refund(envelope, order_id, customer_id).await,
        }
    }

    /// Voids the charge under the order's key and settles the payment: cancelled if the order
    /// ended, declined (and said so) if the processor never answered.
    async fn void(&self, envelope: &Envelope, order_id: Uuid) -> Result<Applied, HandleError> {
        let voiding = sqlx::query(
            "UPDATE payments SET status = 'voiding', updated_at = now()
             WHERE order_id = $1 AND status IN ('charging', 'voiding')",
        )
        .bind(order_id)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if !voiding {
            // Settled meanwhile (approved or declined first): the message is handled again
            // against what is there now.
            return Err(HandleError::Retry(anyhow::anyhow!(
                "the payment of {order_id} was settled while it was being voided"
            )));
        }
        self.provider
            .void(&order_id.to_string())
            .await
            .map_err(|timeout| HandleError::Unavailable(timeout.into()))?;
        let Some(mut tx) = self.finishing(envelope).await? else {
            return Ok(Applied::Duplicate);
        };
        let row = lock(&mut tx, order_id).await?;
        if let Some(row) = row.filter(|row| row.status() == Status::Voiding) {
            let tx = &mut *tx;
            if row.ended {
                set_status(tx, order_id, Status::Cancelled, None, None).await?;
            } else {
                set_status(tx, order_id, Status::Declined, None, Some(NO_ANSWER)).await?;
                let event = PaymentDeclined {
                    order_id,
                    customer_id: row.customer_id,
                    payment_id: row.payment_id,
                    reason: NO_ANSWER.into(),
                };
                outbox::stage_event(tx, &event, order_id).await?;
            }
        }
        finish(tx).await
    }

    /// Gives the money of an approved charge back.
    async fn refund(
        &self,
        envelope: &Envelope,
        order_id: Uuid,
        customer_id: Uuid,
    ) -> Result<Applied, HandleError> {
        let row: Option<PaymentRow> = sqlx::query_as(
            "UPDATE payments SET status = 'refunding', ended = true, updated_at = now()
             WHERE order_id = $1 AND status IN ('approved', 'refunding')
             RETURNING payment_id, customer_id, status, amount_won, charge_id, ended",
        )
        .bind(order_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(payment) = row else {
            return Err(HandleError::Retry(anyhow::anyhow!(
                "the payment of {order_id} moved on while it was being refunded"
            )));
        };
        let amount = Won(payment
            .amount_won
            .expect("an approved payment has an amount"));
        let charge_id = payment.charge_id.unwrap_or_default();
        let refund_id = self
            .provider
            .refund(&charge_id, amount, &format!("refund-{order_id}"))
            .await
            .map_err(|timeout| HandleError::Unavailable(timeout.into()))?;
        let Some(mut tx) = self.finishing(envelope).await? else {
            return Ok(Applied::Duplicate);
        };
        let row = lock(&mut tx, order_id).await?;
        if row.is_some_and(|row| row.status() == Status::Refunding) {
            let tx = &mut *tx;
            set_status(tx, order_id, Status::Refunded, None, None).await?;
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
            outbox::stage_event(tx, &event, order_id).await?;
        }
        finish(tx).await
    }

    /// Records the intent to charge (a `charging` row with the amount and card's last four),
    /// unless the payment already exists; returns where it stands.
    async fn intend_charge(&self, order: &PaymentRequested) -> Result<Status, sqlx::Error> {
        sqlx::query(
            "INSERT INTO payments (order_id, payment_id, customer_id, status, amount_won, last4)
             VALUES ($1, $2, $3, 'charging', $4, $5) ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(order.order_id)
        .bind(Uuid::now_v7())
        .bind(order.customer_id)
        .bind(order.total.0)
        .bind(&order.card.last4)
        .execute(&self.pool)
        .await?;
        let status: String = sqlx::query_scalar("SELECT status FROM payments WHERE order_id = $1")
            .bind(order.order_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(Status::parse(&status).expect("the status column only holds known statuses"))
    }

    /// The transaction of the last step, with the message already in the inbox; `None` if
    /// another process applied the message meanwhile.
    async fn finishing(
        &self,
        envelope: &Envelope,
    ) -> Result<Option<Transaction<'static, Postgres>>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        Ok(inbox::record(&mut tx, envelope).await?.then_some(tx))
    }

    /// Nothing to do but remember the message was handled.
    async fn record_only(&self, envelope: &Envelope) -> Result<Applied, HandleError> {
        match self.finishing(envelope).await? {
            Some(tx) => finish(tx).await,
            None => Ok(Applied::Duplicate),
        }
    }

    /// Counts an unanswered charge in its own statement, so the count survives the retry.
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
        "SELECT payment_id, customer_id, status, amount_won, charge_id, ended FROM payments
         WHERE order_id = $1 FOR UPDATE",
    )
    .bind(order_id)
    .fetch_optional(tx)
    .await
}

async fn set_status(
    tx: &mut PgConnection,
    order_id: Uuid,
    status: Status,
    charge_id: Option<&str>,
    reason: Option<&str>,
) -> Result<(), HandleError> {
    sqlx::query(
        "UPDATE payments SET status = $2, charge_id = COALESCE($3, charge_id),
                             reason = COALESCE($4, reason), updated_at = now()
         WHERE order_id = $1",
    )
    .bind(order_id)
    .bind(status.as_str())
    .bind(charge_id)
    .bind(reason)
    .execute(tx)
    .await?;
    Ok(())
}

async fn finish(tx: Transaction<'static, Postgres>) -> Result<Applied, HandleError> {
    tx.commit().await?;
    Ok(Applied::Applied)
}
