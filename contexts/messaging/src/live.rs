//! Live nudges: after a consumer commits a change that someone may be watching on a page, it
//! says so on the topic exchange `<prefix>.live`; every web instance listens on a queue of its
//! own and pushes the news to its open server-sent event streams.
//!
//! Nudges are hints, not facts: transient, unconfirmed, dropped when nobody listens. A page that
//! misses one is still right after a reload, because the read models are the truth. What a
//! nudge says (its routing key and JSON body) is up to the caller; this module knows no flowers.

use crate::{
    handling::{Applied, Apply},
    Broker, BrokerError, Envelope, HandleError, Topology,
};
use futures_util::StreamExt;
use lapin::{
    options::{BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions},
    types::{FieldTable, ShortString},
    BasicProperties, Channel,
};
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// What to announce once a message has been applied: a routing key and a JSON body.
pub type Announce = fn(&Envelope) -> Option<(String, serde_json::Value)>;

/// Publishes nudges on `<prefix>.live`, reusing one channel.
#[derive(Clone)]
pub struct Nudger {
    broker: Broker,
    exchange: String,
    channel: Arc<Mutex<Option<Channel>>>,
}

impl Nudger {
    pub fn new(broker: Broker, topology: &Topology) -> Self {
        Self {
            broker,
            exchange: topology.live_exchange(),
            channel: Arc::default(),
        }
    }

    /// Best effort: a failure is logged and forgotten, the next nudge opens a new channel.
    pub async fn nudge(&self, routing_key: &str, body: &serde_json::Value) {
        let mut channel = self.channel.lock().await;
        if let Err(error) = self.publish(&mut channel, routing_key, body).await {
            tracing::debug!(%error, "live nudge dropped");
            *channel = None;
        }
    }

    async fn publish(
        &self,
        channel: &mut Option<Channel>,
        routing_key: &str,
        body: &serde_json::Value,
    ) -> Result<(), BrokerError> {
        if channel.as_ref().is_none_or(|c| !c.status().connected()) {
            *channel = Some(self.broker.channel().await?);
        }
        let channel = channel.as_ref().expect("opened above");
        channel
            .basic_publish(
                self.exchange.as_str().into(),
                routing_key.into(),
                BasicPublishOptions::default(),
                &serde_json::to_vec(body).unwrap_or_default(),
                BasicProperties::default()
                    .with_content_type(ShortString::from("application/json"))
                    .with_delivery_mode(1),
            )
            .await
            .map_err(BrokerError::amqp("basic.publish"))?;
        Ok(())
    }
}

/// An inbox that nudges after each message it applies for the first time (after the commit,
/// so a page that reloads on the nudge sees the change).
pub struct Nudging<A> {
    inner: A,
    nudger: Nudger,
    announce: Announce,
}

impl<A: Apply> Nudging<A> {
    pub fn new(inner: A, nudger: Nudger, announce: Announce) -> Self {
        Self {
            inner,
            nudger,
            announce,
        }
    }
}

impl<A: Apply> Apply for Nudging<A> {
    async fn apply(&self, envelope: &Envelope) -> Result<Applied, HandleError> {
        let applied = self.inner.apply(envelope).await?;
        if applied == Applied::Applied {
            if let Some((key, body)) = (self.announce)(envelope) {
                self.nudger.nudge(&key, &body).await;
            }
        }
        Ok(applied)
    }
}

/// Listens to every nudge on a queue of this process's own (exclusive, gone with the
/// connection) and hands each routing key and body to `deliver`, until `shutdown`.
pub async fn listen(
    broker: &Broker,
    topology: &Topology,
    shutdown: CancellationToken,
    deliver: impl Fn(&str, serde_json::Value),
) -> Result<(), BrokerError> {
    let channel = broker.channel().await?;
    topology.declare_live_exchange(&channel).await?;
    let queue = crate::topology::declare_bound_queue(
        &channel,
        "",
        QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        },
        &topology.live_exchange(),
        "#",
    )
    .await?;
    let mut consumer = channel
        .basic_consume(
            queue.as_str().into(),
            "live".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(BrokerError::amqp("basic.consume"))?;
    loop {
        let delivery = tokio::select! {
            () = shutdown.cancelled() => break,
            delivery = consumer.next() => delivery,
        };
        match delivery {
            None => return Err(BrokerError::Lost("live nudge consumer")),
            Some(Err(error)) => return Err(BrokerError::amqp("basic.consume")(error)),
            Some(Ok(delivery)) => {
                if let Ok(body) = serde_json::from_slice(&delivery.data) {
                    deliver(delivery.routing_key.as_str(), body);
                }
            }
        }
    }
    crate::broker::close_channel(&channel, "live listener stopping").await;
    Ok(())
}
