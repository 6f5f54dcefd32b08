//! `/health/live` and `/health/ready` for every role.
//!
//! Live: the process answers. Ready: every database it owns answers, the broker connection is
//! open, every background worker runs, and the process is not draining for shutdown.

use crate::db::Pool;
use axum::{extract::State, http::StatusCode, routing::get, Json, Router};
use messaging::{Broker, WorkerStatus};
use serde::Serialize;
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

/// What readiness depends on.
#[derive(Clone)]
pub struct Readiness {
    inner: Arc<Inner>,
}

struct Inner {
    databases: Vec<(&'static str, Pool)>,
    broker: Broker,
    workers: Vec<WorkerStatus>,
    draining: AtomicBool,
}

#[derive(Serialize)]
struct Report {
    ready: bool,
    draining: bool,
    broker: bool,
    databases: Vec<Check>,
    workers: Vec<Check>,
}

#[derive(Serialize)]
struct Check {
    name: String,
    ok: bool,
}

impl Readiness {
    pub fn new(
        databases: Vec<(&'static str, Pool)>,
        broker: Broker,
        workers: Vec<WorkerStatus>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                databases,
                broker,
                workers,
                draining: AtomicBool::new(false),
            }),
        }
    }

    /// From now on the process reports not ready, so load balancers stop sending work.
    pub fn start_draining(&self) {
        self.inner.draining.store(true, Ordering::Release);
    }

    async fn report(&self) -> Report {
        let mut databases = Vec::with_capacity(self.inner.databases.len());
        for (name, pool) in &self.inner.databases {
            let ok = matches!(
                tokio::time::timeout(Duration::from_secs(1), pool.ping()).await,
                Ok(true)
            );
            databases.push(Check {
                name: (*name).to_owned(),
                ok,
            });
        }
        let workers: Vec<Check> = self
            .inner
            .workers
            .iter()
            .map(|w| Check {
                name: w.name().to_owned(),
                ok: w.is_running(),
            })
            .collect();
        let draining = self.inner.draining.load(Ordering::Acquire);
        let broker = self.inner.broker.is_connected();
        Report {
            ready: !draining
                && broker
                && databases.iter().all(|c| c.ok)
                && workers.iter().all(|c| c.ok),
            draining,
            broker,
            databases,
            workers,
        }
    }
}

/// The health routes, to merge into a role's router.
/// The cheap answer the storefront's port gives: the process is up.
pub fn liveness() -> Router {
    Router::new().route("/health/live", get(|| async { "ok" }))
}

/// Health with detail, for the ops port.
pub fn routes(readiness: Readiness) -> Router {
    Router::new()
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready))
        .with_state(readiness)
}

async fn ready(State(readiness): State<Readiness>) -> (StatusCode, Json<Report>) {
    let report = readiness.report().await;
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}
