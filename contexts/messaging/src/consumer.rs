//! The consumer loop: reads a context's quorum queue, applies each message through the
//! context's inbox (one database transaction with the inbox row, see [`crate::inbox`]), and acks
//! only after that transaction committed.
//!
//! - A message seen before (its id is in the inbox) is acked without being applied again.
//! - An outage (the database or the network away for a while) is not the message's fault: the
//!   consumer keeps the message and tries it again with backoff until the outage ends, so it never
//!   counts toward the queue's delivery limit.
//! - A failure that may be the message's own (a fact it depends on is not here yet, an error we
//!   did not expect, a handler that panicked) is retried through the queue: after a short backoff
//!   the message goes back, and RabbitMQ parks it in `<queue>.dead` at the delivery limit.
//! - A message that can never succeed (unreadable envelope, broken contract) is parked at once.

pub use crate::handling::{is_outage, panic_message, Apply, HandleError};
use crate::{
    broker::BrokerError, envelope::amqp_integer, handling::Applied, Broker, Envelope, Topology,
    WorkerStatus,
};
use backon::{BackoffBuilder, ExponentialBuilder};
use futures_util::FutureExt;
use futures_util::{StreamExt, TryStreamExt};
use lapin::{
    message::Delivery,
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions, BasicRejectOptions,
    },
    types::FieldTable,
};
use std::{panic::AssertUnwindSafe, sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

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
                self.process(delivery, &shutdown)
            })
            .await;
        // Messages prefetched but not started go back to the queue when the channel closes.
        crate::broker::close_channel(&channel, "consumer stopping").await;
        outcome.map_err(ConsumeError::from)
    }

    async fn process(
        &self,
        delivery: Delivery,
        shutdown: &CancellationToken,
    ) -> Result<(), BrokerError> {
        let started = std::time::Instant::now();
        let queue = self.context.clone();
        if delivery.redelivered {
            metrics::counter!("petal_messages_redelivered_total", "queue" => queue.clone())
                .increment(1);
        }
        let handled = |outcome: &'static str| {
            metrics::counter!("petal_messages_handled_total", "queue" => queue.clone(), "outcome" => outcome)
                .increment(1);
            metrics::histogram!("petal_message_handling_seconds", "queue" => queue.clone())
                .record(started.elapsed());
        };
        let envelope = match Envelope::from_amqp(&delivery.properties, &delivery.data) {
            Ok(envelope) => envelope,
            Err(error) => {
                tracing::error!(%error, routing_key = %delivery.routing_key, "unreadable message parked");
                handled("parked");
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
            match self.apply_through_outages(&envelope, shutdown).await {
                Ok(outcome) => {
                    tracing::debug!(?outcome, "handled");
                    handled("done");
                    delivery
                        .acker
                        .ack(BasicAckOptions::default())
                        .await
                        .map_err(BrokerError::amqp("basic.ack"))?;
                }
                Err(HandleError::Reject(error)) => {
                    tracing::error!(error = format!("{error:#}"), "message parked");
                    handled("parked");
                    reject(&delivery).await?;
                }
                // Shutting down during an outage: the message goes back for the next process.
                Err(HandleError::Retry(error) | HandleError::Unavailable(error)) => {
                    let attempt = delivery_count(&delivery);
                    let delay = retry_delay(attempt);
                    tracing::warn!(error = format!("{error:#}"), attempt, ?delay, "will retry");
                    handled("retried");
                    if !shutdown.is_cancelled() {
                        tokio::time::sleep(delay).await;
                    }
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

impl<A: Apply> Consumer<A> {
    /// Applies `envelope`, holding on to it through outages: tried again with backoff (up to
    /// [`OUTAGE_RETRY_MAX`] apart) for as long as the failure is [`HandleError::Unavailable`] and
    /// the process is not stopping. A panicking handler is a bug, not an outage: it counts.
    async fn apply_through_outages(
        &self,
        envelope: &Envelope,
        shutdown: &CancellationToken,
    ) -> Result<Applied, HandleError> {
        let mut delays = ExponentialBuilder::new()
            .with_min_delay(Duration::from_millis(100))
            .with_max_delay(OUTAGE_RETRY_MAX)
            .with_jitter()
            .without_max_times()
            .build();
        loop {
            let outcome = AssertUnwindSafe(self.inbox.apply(envelope))
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| {
                    Err(HandleError::Retry(anyhow::anyhow!(
                        "the handler panicked: {}",
                        panic_message(panic.as_ref())
                    )))
                });
            match outcome {
                Err(HandleError::Unavailable(error)) if !shutdown.is_cancelled() => {
                    let delay = delays.next().unwrap_or(OUTAGE_RETRY_MAX);
                    tracing::warn!(
                        error = format!("{error:#}"),
                        ?delay,
                        "outage: holding the message"
                    );
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = shutdown.cancelled() => return Err(HandleError::Unavailable(error)),
                    }
                }
                other => return other,
            }
        }
    }
}

/// The longest wait between two attempts at a message held through an outage.
pub const OUTAGE_RETRY_MAX: Duration = Duration::from_secs(5);

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
