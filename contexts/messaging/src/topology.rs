//! Exchanges and queues: one topic exchange for events, one direct exchange where poison messages
//! are parked, and per consuming context a durable quorum queue with a delivery limit whose
//! rejects land in `<queue>.dead`.
//!
//! Every name starts with a prefix (`petal` in production) so tests and several shops can share
//! one broker without seeing each other's messages.

use crate::broker::BrokerError;
use lapin::{
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions},
    types::{AMQPValue, FieldTable, LongString},
    Channel, ExchangeKind,
};

/// How many times a message is delivered before it is parked. A handler that fails this often
/// on the same message is not going to succeed.
pub const DEFAULT_DELIVERY_LIMIT: i32 = 10;

/// The broker objects of one deployment, named from its prefix.
#[derive(Clone, Debug)]
pub struct Topology {
    prefix: String,
    delivery_limit: i32,
}

impl Topology {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            delivery_limit: DEFAULT_DELIVERY_LIMIT,
        }
    }

    /// Parks messages after `limit` failed deliveries instead of the default.
    pub fn with_delivery_limit(mut self, limit: i32) -> Self {
        self.delivery_limit = limit;
        self
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The topic exchange every event is published to, keyed by event name.
    pub fn events_exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }

    /// The topic exchange of transient live nudges for open pages (see [`crate::live`]).
    pub fn live_exchange(&self) -> String {
        format!("{}.live", self.prefix)
    }

    /// Declares the live exchange (a topic exchange; nothing on it is kept).
    pub(crate) async fn declare_live_exchange(&self, channel: &Channel) -> Result<(), BrokerError> {
        channel
            .exchange_declare(
                self.live_exchange().into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(BrokerError::amqp("exchange.declare"))
    }

    /// The direct exchange that routes rejected messages to their parking queue.
    pub fn dead_exchange(&self) -> String {
        format!("{}.dead", self.prefix)
    }

    /// The direct exchange requests are sent to, keyed by the answering context's name.
    pub fn rpc_exchange(&self) -> String {
        format!("{}.rpc", self.prefix)
    }

    /// The queue a context's RPC server reads, e.g. `petal.inventory.rpc`.
    pub fn rpc_queue(&self, context: &str) -> String {
        format!("{}.{context}.rpc", self.prefix)
    }

    /// The durable queue a consuming context reads, e.g. `petal.view`.
    pub fn queue(&self, context: &str) -> String {
        format!("{}.{context}", self.prefix)
    }

    /// Where `queue`'s poison messages wait for an operator, e.g. `petal.view.dead`.
    pub fn parking_queue(&self, context: &str) -> String {
        format!("{}.dead", self.queue(context))
    }

    /// Declares both exchanges, and for each `(context, routing keys)` its queue, parking queue
    /// and bindings. Idempotent: every role runs it at start.
    pub async fn declare<'a>(
        &self,
        channel: &Channel,
        subscriptions: impl IntoIterator<Item = (&'a str, &'a [&'a str])>,
    ) -> Result<(), BrokerError> {
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                self.events_exchange().into(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await
            .map_err(BrokerError::amqp("exchange.declare"))?;
        self.declare_live_exchange(channel).await?;
        channel
            .exchange_declare(
                self.dead_exchange().into(),
                ExchangeKind::Direct,
                durable,
                FieldTable::default(),
            )
            .await
            .map_err(BrokerError::amqp("exchange.declare"))?;
        channel
            .exchange_declare(
                self.rpc_exchange().into(),
                ExchangeKind::Direct,
                durable,
                FieldTable::default(),
            )
            .await
            .map_err(BrokerError::amqp("exchange.declare"))?;
        for (context, routing_keys) in subscriptions {
            self.declare_queue(channel, context, routing_keys).await?;
        }
        Ok(())
    }

    async fn declare_queue(
        &self,
        channel: &Channel,
        context: &str,
        routing_keys: &[&str],
    ) -> Result<(), BrokerError> {
        let queue = self.queue(context);
        let parking = self.parking_queue(context);
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };

        channel
            .queue_declare(
                parking.as_str().into(),
                durable,
                quorum(FieldTable::default()),
            )
            .await
            .map_err(BrokerError::amqp("queue.declare"))?;
        channel
            .queue_bind(
                parking.as_str().into(),
                self.dead_exchange().into(),
                queue.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(BrokerError::amqp("queue.bind"))?;

        let mut arguments = FieldTable::default();
        arguments.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongInt(self.delivery_limit),
        );
        arguments.insert("x-dead-letter-exchange".into(), text(&self.dead_exchange()));
        arguments.insert("x-dead-letter-routing-key".into(), text(&queue));
        channel
            .queue_declare(queue.as_str().into(), durable, quorum(arguments))
            .await
            .map_err(BrokerError::amqp("queue.declare"))?;
        for routing_key in routing_keys {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    self.events_exchange().into(),
                    (*routing_key).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(BrokerError::amqp("queue.bind"))?;
        }
        Ok(())
    }

    /// Removes the queues and exchanges of `contexts` (tests clean up after themselves).
    pub async fn delete<'a>(
        &self,
        channel: &Channel,
        contexts: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), BrokerError> {
        for context in contexts {
            for queue in [self.queue(context), self.parking_queue(context)] {
                channel
                    .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                    .await
                    .map_err(BrokerError::amqp("queue.delete"))?;
            }
        }
        for exchange in [
            self.events_exchange(),
            self.dead_exchange(),
            self.rpc_exchange(),
        ] {
            channel
                .exchange_delete(exchange.as_str().into(), Default::default())
                .await
                .map_err(BrokerError::amqp("exchange.delete"))?;
        }
        Ok(())
    }
}

fn quorum(mut arguments: FieldTable) -> FieldTable {
    arguments.insert("x-queue-type".into(), text("quorum"));
    arguments
}

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

/// Declares a queue that lives only while its consumer does (`options` say exclusive and/or
/// auto-delete; an empty `name` lets the broker choose) and binds it to `exchange` with `key`.
/// Returns the queue's name. RPC servers and the live listener use it.
pub(crate) async fn declare_bound_queue(
    channel: &Channel,
    name: &str,
    options: QueueDeclareOptions,
    exchange: &str,
    key: &str,
) -> Result<String, BrokerError> {
    let queue = channel
        .queue_declare(name.into(), options, FieldTable::default())
        .await
        .map_err(BrokerError::amqp("queue.declare"))?;
    channel
        .queue_bind(
            queue.name().clone(),
            exchange.into(),
            key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(BrokerError::amqp("queue.bind"))?;
    Ok(queue.name().to_string())
}

#[cfg(test)]
mod tests {
    use super::Topology;

    #[test]
    fn names_follow_the_deployment_prefix() {
        let topology = Topology::new("petal");
        assert_eq!(topology.events_exchange(), "petal.events");
        assert_eq!(topology.dead_exchange(), "petal.dead");
        assert_eq!(topology.queue("view"), "petal.view");
        assert_eq!(topology.parking_queue("view"), "petal.view.dead");
    }
}
