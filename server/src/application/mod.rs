//! The composition root: builds the roles a process plays from [`Settings`], wires each context
//! to its database and to the broker, serves HTTP, and shuts everything down in order.
//!
//! `main` and the integration tests build the application the same way.

mod workers;

use workers::Workers;

use crate::{api, config::Settings, db, edge, health, metrics, roles::Role, web};
use anyhow::Context;
use axum::Router;
use contracts::live::Nudge;
use messaging::{
    live::Nudging, rpc, Broker, Envelope, MySqlInbox, PgInbox, Topology, WorkerStatus,
};
use std::{net::SocketAddr, time::Duration};
use tokio::{net::TcpListener, task::JoinSet};
use tokio_util::sync::CancellationToken;
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

/// A built, not yet running, Petal process.
pub struct Application {
    /// The storefront (web role only).
    site: Option<(TcpListener, Router)>,
    /// Health for every role.
    ops: (TcpListener, Router),
    workers: JoinSet<()>,
    readiness: health::Readiness,
    broker: Broker,
    pools: Vec<db::Pool>,
    /// Every worker's status, to name those that do not stop.
    statuses: Vec<WorkerStatus>,
    shutdown: CancellationToken,
}

/// How long stopping may take once requests are done: the workers finish the messages in hand
/// (each takes well under a second), then the broker connection and the pools close. Kubernetes
/// kills a pod 30 s after SIGTERM; a process that waits longer than this names what it waited
/// for and stops anyway. Nothing is lost: a message is acknowledged only after its commit, so
/// one in hand goes back to its queue and the inbox skips it if it was applied.
const STOP_GRACE: Duration = Duration::from_secs(10);

impl Application {
    /// Connects, creates and migrates each role's database, loads the demo catalog if asked,
    /// starts the background workers and binds the HTTP port.
    pub async fn build(settings: &Settings, roles: &[Role]) -> anyhow::Result<Self> {
        anyhow::ensure!(!roles.is_empty(), "a process needs at least one role");
        // Installed before anything records.
        metrics::handle();
        let shutdown = CancellationToken::new();
        let topology = Topology::new(&settings.broker_prefix);
        let role_names: Vec<&str> = roles.iter().map(|r| r.name()).collect();
        let broker = Broker::new(
            settings.amqp_url.as_str(),
            // The prefix tells an operator which shop a connection belongs to.
            format!(
                "petal {} [{}] pid {}",
                role_names.join("+"),
                settings.broker_prefix,
                std::process::id()
            ),
        );
        let mut workers = Workers::new(broker.clone(), topology.clone(), shutdown.clone());
        workers.late_replies = settings.late_replies.clone();
        let mut databases = Vec::new();
        let mut breakers: Vec<(&'static str, metrics::BreakerOpen)> = Vec::new();
        let mut router = Router::new();

        for role in roles {
            let context = role.context();
            if *role == Role::Notification {
                let pool = db::mariadb(settings, context, role.migrator()).await?;
                let inbox = MySqlInbox::new(pool.clone(), notification::Notifier);
                let nudging = Nudging::new(inbox, workers.nudger(), announce_message);
                workers.consume_with(context, nudging);
                let inbox = notification::Inbox::new(pool.clone());
                workers.serve(context, notification::InboxQueries(inbox));
                databases.push((context, db::Pool::MariaDb(pool)));
                continue;
            }
            let pool = db::postgres(settings, context, role.migrator()).await?;
            match role {
                Role::Inventory => {
                    let store = inventory::Inventory::new(pool.clone());
                    if settings.demo_catalog {
                        let added = store
                            .add_missing(&inventory::demo_catalog(), "demo catalog")
                            .await
                            .context("loading the demo catalog")?;
                        tracing::info!(added, "demo catalog loaded");
                    }
                    workers.relay(context, &pool);
                    workers.consume(context, &pool, inventory::saga::SettleReservations);
                    let responder = inventory::saga::ReserveResponder {
                        inventory: store.clone(),
                        hold_for: settings.reservation_hold,
                    };
                    workers.serve(context, responder);
                    let expiry = workers.status(&format!("{context}.expiry"));
                    workers.spawn(&format!("{context}.expiry"), move |stop| {
                        let (store, expiry) = (store.clone(), expiry.clone());
                        let every = Duration::from_secs(1);
                        async move {
                            inventory::saga::expire_reservations(store, every, expiry, stop).await
                        }
                    });
                }
                Role::Order => {
                    workers.relay(context, &pool);
                    workers.consume(context, &pool, order::saga::FollowOutcomes);
                    let orders = order::Orders::new(
                        pool.clone(),
                        rpc::Client::new(broker.clone(), topology.clone()),
                        order::BreakerSettings::default(),
                        settings.same_day_cutoff_hour,
                    );
                    let inventory = orders.inventory().clone();
                    breakers.push((
                        order::saga::INVENTORY,
                        std::sync::Arc::new(move || !inventory.is_call_permitted()),
                    ));
                    workers.serve(context, order::OrderCommands(orders));
                }
                Role::Payment => {
                    workers.relay(context, &pool);
                    let processor = payment::FakeProcessor::connect(
                        &settings.database_url(crate::roles::PROCESSOR),
                    )
                    .await
                    .context("opening the fake card processor's ledger")?
                    .losing_answers(settings.lost_processor_answers)
                    .with_latency(settings.processor_latency);
                    workers.consume_with(context, payment::Payments::new(processor, pool.clone()));
                    workers.serve(context, payment::PaymentQueries(pool.clone()));
                }
                Role::Delivery => {
                    workers.relay(context, &pool);
                    workers.consume(context, &pool, delivery::FollowOrders);
                    let deliveries = delivery::Deliveries::new(pool.clone());
                    workers.serve(context, delivery::DeliveryCommands(deliveries));
                }
                Role::Notification => unreachable!("handled above: it lives on MariaDB"),
                Role::Web => {
                    let inbox = PgInbox::new(pool.clone(), view::Projector);
                    let nudging = Nudging::new(inbox, workers.nudger(), announce_view_change);
                    workers.consume_with(context, nudging);
                    let hub = api::Hub::default();
                    let live = hub.clone();
                    let read_models = view::ReadModels::new(pool.clone());
                    workers.listen_live(hub.clone(), read_models.clone());
                    let accounts_pool =
                        db::postgres(settings, web::ACCOUNTS, &web::MIGRATOR).await?;
                    let api = api::ApiState {
                        accounts: api::Accounts::new(accounts_pool.clone()),
                        read_models: read_models.clone(),
                        rpc: rpc::Client::new(broker.clone(), topology.clone()),
                        live: hub.clone(),
                        broker: broker.clone(),
                        topology: topology.clone(),
                        shutdown: shutdown.clone(),
                        limits: edge::Limits::new(settings.rate_limits, settings.client_address),
                        secure_cookies: settings.secure_cookies,
                        photos: Default::default(),
                    };
                    let limits = api.limits.clone();
                    let forgetting = workers.status("web.limits");
                    workers.spawn("web.limits", move |stop| {
                        edge::limits::forget_idle(limits.clone(), forgetting.clone(), stop)
                    });
                    if let Some((email, password)) = &settings.staff {
                        api::bootstrap_staff(&api.accounts, email, password).await?;
                    }
                    let (rechecking, every) =
                        (workers.status("web.streams"), settings.live_recheck);
                    let accounts = accounts_pool.clone();
                    workers.spawn("web.streams", move |stop| {
                        api::recheck_streams(
                            hub.clone(),
                            accounts.clone(),
                            every,
                            rechecking.clone(),
                            stop,
                        )
                    });
                    let store =
                        tower_sessions_sqlx_store::PostgresStore::new(accounts_pool.clone());
                    let sessions = web::sessions(settings, store.clone()).await?;
                    let sweeping = workers.status("web.sessions");
                    let every = settings.session_sweep;
                    workers.spawn("web.sessions", move |stop| {
                        web::sweep_sessions(store.clone(), every, sweeping.clone(), stop)
                    });
                    let pages = crate::page_cache::PageCache::default();
                    let (following, kept) = (workers.status("web.pages"), pages.clone());
                    workers.spawn("web.pages", move |stop| {
                        kept.clone()
                            .follow(live.subscribe(), following.clone(), stop)
                    });
                    router = router
                        .merge(api::routes(api))
                        .merge(web::routes(
                            web::leptos_options(settings),
                            web::PageContext {
                                read_models,
                                same_day_cutoff_hour: settings.same_day_cutoff_hour,
                            },
                            pages,
                        ))
                        .layer(sessions);
                    databases.push((web::ACCOUNTS, db::Pool::Postgres(accounts_pool)));
                }
            }
            databases.push((context, db::Pool::Postgres(pool)));
        }

        // One rule for every role: health with detail on the ops port; the storefront's port
        // (web only) serves the shop and a cheap liveness answer.
        let web = roles.contains(&Role::Web);
        let ops_role = if web { Role::Web } else { roles[0] };
        let port = settings.ops_port.unwrap_or(ops_role.ops_port());
        let ops_address = SocketAddr::new(settings.ops_host, port);
        let ops_listener = bind(ops_address).await?;
        let site = if web {
            Some((
                bind(settings.site_addr).await?,
                router.merge(health::liveness()),
            ))
        } else {
            None
        };

        let pools: Vec<db::Pool> = databases.iter().map(|(_, pool)| pool.clone()).collect();
        let levels = metrics::Levels {
            databases: databases.clone(),
            outboxes: std::mem::take(&mut workers.outboxes),
            consumers: std::mem::take(&mut workers.consumers),
            breakers,
            broker: broker.clone(),
            topology: topology.clone(),
        };
        let statuses = workers.statuses.clone();
        let readiness = health::Readiness::new(databases, broker.clone(), statuses.clone());
        let ops = health::routes(readiness.clone()).merge(metrics::routes(levels));
        let https = settings.secure_cookies;
        let site = site.map(|(listener, router)| {
            // Counted outside the deadlines, so a request they cut short counts (as 503 or
            // 408); `Router::layer` still runs after routing, so the route's pattern is known.
            // Pages and JSON go out compressed when the browser takes it (brotli at level 4,
            // or gzip); files built precompressed go as they are, live streams never (each
            // event must leave at once), nor images.
            let router = edge::serve::deadlines(router)
                .layer(CompressionLayer::new())
                .layer(axum::middleware::from_fn(metrics::track_http))
                .layer(axum::middleware::from_fn(move |request, next| {
                    edge::secure_headers(https, request, next)
                }))
                .layer(TraceLayer::new_for_http());
            (listener, router)
        });
        Ok(Self {
            site,
            ops: (ops_listener, ops),
            workers: workers.set,
            readiness,
            broker,
            pools,
            statuses,
            shutdown,
        })
    }

    /// Where the storefront is served, or for a process without the web role its ops port.
    pub fn local_addr(&self) -> SocketAddr {
        self.site
            .as_ref()
            .map_or(&self.ops.0, |(listener, _)| listener)
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Where health (and, later, metrics) is served.
    pub fn ops_addr(&self) -> SocketAddr {
        self.ops
            .0
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Cancelling this token stops the process gracefully (what SIGTERM does).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Serves until the shutdown token is cancelled, then stops taking requests, lets the
    /// workers finish what they hold, and closes the broker connection and the pools.
    pub async fn run(self) -> anyhow::Result<()> {
        let Self {
            site,
            ops,
            mut workers,
            readiness,
            broker,
            pools,
            statuses,
            shutdown,
        } = self;
        let stop_serving = {
            let shutdown = shutdown.clone();
            async move {
                shutdown.cancelled().await;
                readiness.start_draining();
                tracing::info!("shutting down: finishing requests and messages in hand");
            }
        };
        // The ops port answers until the end: a draining process says so on /health/ready.
        let ops_stop = shutdown.clone();
        let ops_served = tokio::spawn(async move {
            edge::serve::serve(ops.0, ops.1, async move { ops_stop.cancelled().await }).await
        });
        let served = match site {
            Some((listener, router)) => edge::serve::serve(listener, router, stop_serving)
                .await
                .context("serving HTTP"),
            None => {
                stop_serving.await;
                Ok(())
            }
        };
        shutdown.cancel();
        match ops_served.await {
            Ok(Err(error)) => tracing::warn!(%error, "serving the ops port"),
            Err(error) => tracing::warn!(%error, "the ops port's task failed"),
            Ok(Ok(())) => {}
        }
        let finishing = async {
            while let Some(joined) = workers.join_next().await {
                if let Err(error) = joined {
                    tracing::error!(%error, "a worker panicked");
                }
            }
        };
        // One deadline for the whole stop: workers, then the broker, then the pools.
        let deadline = tokio::time::Instant::now() + STOP_GRACE;
        if tokio::time::timeout_at(deadline, finishing).await.is_err() {
            // A bug, said out loud with the workers it concerns; the process still stops.
            let waiting: Vec<&str> = statuses
                .iter()
                .filter(|status| status.is_running())
                .map(WorkerStatus::name)
                .collect();
            tracing::error!(?waiting, grace = ?STOP_GRACE, "workers did not stop in time; stopping without them");
            workers.abort_all();
        }
        broker.close().await;
        let closing = futures_util::future::join_all(pools.iter().map(db::Pool::close));
        if tokio::time::timeout_at(deadline, closing).await.is_err() {
            tracing::error!("a database pool still had connections in use; stopping without them");
        }
        tracing::info!("stopped");
        served
    }
}

/// Binds `address`, saying what to do when it is taken.
async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address}; is another petal running?"))
}

/// The nudge after the view projected `envelope`: that order's page, or the catalog.
fn announce_view_change(envelope: &Envelope) -> Option<(String, serde_json::Value)> {
    let subject = envelope.decode().ok()?;
    announce(Nudge::after_view_applied(&envelope.kind, subject)?)
}

/// The nudge after notification filed a message about `envelope`: the customer's inbox.
fn announce_message(envelope: &Envelope) -> Option<(String, serde_json::Value)> {
    let subject = envelope.decode().ok()?;
    announce(Nudge::after_message_filed(subject)?)
}

fn announce(nudge: Nudge) -> Option<(String, serde_json::Value)> {
    Some((
        nudge.routing_key().to_owned(),
        serde_json::to_value(&nudge).ok()?,
    ))
}
