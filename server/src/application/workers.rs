//! The process's background workers: outbox relays, consumers, RPC servers and other loops,
//! each supervised (restarted with backoff when it fails) and each with a readiness flag.

use crate::api;
use contracts::live::Nudge;
use messaging::{
    live::{self},
    outbox::Relay,
    rpc, Apply, Broker, Consumer, Handler, PgInbox, Topology, WorkerStatus,
};
use sqlx::PgPool;
use std::future::Future;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The process's background workers, each supervised: restarted with backoff when it fails.
pub(super) struct Workers {
    pub(super) broker: Broker,
    pub(super) topology: Topology,
    pub(super) shutdown: CancellationToken,
    pub(super) statuses: Vec<WorkerStatus>,
    pub(super) set: JoinSet<()>,
    /// Fault injection for RPC servers (none unless configured).
    pub(super) late_replies: rpc::LateReplies,
    /// The outboxes relayed and the queues consumed, for `/metrics`.
    pub(super) outboxes: Vec<(String, PgPool)>,
    pub(super) consumers: Vec<String>,
}

impl Workers {
    pub(super) fn new(broker: Broker, topology: Topology, shutdown: CancellationToken) -> Self {
        Self {
            broker,
            topology,
            shutdown,
            statuses: Vec::new(),
            set: JoinSet::new(),
            late_replies: rpc::LateReplies::default(),
            outboxes: Vec::new(),
            consumers: Vec::new(),
        }
    }

    /// A readiness flag for the worker called `name`, reported by `/health/ready`.
    pub(super) fn status(&mut self, name: &str) -> WorkerStatus {
        match self.statuses.iter().find(|s| s.name() == name) {
            Some(status) => status.clone(),
            None => {
                let status = WorkerStatus::new(name);
                self.statuses.push(status.clone());
                status
            }
        }
    }

    /// Publishes what `context` stages in its outbox.
    pub(super) fn relay(&mut self, context: &str, pool: &PgPool) {
        let name = format!("{context}.outbox");
        self.outboxes.push((context.to_owned(), pool.clone()));
        let relay = Relay::new(
            context,
            pool.clone(),
            self.broker.clone(),
            self.topology.clone(),
            self.status(&name),
        );
        self.spawn(&name, move |stop| {
            let relay = relay.clone();
            async move { relay.run(stop).await }
        });
    }

    /// Consumes `context`'s queue with `handler`.
    pub(super) fn consume<H: Handler>(&mut self, context: &str, pool: &PgPool, handler: H) {
        self.consume_with(context, PgInbox::new(pool.clone(), handler));
    }

    /// Consumes `context`'s queue, applying each message through `inbox`.
    pub(super) fn consume_with<A: Apply>(&mut self, context: &str, inbox: A) {
        let name = format!("{context}.consumer");
        self.consumers.push(context.to_owned());
        let consumer = Consumer::new(
            context,
            self.broker.clone(),
            self.topology.clone(),
            inbox,
            self.status(&name),
        );
        self.spawn(&name, move |stop| {
            let consumer = consumer.clone();
            async move { consumer.run(stop).await }
        });
    }

    pub(super) fn nudger(&self) -> live::Nudger {
        live::Nudger::new(self.broker.clone(), &self.topology)
    }

    /// Hands every live nudge this process hears to `hub`, for the pages' event streams.
    /// A product nudge also drops the catalog `read_models` reuse.
    pub(super) fn listen_live(&mut self, hub: api::Hub, read_models: view::ReadModels) {
        let (broker, topology) = (self.broker.clone(), self.topology.clone());
        let status = self.status("web.live");
        self.spawn("web.live", move |stop| {
            let (broker, topology, hub, status, read_models) = (
                broker.clone(),
                topology.clone(),
                hub.clone(),
                status.clone(),
                read_models.clone(),
            );
            async move {
                status.set_running(true);
                live::listen(&broker, &topology, stop, |_, body| {
                    if let Ok(nudge) = serde_json::from_value::<Nudge>(body) {
                        if matches!(nudge, Nudge::Product { .. }) {
                            read_models.forget_catalog();
                        }
                        hub.publish(nudge);
                    }
                })
                .await
            }
        });
    }

    /// Answers `context`'s RPC requests with `responder`.
    pub(super) fn serve<R: rpc::Responder>(&mut self, context: &str, responder: R) {
        let name = format!("{context}.rpc");
        let server = rpc::Server::new(
            context,
            self.broker.clone(),
            self.topology.clone(),
            responder,
            self.status(&name),
        )
        .with_late_replies(self.late_replies.clone());
        self.spawn(&name, move |stop| {
            let server = server.clone();
            async move { server.run(stop).await }
        });
    }

    /// Runs `work` under supervision. Every (re)start first declares the whole topology, so a
    /// broker that lost its definitions gets them back before anything is published or consumed.
    pub(super) fn spawn<W, Fut, E>(&mut self, name: &str, work: W)
    where
        W: Fn(CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send,
        E: Into<anyhow::Error>,
    {
        let status = self.status(name);
        let broker = self.broker.clone();
        let topology = self.topology.clone();
        let shutdown = self.shutdown.clone();
        self.set.spawn(async move {
            let attempt = || {
                let broker = broker.clone();
                let topology = topology.clone();
                let stop = shutdown.clone();
                let run = work(stop);
                async move {
                    declare_topology(&broker, &topology).await?;
                    run.await.map_err(Into::into)
                }
            };
            broker.supervise(status, shutdown.clone(), attempt).await;
        });
    }
}

/// Declares every exchange and queue the shop uses, so nothing published is unroutable.
async fn declare_topology(broker: &Broker, topology: &Topology) -> anyhow::Result<()> {
    let channel = broker.channel().await?;
    let subscriptions: Vec<(&str, &[&str])> = contracts::subscriptions::ALL
        .iter()
        .map(|s| (s.queue, s.routing_keys))
        .collect();
    topology.declare(&channel, subscriptions).await?;
    messaging::close_channel(&channel, "topology declared").await;
    Ok(())
}
