//! The consumer loop: reads a context's quorum queue, applies each message in one database
//! transaction together with its inbox row, and acks only after that transaction committed.
//!
//! - A message seen before (its id is in the inbox) is acked without being applied again.
//! - A transient failure is retried: after a short backoff the message is returned to the queue,
//!   and RabbitMQ parks it in `<queue>.dead` once the queue's delivery limit is reached.
//! - A message that can never succeed (unreadable envelope, broken contract) is parked at once.
//!
//! The inbox table lives in each consuming context's database:
//! `inbox(message_id uuid primary key, kind text, received_at timestamptz)`.

use crate::{
    broker::BrokerError, envelope::amqp_integer, Broker, Envelope, EnvelopeError, Topology,
    WorkerStatus,
};
use backon::{BackoffBuilder, ExponentialBuilder};
use futures_util::{StreamExt, TryStreamExt};
use lapin::{
    message::Delivery,
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions,
    },
    types::FieldTable,
};
use sqlx::{PgConnection, PgPool};
use std::{future::Future, sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// How a handler failed, which decides what happens to the message.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// Might work later (database busy, a fact it depends on not here yet): retried.
    #[error("will retry: {0:#}")]
    Retry(anyhow::Error),
    /// Will never work: parked for an operator at once.
    #[error("cannot be handled: {0:#}")]
    Reject(anyhow::Error),
}

impl From<sqlx::Error> for HandleError {
    fn from(error: sqlx::Error) -> Self {
        Self::Retry(error.into())
    }
}

impl From<EnvelopeError> for HandleError {
    fn from(error: EnvelopeError) -> Self {
        Self::Reject(error.into())
    }
}

/// What a context does with one message, inside the transaction that also records it in the
/// inbox. It must not ack, publish directly or commit; staging outgoing messages in the outbox
/// through the same transaction is how it reacts.
pub trait Handler: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        envelope: &'a Envelope,
    ) -> impl Future<Output = Result<(), HandleError>> + Send + 'a;
}

/// Why the consumer loop stopped; the supervisor restarts it.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error(transparent)]
    Broker(#[from] BrokerError),
}

/// Consumes one context's queue with a handler.
pub struct Consumer<H> {
    context: String,
    pool: PgPool,
    broker: Broker,
    topology: Topology,
    handler: Arc<H>,
    status: WorkerStatus,
    prefetch: u16,
}

impl<H> Clone for Consumer<H> {
    fn clone(&self) -> Self {
        Self {
            context: self.context.clone(),
            pool: self.pool.clone(),
            broker: self.broker.clone(),
            topology: self.topology.clone(),
            handler: self.handler.clone(),
            status: self.status.clone(),
            prefetch: self.prefetch,
        }
    }
}

/// Outcome of applying one message, for logs and tests.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Applied {
    Applied,
    Duplicate,
}

impl<H: Handler> Consumer<H> {
    /// `context` names the queue (`<prefix>.<context>`) and the consumer in RabbitMQ.
    pub fn new(
        context: impl Into<String>,
        pool: PgPool,
        broker: Broker,
        topology: Topology,
        handler: H,
        status: WorkerStatus,
    ) -> Self {
        Self {
            context: context.into(),
            pool,
            broker,
            topology,
            handler: Arc::new(handler),
            status,
            prefetch: 32,
        }
    }

    /// Consumes until `shutdown`, handling up to `prefetch` messages at once; returns `Ok` only
    /// after shutdown, once the messages in hand are finished.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<(), ConsumeError> {
        let channel = self.broker.channel().await?;
        channel
            .basic_qos(self.prefetch, BasicQosOptions::default())
            .await
            .map_err(BrokerError::amqp("basic.qos"))?;
        let consumer = channel
            .basic_consume(
                self.topology.queue(&self.context).into(),
                format!("{}-{}", self.context, uuid::Uuid::now_v7()).into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(BrokerError::amqp("basic.consume"))?;
        self.status.set_running(true);
        tracing::info!(queue = %self.topology.queue(&self.context), "consuming");

        let outcome = consumer
            .take_until(shutdown.cancelled())
            .map_err(BrokerError::amqp("basic.consume"))
            .try_for_each_concurrent(usize::from(self.prefetch), |delivery| {
                self.process(delivery)
            })
            .await;
        // Messages prefetched but not started go back to the queue when the channel closes.
        let _ = channel.close(200, "consumer stopping".into()).await;
        outcome.map_err(ConsumeError::from)
    }

    async fn process(&self, delivery: Delivery) -> Result<(), BrokerError> {
        let envelope = match Envelope::from_amqp(&delivery.properties, &delivery.data) {
            Ok(envelope) => envelope,
            Err(error) => {
                tracing::error!(%error, routing_key = %delivery.routing_key, "unreadable message parked");
                return reject(&delivery).await;
            }
        };
        let span = tracing::info_span!(
            "consume",
            queue = %self.topology.queue(&self.context),
            kind = %envelope.kind,
            message_id = %envelope.id,
            correlation_id = envelope.correlation_id.as_deref().unwrap_or(""),
            traceparent = envelope.traceparent.as_deref().unwrap_or(""),
        );
        async {
            match self.apply(&envelope).await {
                Ok(outcome) => {
                    tracing::debug!(?outcome, "handled");
                    delivery
                        .acker
                        .ack(BasicAckOptions::default())
                        .await
                        .map_err(BrokerError::amqp("basic.ack"))?;
                }
                Err(HandleError::Reject(error)) => {
                    tracing::error!(error = format!("{error:#}"), "message parked");
                    reject(&delivery).await?;
                }
                Err(HandleError::Retry(error)) => {
                    let attempt = delivery_count(&delivery);
                    let delay = retry_delay(attempt);
                    tracing::warn!(error = format!("{error:#}"), attempt, ?delay, "will retry");
                    tokio::time::sleep(delay).await;
                    delivery
                        .acker
                        .nack(BasicNackOptions {
                            requeue: true,
                            ..BasicNackOptions::default()
                        })
                        .await
                        .map_err(BrokerError::amqp("basic.nack"))?;
                }
            }
            Ok(())
        }
        .instrument(span)
        .await
    }

    /// Applies `envelope` once: records it in the inbox and runs the handler in one transaction.
    pub async fn apply(&self, envelope: &Envelope) -> Result<Applied, HandleError> {
        let mut tx = self.pool.begin().await?;
        let first_time = sqlx::query(
            "INSERT INTO inbox (message_id, kind, received_at) VALUES ($1, $2, now())
             ON CONFLICT (message_id) DO NOTHING",
        )
        .bind(envelope.id)
        .bind(&envelope.kind)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !first_time {
            return Ok(Applied::Duplicate);
        }
        self.handler.handle(&mut tx, envelope).await?;
        tx.commit().await?;
        Ok(Applied::Applied)
    }
}

/// Rejects without requeue: a queue with a dead-letter exchange parks the message, others drop it.
pub(crate) async fn reject(delivery: &Delivery) -> Result<(), BrokerError> {
    delivery
        .acker
        .reject(BasicRejectOptions { requeue: false })
        .await
        .map(|_| ())
        .map_err(BrokerError::amqp("basic.reject"))
}

/// How often this message was delivered before, as counted by the quorum queue.
fn delivery_count(delivery: &Delivery) -> u32 {
    let count = delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get("x-delivery-count"))
        .and_then(amqp_integer)
        .unwrap_or(0);
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// 50 ms, 100 ms, 200 ms … at most 2 s between attempts at the same message.
fn retry_delay(attempt: u32) -> Duration {
    ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(50))
        .with_max_delay(Duration::from_secs(2))
        .without_max_times()
        .build()
        .nth(attempt as usize)
        .unwrap_or(Duration::from_secs(2))
}

#[cfg(test)]
mod tests {
    use super::retry_delay;

    #[test]
    fn retries_back_off_exponentially_up_to_two_seconds() {
        let millis = |attempt| retry_delay(attempt).as_millis();
        assert_eq!(millis(0), 50);
        assert_eq!(millis(1), 100);
        assert_eq!(millis(3), 400);
        assert_eq!(millis(30), 2000);
    }
}
