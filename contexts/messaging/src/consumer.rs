//! The consumer loop: reads a context's quorum queue, applies each message through the
//! context's inbox (one database transaction with the inbox row, see [`crate::inbox`]), and acks
//! only after that transaction committed.
//!
//! - A message seen before (its id is in the inbox) is acked without being applied again.
//! - A transient failure is retried: after a short backoff the message is returned to the queue,
//!   and RabbitMQ parks it in `<queue>.dead` once the queue's delivery limit is reached.
//! - A message that can never succeed (unreadable envelope, broken contract) is parked at once.

use crate::{
    broker::BrokerError, envelope::amqp_integer, inbox::Applied, Broker, Envelope, EnvelopeError,
    Topology, WorkerStatus,
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

/// Applies one message exactly once to a context's database: see [`crate::inbox`].
pub trait Apply: Send + Sync + 'static {
    fn apply<'a>(
        &'a self,
        envelope: &'a Envelope,
    ) -> impl Future<Output = Result<Applied, HandleError>> + Send + 'a;
}

/// Why the consumer loop stopped; the supervisor restarts it.
#[derive(Debug, thiserror::Error)]
pub enum ConsumeError {
    #[error(transparent)]
    Broker(#[from] BrokerError),
}

/// Consumes one context's queue, applying each message through its inbox.
pub struct Consumer<A> {
    context: String,
    broker: Broker,
    topology: Topology,
    inbox: Arc<A>,
    status: WorkerStatus,
    prefetch: u16,
}

impl<A> Clone for Consumer<A> {
    fn clone(&self) -> Self {
        Self {
            context: self.context.clone(),
            broker: self.broker.clone(),
            topology: self.topology.clone(),
            inbox: self.inbox.clone(),
            status: self.status.clone(),
            prefetch: self.prefetch,
        }
    }
}

impl<A: Apply> Consumer<A> {
    /// `context` names the queue (`<prefix>.<context>`) and the consumer in RabbitMQ.
    pub fn new(
        context: impl Into<String>,
        broker: Broker,
        topology: Topology,
        inbox: A,
        status: WorkerStatus,
    ) -> Self {
        Self {
            context: context.into(),
            broker,
            topology,
            inbox: Arc::new(inbox),
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
            match self.inbox.apply(&envelope).await {
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
