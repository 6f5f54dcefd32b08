//! The transactional outbox: a context stages an outgoing message in the same database
//! transaction as the state change it describes, and the [`Relay`] publishes staged messages with
//! publisher confirms, many in flight at once, marking them sent only once RabbitMQ confirmed them.
//!
//! The table lives in each publishing context's database (see its first migration):
//! `outbox(position bigserial, message_id uuid, kind, version, occurred_at, correlation_id,
//! traceparent, body jsonb, published_at)`.

use crate::{broker::BrokerError, Broker, Envelope, Topology, WorkerStatus};
use chrono::{DateTime, Utc};
use lapin::{
    options::{BasicPublishOptions, ConfirmSelectOptions},
    Confirmation,
};
use sqlx::{postgres::PgListener, PgConnection, PgPool};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long sent messages stay in the outbox, and how often older ones are removed.
const KEEP_SENT_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// PostgreSQL notification channel that wakes the relay when a transaction staged a message.
const NOTIFY_CHANNEL: &str = "petal_outbox";

/// Stages `event` (correlated with `correlation_id`, usually the order's id) as part of the
/// caller's transaction: the one way a context publishes a fact.
pub async fn stage_event<E: contracts::Event>(
    tx: &mut PgConnection,
    event: &E,
    correlation_id: impl ToString,
) -> Result<(), sqlx::Error> {
    stage(
        tx,
        &Envelope::event(event, Some(correlation_id.to_string())),
    )
    .await
}

/// Stages `envelope` for publication as part of the caller's transaction.
///
/// Nothing is sent unless the transaction commits, and everything committed is sent.
pub async fn stage(tx: &mut PgConnection, envelope: &Envelope) -> Result<(), sqlx::Error> {
    let body = std::str::from_utf8(&envelope.body)
        .map_err(|e| sqlx::Error::Encode(format!("outbox body is not UTF-8 JSON: {e}").into()))?;
    sqlx::query(
        "INSERT INTO outbox (message_id, kind, version, occurred_at, correlation_id, traceparent, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)",
    )
    .bind(envelope.id)
    .bind(&envelope.kind)
    .bind(i32::from(envelope.version))
    .bind(envelope.timestamp)
    .bind(&envelope.correlation_id)
    .bind(&envelope.traceparent)
    .bind(body)
    .execute(&mut *tx)
    .await?;
    // Delivered to the relay's listener when, and only if, the transaction commits.
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(NOTIFY_CHANNEL)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Why the relay stopped; the supervisor restarts it.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Broker(#[from] BrokerError),
    #[error("outbox database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Publishes staged messages from one context's outbox.
#[derive(Clone)]
pub struct Relay {
    context: String,
    pool: PgPool,
    broker: Broker,
    topology: Topology,
    status: WorkerStatus,
    batch_size: i64,
    poll_interval: Duration,
}

/// A message waiting in the outbox.
#[derive(sqlx::FromRow)]
pub struct Staged {
    pub position: i64,
    pub message_id: Uuid,
    kind: String,
    version: i32,
    occurred_at: DateTime<Utc>,
    correlation_id: Option<String>,
    traceparent: Option<String>,
    body: String,
}

impl Relay {
    /// A relay for `context`'s outbox (the name labels its metrics).
    pub fn new(
        context: impl Into<String>,
        pool: PgPool,
        broker: Broker,
        topology: Topology,
        status: WorkerStatus,
    ) -> Self {
        Self {
            context: context.into(),
            pool,
            broker,
            topology,
            status,
            batch_size: 256,
            poll_interval: Duration::from_secs(2),
        }
    }

    /// Publishes until `shutdown`; returns `Ok` only then. Wakes on every committed stage and,
    /// in case a notification was missed, every couple of seconds.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<(), RelayError> {
        let channel = self.broker.channel().await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(BrokerError::amqp("confirm.select"))?;
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(NOTIFY_CHANNEL).await?;
        self.status.set_running(true);
        let mut pruned_at: Option<Instant> = None;
        loop {
            // Drain everything staged so far; a full batch means there may be more.
            while self.publish_batch(&channel).await? == self.batch_size as usize {}
            if pruned_at.is_none_or(|at| at.elapsed() > PRUNE_EVERY) {
                self.prune().await?;
                pruned_at = Some(Instant::now());
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                notification = listener.recv() => { notification?; }
                () = tokio::time::sleep(self.poll_interval) => {}
            }
        }
        crate::broker::close_channel(&channel, "relay stopping").await;
        Ok(())
    }

    /// Forgets messages sent more than [`KEEP_SENT_FOR`] ago; until then they help an operator
    /// trace what a context said.
    async fn prune(&self) -> Result<(), RelayError> {
        let pruned = sqlx::query(
            "DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)",
        )
        .bind(KEEP_SENT_FOR.as_secs_f64())
        .execute(&self.pool)
        .await?
        .rows_affected();
        if pruned > 0 {
            tracing::info!(pruned, "pruned sent outbox messages");
        }
        Ok(())
    }

    /// Publishes one batch of staged messages and marks them sent; returns how many.
    ///
    /// The batch is claimed for [`CLAIM_FOR`] in a short statement of its own, so no transaction
    /// stays open while RabbitMQ confirms; several relays of one context never claim the same
    /// row, and a relay that dies holding a claim loses it when the claim runs out (its batch
    /// is then sent again: consumers drop the duplicates by message id).
    #[tracing::instrument(name = "outbox.publish_batch", skip_all, fields(published))]
    async fn publish_batch(&self, channel: &lapin::Channel) -> Result<usize, RelayError> {
        let mut staged = claim(&self.pool, self.batch_size, CLAIM_FOR).await?;
        if staged.is_empty() {
            return Ok(0);
        }
        staged.sort_by_key(|row| row.position);
        let positions: Vec<i64> = staged.iter().map(|row| row.position).collect();

        if let Err(error) = self.publish_confirmed(channel, &staged).await {
            // Give the batch back at once (not when the claim runs out), so the relay that
            // starts again after a broker restart sends it straight away.
            if let Err(release) =
                sqlx::query("UPDATE outbox SET claimed_until = NULL WHERE position = ANY($1)")
                    .bind(&positions)
                    .execute(&self.pool)
                    .await
            {
                tracing::warn!(error = %release, "releasing an outbox claim; it runs out by itself");
            }
            return Err(error);
        }

        sqlx::query(
            "UPDATE outbox SET published_at = now(), claimed_until = NULL
             WHERE position = ANY($1)",
        )
        .bind(&positions)
        .execute(&self.pool)
        .await?;
        tracing::Span::current().record("published", staged.len());
        metrics::counter!("petal_outbox_published_total", "context" => self.context.clone())
            .increment(staged.len() as u64);
        Ok(staged.len())
    }

    /// Publishes `staged` and waits until RabbitMQ confirmed every message.
    async fn publish_confirmed(
        &self,
        channel: &lapin::Channel,
        staged: &[Staged],
    ) -> Result<(), RelayError> {
        let exchange = self.topology.events_exchange();
        let mut confirms = Vec::with_capacity(staged.len());
        for row in staged {
            let envelope = Envelope {
                id: row.message_id,
                kind: row.kind.clone(),
                version: u16::try_from(row.version).unwrap_or(u16::MAX),
                timestamp: row.occurred_at,
                correlation_id: row.correlation_id.clone(),
                traceparent: row.traceparent.clone(),
                body: row.body.clone().into_bytes(),
            };
            let confirm = channel
                .basic_publish(
                    exchange.as_str().into(),
                    envelope.kind.as_str().into(),
                    BasicPublishOptions::default(),
                    &envelope.body,
                    envelope.properties(),
                )
                .await
                .map_err(BrokerError::amqp("basic.publish"))?;
            confirms.push(confirm);
        }
        // All messages are in flight; now wait for the broker to confirm each of them.
        let mut refused = 0;
        for confirm in confirms {
            match confirm.await.map_err(BrokerError::amqp("basic.publish"))? {
                Confirmation::Ack(_) => {}
                Confirmation::Nack(_) | Confirmation::NotRequested => refused += 1,
            }
        }
        if refused > 0 {
            // The whole batch is sent again (consumers dedupe by message id).
            return Err(BrokerError::NotConfirmed(refused).into());
        }
        Ok(())
    }
}

/// What waits in an outbox: how many messages, and how long the oldest has waited (seconds).
pub async fn backlog(pool: &PgPool) -> Result<(i64, f64), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(occurred_at))::float8, 0)
         FROM outbox WHERE published_at IS NULL",
    )
    .fetch_one(pool)
    .await
}

/// How long a relay may take to publish a batch it claimed before another relay may take it.
pub const CLAIM_FOR: Duration = Duration::from_secs(10);

/// Claims up to `limit` unsent messages nobody else holds, oldest first, for `claim_for`.
/// Public for tests that play a relay dying between its claim and its confirms.
pub async fn claim(
    pool: &PgPool,
    limit: i64,
    claim_for: Duration,
) -> Result<Vec<Staged>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE outbox SET claimed_until = now() + make_interval(secs => $2)
         WHERE position IN (
             SELECT position FROM outbox
             WHERE published_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING position, message_id, kind, version, occurred_at, correlation_id,
                   traceparent, body::text AS body",
    )
    .bind(limit)
    .bind(claim_for.as_secs_f64())
    .fetch_all(pool)
    .await
}
