//! Request/response over RabbitMQ, for the few questions that need an answer now (order asks
//! inventory to reserve stock).
//!
//! A [`Server`] consumes `<prefix>.<context>.rpc`, bound to the direct exchange `<prefix>.rpc`
//! with the context's name. The queue exists only while a server listens (auto-delete), so a
//! request to a context that is down is returned at once as [`RpcError::Unavailable`] instead of
//! waiting out its deadline. A [`Client`] publishes with a deadline (also the message's TTL, so a
//! stale request is never handled) and receives the reply through RabbitMQ's direct reply-to;
//! the reply's `correlation_id` is the request's message id.

use crate::{
    broker::BrokerError,
    consumer::{reject, HandleError},
    Broker, Envelope, Topology, WorkerStatus,
};
use futures_util::{FutureExt, StreamExt};
use lapin::{
    options::{
        BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
        ConfirmSelectOptions, QueueDeclareOptions,
    },
    types::{FieldTable, ShortString},
    Channel, Confirmation,
};
use std::{
    collections::HashMap,
    future::Future,
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// RabbitMQ's pseudo-queue for direct replies.
const REPLY_TO: &str = "amq.rabbitmq.reply-to";
/// Message type of a reply saying the server could not answer.
pub const ERROR_KIND: &str = "rpc.error";

/// Why a call got no answer.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error("no {0} server is listening")]
    Unavailable(String),
    #[error("{0} did not answer within {1:?}")]
    Timeout(String, Duration),
    #[error("{0} could not answer: {1}")]
    Failed(String, String),
    #[error(transparent)]
    Broker(#[from] BrokerError),
    #[error("{context} answered {got:?} where {wanted:?} was expected")]
    Unexpected {
        context: String,
        wanted: &'static str,
        got: String,
    },
    #[error("{0}")]
    Garbled(#[from] crate::envelope::EnvelopeError),
}

type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<Envelope>>>>;

/// Sends requests and waits for their replies; cheap to clone, safe to share.
#[derive(Clone)]
pub struct Client {
    broker: Broker,
    topology: Topology,
    open: Arc<tokio::sync::Mutex<Option<(Channel, Pending)>>>,
}

impl Client {
    pub fn new(broker: Broker, topology: Topology) -> Self {
        Self {
            broker,
            topology,
            open: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// Asks `request`'s context and waits at most `deadline` for its typed answer.
    pub async fn ask<R: contracts::Request>(
        &self,
        request: &R,
        correlation_id: Option<String>,
        deadline: Duration,
    ) -> Result<R::Reply, RpcError> {
        use contracts::Reply;
        let envelope = Envelope::request(request, correlation_id);
        let reply = self.call(R::CONTEXT, &envelope, deadline).await?;
        if reply.kind != <R::Reply as Reply>::KIND {
            return Err(RpcError::Unexpected {
                context: R::CONTEXT.to_owned(),
                wanted: <R::Reply as Reply>::KIND,
                got: reply.kind,
            });
        }
        Ok(reply.decode()?)
    }

    /// Asks `context` and waits at most `deadline` for its answer: one deadline for the whole
    /// call, connecting, publishing and waiting for the confirm included, so a broker that
    /// blocks (a full disk, a stuck connection) cannot hang the caller.
    #[tracing::instrument(skip(self, request), fields(kind = %request.kind, id = %request.id))]
    pub async fn call(
        &self,
        context: &str,
        request: &Envelope,
        deadline: Duration,
    ) -> Result<Envelope, RpcError> {
        let started = std::time::Instant::now();
        let answered =
            tokio::time::timeout(deadline, self.send_and_wait(context, request, deadline)).await;
        let outcome = match &answered {
            Ok(Ok(_)) => "answered",
            Ok(Err(_)) => "failed",
            Err(_) => "timed_out",
        };
        metrics::histogram!("petal_rpc_call_seconds", "context" => context.to_owned(), "outcome" => outcome)
            .record(started.elapsed());
        match answered {
            Ok(outcome) => outcome,
            Err(_) => {
                // The step in progress was dropped (and released the channel's lock with it);
                // a late answer finds nobody waiting.
                if let Some((_, pending)) = self.open.lock().await.as_ref() {
                    pending
                        .lock()
                        .expect("rpc lock")
                        .remove(&request.id.to_string());
                }
                Err(RpcError::Timeout(context.to_owned(), deadline))
            }
        }
    }

    async fn send_and_wait(
        &self,
        context: &str,
        request: &Envelope,
        deadline: Duration,
    ) -> Result<Envelope, RpcError> {
        let (channel, pending) = self.channel().await?;
        let key = request.id.to_string();
        let (answer, reply) = oneshot::channel();
        pending
            .lock()
            .expect("rpc lock")
            .insert(key.clone(), answer);
        let forget = || {
            pending.lock().expect("rpc lock").remove(&key);
        };

        let properties = request
            .properties()
            .with_reply_to(REPLY_TO.into())
            .with_expiration(ShortString::from(deadline.as_millis().to_string()))
            .with_delivery_mode(1);
        let published = channel
            .basic_publish(
                self.topology.rpc_exchange().into(),
                context.into(),
                BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                },
                &request.body,
                properties,
            )
            .await;
        let confirmation = match published {
            Ok(confirm) => confirm.await,
            Err(error) => Err(error),
        };
        match confirmation {
            Ok(Confirmation::Ack(None)) => {}
            Ok(Confirmation::Ack(Some(_)) | Confirmation::Nack(_)) => {
                forget();
                return Err(RpcError::Unavailable(context.to_owned()));
            }
            Ok(Confirmation::NotRequested) => unreachable!("the client channel is in confirm mode"),
            Err(error) => {
                forget();
                self.reset().await;
                return Err(BrokerError::amqp("basic.publish")(error).into());
            }
        }

        match reply.await {
            Ok(reply) if reply.kind == ERROR_KIND => {
                let reason = String::from_utf8_lossy(&reply.body).into_owned();
                Err(RpcError::Failed(context.to_owned(), reason))
            }
            Ok(reply) => Ok(reply),
            // The reply consumer went away with the channel.
            Err(_) => Err(RpcError::Unavailable(context.to_owned())),
        }
    }

    async fn reset(&self) {
        *self.open.lock().await = None;
    }

    /// The open client channel, or a new one with its reply consumer if the last one died.
    async fn channel(&self) -> Result<(Channel, Pending), BrokerError> {
        let mut open = self.open.lock().await;
        if let Some((channel, pending)) = open.as_ref() {
            if channel.status().connected() {
                return Ok((channel.clone(), pending.clone()));
            }
        }
        let channel = self.broker.channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(BrokerError::amqp("confirm.select"))?;
        let mut replies = channel
            .basic_consume(
                REPLY_TO.into(),
                "".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(BrokerError::amqp("basic.consume"))?;
        let pending: Pending = Arc::default();
        let waiting = pending.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = replies.next().await {
                let Ok(reply) = Envelope::from_amqp(&delivery.properties, &delivery.data) else {
                    tracing::warn!("ignoring an unreadable RPC reply");
                    continue;
                };
                let Some(key) = reply.correlation_id.clone() else {
                    continue;
                };
                let answer = waiting.lock().expect("rpc lock").remove(&key);
                if let Some(answer) = answer {
                    let _ = answer.send(reply);
                }
            }
            // Channel gone: every caller still waiting learns it now, not at its deadline.
            waiting.lock().expect("rpc lock").clear();
        });
        *open = Some((channel.clone(), pending.clone()));
        Ok((channel, pending))
    }
}

/// Answers one kind of request. Errors are sent back to the caller as [`ERROR_KIND`] replies.
pub trait Responder: Send + Sync + 'static {
    fn respond<'a>(
        &'a self,
        request: &'a Envelope,
    ) -> impl Future<Output = Result<Envelope, HandleError>> + Send + 'a;
}

/// A fault switch for tests and chaos runs: answers to some kinds of request are sent only after
/// `delay` (longer than the caller's deadline), with the given probability, after the work was
/// done — the "reply lost after the server committed" failure. Empty (no faults) by default.
#[derive(Clone, Debug, Default)]
pub struct LateReplies {
    /// Request kind → probability in `0.0..=1.0`.
    pub chance: HashMap<String, f64>,
    pub delay: Duration,
}

impl LateReplies {
    /// Parses `kind=probability,…` (e.g. `inventory.reserve=0.1,delivery.cancel=1`).
    pub fn parse(spec: &str, delay: Duration) -> Result<Self, String> {
        let mut chance = HashMap::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (kind, probability) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?}: write kind=probability"))?;
            let probability: f64 = probability
                .trim()
                .parse()
                .ok()
                .filter(|p| (0.0..=1.0).contains(p))
                .ok_or_else(|| format!("{part:?}: the probability is a number from 0 to 1"))?;
            chance.insert(kind.trim().to_owned(), probability);
        }
        Ok(Self { chance, delay })
    }

    fn delay_for(&self, kind: &str) -> Option<Duration> {
        let probability = *self.chance.get(kind)?;
        (crate::random_fraction() < probability).then_some(self.delay)
    }
}

/// Serves a context's requests.
pub struct Server<R> {
    context: String,
    broker: Broker,
    topology: Topology,
    responder: Arc<R>,
    status: WorkerStatus,
    late_replies: Arc<LateReplies>,
}

impl<R> Clone for Server<R> {
    fn clone(&self) -> Self {
        Self {
            context: self.context.clone(),
            broker: self.broker.clone(),
            topology: self.topology.clone(),
            responder: self.responder.clone(),
            status: self.status.clone(),
            late_replies: self.late_replies.clone(),
        }
    }
}

impl<R: Responder> Server<R> {
    pub fn new(
        context: impl Into<String>,
        broker: Broker,
        topology: Topology,
        responder: R,
        status: WorkerStatus,
    ) -> Self {
        Self {
            context: context.into(),
            broker,
            topology,
            responder: Arc::new(responder),
            status,
            late_replies: Arc::default(),
        }
    }

    /// Answers some requests too late on purpose (see [`LateReplies`]).
    pub fn with_late_replies(mut self, late_replies: LateReplies) -> Self {
        self.late_replies = Arc::new(late_replies);
        self
    }

    /// Serves until `shutdown`, answering up to 32 requests at once.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<(), BrokerError> {
        const CONCURRENCY: u16 = 32;
        let channel = self.broker.channel().await?;
        let queue = crate::topology::declare_bound_queue(
            &channel,
            &self.topology.rpc_queue(&self.context),
            QueueDeclareOptions {
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            &self.topology.rpc_exchange(),
            &self.context,
        )
        .await?;
        channel
            .basic_qos(CONCURRENCY, BasicQosOptions::default())
            .await
            .map_err(BrokerError::amqp("basic.qos"))?;
        let requests = channel
            .basic_consume(
                queue.as_str().into(),
                format!("{}-rpc-{}", self.context, uuid::Uuid::now_v7()).into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(BrokerError::amqp("basic.consume"))?;
        self.status.set_running(true);

        requests
            .take_until(shutdown.cancelled())
            .map(|delivery| delivery.map_err(BrokerError::amqp("basic.consume")))
            .for_each_concurrent(usize::from(CONCURRENCY), |delivery| {
                let channel = channel.clone();
                async move {
                    match delivery {
                        Ok(delivery) => {
                            if let Err(error) = self.answer(&channel, delivery).await {
                                tracing::warn!(%error, "answering an RPC request");
                            }
                        }
                        Err(error) => tracing::warn!(%error, "RPC request stream failed"),
                    }
                }
            })
            .await;
        crate::broker::close_channel(&channel, "rpc server stopping").await;
        if shutdown.is_cancelled() {
            Ok(())
        } else {
            Err(BrokerError::Lost("RPC request consumer"))
        }
    }

    async fn answer(
        &self,
        channel: &Channel,
        delivery: lapin::message::Delivery,
    ) -> Result<(), BrokerError> {
        let Some(reply_to) = delivery.properties.reply_to().clone() else {
            tracing::warn!("dropping an RPC request without reply_to");
            return reject(&delivery).await;
        };
        let request = match Envelope::from_amqp(&delivery.properties, &delivery.data) {
            Ok(request) => request,
            Err(error) => {
                tracing::warn!(%error, "dropping an unreadable RPC request");
                return reject(&delivery).await;
            }
        };
        let span = tracing::info_span!("rpc", kind = %request.kind, id = %request.id);
        let answered = AssertUnwindSafe(self.responder.respond(&request).instrument(span))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| {
                Err(HandleError::Retry(anyhow::anyhow!(
                    "the responder panicked: {}",
                    crate::consumer::panic_message(panic.as_ref())
                )))
            });
        if let Some(delay) = self.late_replies.delay_for(&request.kind) {
            // Fault injection: the work is done and committed, the answer comes too late.
            tracing::warn!(kind = %request.kind, ?delay, "fault injection: answering late");
            tokio::time::sleep(delay).await;
        }
        let mut reply = match answered {
            Ok(reply) => reply,
            Err(error) => {
                tracing::error!(kind = %request.kind, %error, "RPC request failed");
                Envelope {
                    body: b"the request could not be handled; try again shortly".to_vec(),
                    ..Envelope::new(ERROR_KIND, 1, &(), None)
                }
            }
        };
        reply.correlation_id = Some(request.id.to_string());
        channel
            .basic_publish(
                "".into(),
                reply_to,
                BasicPublishOptions::default(),
                &reply.body,
                reply.properties().with_delivery_mode(1),
            )
            .await
            .map_err(BrokerError::amqp("basic.publish"))?;
        delivery
            .acker
            .ack(BasicAckOptions::default())
            .await
            .map(|_| ())
            .map_err(BrokerError::amqp("basic.ack"))
    }
}
