//! Parked messages, for an operator: see what a context could not handle, and send it back to
//! the context's queue once the cause is fixed.

use crate::{broker::BrokerError, Broker, Envelope, Topology};
use lapin::{
    options::{
        BasicAckOptions, BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions,
        QueueDeclareOptions,
    },
    types::FieldTable,
    Confirmation,
};

/// A parked message as the operator sees it.
#[derive(Clone, Debug)]
pub struct Parked {
    /// `None` when the message was not even an envelope.
    pub envelope: Option<Envelope>,
    pub routing_key: String,
    pub body: Vec<u8>,
}

/// How many messages are parked for `context`, without touching them.
pub async fn count(
    broker: &Broker,
    topology: &Topology,
    context: &str,
) -> Result<u32, BrokerError> {
    let channel = broker.channel().await?;
    let queue = channel
        .queue_declare(
            topology.parking_queue(context).into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(BrokerError::amqp("queue.declare"));
    crate::broker::close_channel(&channel, "counted parked messages").await;
    Ok(queue?.message_count())
}

/// The messages parked for `context`, left where they are.
pub async fn list(
    broker: &Broker,
    topology: &Topology,
    context: &str,
) -> Result<Vec<Parked>, BrokerError> {
    let channel = broker.channel().await?;
    let mut parked = Vec::new();
    // Unacked gets on one channel; closing it puts every message back, in order.
    while let Some(message) = channel
        .basic_get(
            topology.parking_queue(context).into(),
            BasicGetOptions { no_ack: false },
        )
        .await
        .map_err(BrokerError::amqp("basic.get"))?
    {
        let delivery = message.delivery;
        parked.push(Parked {
            envelope: Envelope::from_amqp(&delivery.properties, &delivery.data).ok(),
            routing_key: delivery.routing_key.to_string(),
            body: delivery.data,
        });
    }
    crate::broker::close_channel(&channel, "listed parked messages").await;
    Ok(parked)
}

/// Moves every message parked for `context` back to its queue, each removed from the parking
/// queue only after the broker confirmed it back in place. Returns how many moved.
pub async fn redrive(
    broker: &Broker,
    topology: &Topology,
    context: &str,
) -> Result<usize, BrokerError> {
    let channel = broker.channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .map_err(BrokerError::amqp("confirm.select"))?;
    let queue = topology.queue(context);
    let mut moved = 0;
    while let Some(message) = channel
        .basic_get(
            topology.parking_queue(context).into(),
            BasicGetOptions { no_ack: false },
        )
        .await
        .map_err(BrokerError::amqp("basic.get"))?
    {
        let delivery = message.delivery;
        // Straight to the context's queue (default exchange), not to every subscriber again.
        let confirm = channel
            .basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions::default(),
                &delivery.data,
                delivery.properties.clone(),
            )
            .await
            .map_err(BrokerError::amqp("basic.publish"))?
            .await
            .map_err(BrokerError::amqp("basic.publish"))?;
        if !matches!(confirm, Confirmation::Ack(None)) {
            return Err(BrokerError::NotConfirmed(1));
        }
        delivery
            .acker
            .ack(BasicAckOptions::default())
            .await
            .map_err(BrokerError::amqp("basic.ack"))?;
        moved += 1;
    }
    crate::broker::close_channel(&channel, "re-drove parked messages").await;
    Ok(moved)
}
