//! Prometheus metrics, served at `/metrics` on every role's ops port.
//!
//! Counters and histograms are recorded where things happen, through the `metrics` facade:
//! HTTP requests here ([`track_http`]), messages handled and outbox relays in `messaging`, RPC
//! calls in `messaging::rpc`, the inventory breaker in `order`, live streams in `api::live`.
//! What is a level rather than an event (outbox backlog, parked messages, pool usage) is read
//! when Prometheus scrapes ([`Levels`]). The names and labels are listed in docs/operations.md.

use crate::db;
use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use messaging::{Broker, Topology};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;
use std::{
    future::Future,
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

/// Histogram buckets for every `*_seconds` metric: 1 ms to 10 s.
const SECONDS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The process's recorder, installed on first use; every `metrics::…!` call records into it.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS)
                .expect("the buckets are not empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    "a metrics recorder was installed before petal's; /metrics stays empty"
                );
            }
            handle
        })
        .clone()
}

/// Whether a circuit breaker refuses calls right now.
pub type BreakerOpen = Arc<dyn Fn() -> bool + Send + Sync>;

/// What `/metrics` reads at each scrape: the process's databases, the outboxes its relays
/// drain, the parking queues of its consumers, and its circuit breakers (by callee).
#[derive(Clone)]
pub struct Levels {
    pub databases: Vec<(&'static str, db::Pool)>,
    pub outboxes: Vec<(String, PgPool)>,
    pub consumers: Vec<String>,
    pub breakers: Vec<(&'static str, BreakerOpen)>,
    pub broker: Broker,
    pub topology: Topology,
}

/// How long one level may take to read; a database or broker that does not answer leaves its
/// gauge as it was rather than holding the scrape.
const SAMPLE_WITHIN: Duration = Duration::from_secs(1);

async fn within<T, E: std::fmt::Display>(
    what: &str,
    read: impl Future<Output = Result<T, E>>,
) -> Option<T> {
    match tokio::time::timeout(SAMPLE_WITHIN, read).await {
        Ok(Ok(value)) => Some(value),
        Ok(Err(error)) => {
            tracing::warn!(%error, "reading {what} for /metrics");
            None
        }
        Err(_) => {
            tracing::warn!("reading {what} for /metrics took longer than {SAMPLE_WITHIN:?}");
            None
        }
    }
}

impl Levels {
    async fn sample(&self) {
        for (callee, open) in &self.breakers {
            metrics::gauge!("petal_breaker_open", "callee" => *callee)
                .set(f64::from(u8::from(open())));
        }
        for (database, pool) in &self.databases {
            let (open, idle) = pool.usage();
            // Read one after the other, so `idle` may briefly exceed what `open` said.
            let in_use = (f64::from(open) - idle as f64).max(0.0);
            metrics::gauge!("petal_db_connections", "database" => *database, "state" => "in_use")
                .set(in_use);
            metrics::gauge!("petal_db_connections", "database" => *database, "state" => "idle")
                .set(idle as f64);
        }
        for (context, pool) in &self.outboxes {
            let backlog = messaging::outbox::backlog(pool);
            if let Some((waiting, oldest)) = within("an outbox backlog", backlog).await {
                metrics::gauge!("petal_outbox_backlog", "context" => context.clone())
                    .set(waiting as f64);
                metrics::gauge!("petal_outbox_oldest_seconds", "context" => context.clone())
                    .set(oldest);
            }
        }
        for context in &self.consumers {
            let parked = messaging::parking::count(&self.broker, &self.topology, context);
            if let Some(parked) = within("the parked messages", parked).await {
                metrics::gauge!("petal_parked_messages", "context" => context.clone())
                    .set(f64::from(parked));
            }
        }
    }
}

/// `GET /metrics` (Prometheus text format), for the ops router.
pub fn routes(levels: Levels) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(levels)
}

async fn scrape(State(levels): State<Levels>) -> impl IntoResponse {
    levels.sample().await;
    let handle = handle();
    handle.run_upkeep();
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
}

/// Counts every request by method, route and status, and times it by method and route. The
/// route is the router's pattern (`/api/orders/{id}`), never the raw path, so the label stays
/// bounded whatever clients send; a path no route matched counts as `unmatched`.
pub async fn track_http(request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Any token is a valid method to hyper: only the standard ones become labels.
    let method: &'static str = match request.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("petal_http_requests_total", "method" => method, "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("petal_http_request_seconds", "method" => method, "route" => route)
        .record(started.elapsed());
    response
}
