//! One named AMQP connection per process that heals itself: when the broker restarts, the next
//! caller that needs a channel gets a fresh connection, and [`Broker::supervise`] restarts each
//! worker (relay, consumer) with backoff until the broker is back.

use crate::health::WorkerStatus;
use backon::{BackoffBuilder, ExponentialBuilder};
use futures_util::FutureExt;
use lapin::{Channel, Connection, ConnectionProperties};
use std::{
    future::Future,
    panic::AssertUnwindSafe,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};
use tokio_util::sync::CancellationToken;

/// Failures talking to RabbitMQ. All of them are worth retrying once the broker is back.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("could not reach RabbitMQ: {0}")]
    Connect(#[source] lapin::Error),
    #[error("RabbitMQ refused {operation}: {source}")]
    Amqp {
        operation: &'static str,
        #[source]
        source: lapin::Error,
    },
    #[error("RabbitMQ did not confirm {0} published message(s)")]
    NotConfirmed(usize),
    #[error("RabbitMQ closed the {0}")]
    Lost(&'static str),
}

impl BrokerError {
    pub(crate) fn amqp(operation: &'static str) -> impl Fn(lapin::Error) -> Self {
        move |source| Self::Amqp { operation, source }
    }
}

/// A handle on the process's broker connection; cheap to clone.
#[derive(Clone)]
pub struct Broker {
    inner: Arc<Inner>,
}

struct Inner {
    uri: String,
    name: String,
    current: RwLock<Option<Arc<Connection>>>,
    connecting: tokio::sync::Mutex<()>,
}

impl Broker {
    /// `name` shows in RabbitMQ's connection list, so an operator can tell processes apart.
    pub fn new(uri: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(Inner {
                uri: uri.into(),
                name: name.into(),
                current: RwLock::new(None),
                connecting: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Whether the connection is open right now (for readiness probes).
    pub fn is_connected(&self) -> bool {
        self.live_connection().is_some()
    }

    /// A new channel on a live connection, connecting first if the last connection died.
    pub async fn channel(&self) -> Result<Channel, BrokerError> {
        let connection = self.connection().await?;
        connection
            .create_channel()
            .await
            .map_err(BrokerError::amqp("channel.open"))
    }

    async fn connection(&self) -> Result<Arc<Connection>, BrokerError> {
        if let Some(connection) = self.live_connection() {
            return Ok(connection);
        }
        let _one_at_a_time = self.inner.connecting.lock().await;
        if let Some(connection) = self.live_connection() {
            return Ok(connection);
        }
        let properties =
            ConnectionProperties::default().with_connection_name(self.inner.name.as_str().into());
        let connection = Arc::new(
            Connection::connect(&self.inner.uri, properties)
                .await
                .map_err(BrokerError::Connect)?,
        );
        tracing::info!(connection = %self.inner.name, "connected to RabbitMQ");
        *self.inner.current.write().expect("broker lock poisoned") = Some(connection.clone());
        Ok(connection)
    }

    fn live_connection(&self) -> Option<Arc<Connection>> {
        let current = self.inner.current.read().expect("broker lock poisoned");
        current.as_ref().filter(|c| c.status().connected()).cloned()
    }

    /// Closes the connection cleanly (at shutdown, after every worker stopped), waiting at most
    /// [`CLOSE_WAIT`] for the broker's answer.
    pub async fn close(&self) {
        let connection = self
            .inner
            .current
            .write()
            .expect("broker lock poisoned")
            .take();
        if let Some(connection) = connection {
            let closing = connection.close(200, "petal shutting down".into());
            match tokio::time::timeout(CLOSE_WAIT, closing).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::debug!(%error, "closing the RabbitMQ connection"),
                Err(_) => tracing::warn!("RabbitMQ did not confirm closing the connection in time"),
            }
        }
    }

    /// Runs `work` until `shutdown`, starting it again with exponential backoff whenever it fails
    /// (a broker restart, a dropped channel, a database that went away). `work` returns `Ok` only
    /// when it stopped because of `shutdown`.
    pub async fn supervise<F, Fut, E>(
        &self,
        status: WorkerStatus,
        shutdown: CancellationToken,
        mut work: F,
    ) where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        let mut work = || work().map(|outcome| outcome.map_err(|error| error.to_string()));
        let backoff = ExponentialBuilder::new()
            .with_min_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_secs(5))
            .with_jitter()
            .without_max_times();
        let mut delays = backoff.build();
        while !shutdown.is_cancelled() {
            let started = Instant::now();
            // A panic ends this run of the worker, not the worker: it is restarted like any
            // failure, and readiness says not ready meanwhile.
            let outcome = AssertUnwindSafe(work())
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| {
                    Err(format!(
                        "panicked: {}",
                        crate::handling::panic_message(panic.as_ref())
                    ))
                });
            status.set_running(false);
            match outcome {
                Ok(()) => break,
                Err(error) => {
                    // A worker that ran a while before failing starts its backoff afresh.
                    if started.elapsed() > Duration::from_secs(30) {
                        delays = backoff.build();
                    }
                    let delay = delays.next().unwrap_or(Duration::from_secs(5));
                    tracing::warn!(worker = status.name(), %error, ?delay, "worker failed; restarting");
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = shutdown.cancelled() => break,
                    }
                }
            }
        }
    }
}

/// How long closing a channel or the connection waits for the broker's answer. lapin can
/// leave a close unanswered when the connection fails at the same moment (seen at shutdown:
/// "invalid channel state: Closing"), and a stopping process must not wait on it forever.
pub const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Closes `channel`, giving up after [`CLOSE_WAIT`]. Messages it held unacknowledged go back
/// to their queue either way, when the broker sees the channel or the connection go.
pub async fn close_channel(channel: &Channel, reason: &str) {
    match tokio::time::timeout(CLOSE_WAIT, channel.close(200, reason.into())).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::debug!(%error, reason, "closing a channel"),
        Err(_) => tracing::warn!(reason, "RabbitMQ did not confirm closing a channel in time"),
    }
}
