//! The inbox: a message is applied exactly once because its id is recorded in the consuming
//! context's `inbox` table in the same transaction as its effect. A message whose id is already
//! there is a duplicate (a redelivery, or the relay sending a batch again) and is skipped.
//!
//! Two databases host contexts: PostgreSQL ([`PgInbox`] with a [`Handler`]) and MariaDB for the
//! notification context ([`MySqlInbox`] with a [`MySqlHandler`]).

use crate::{
    handling::{Applied, Apply},
    Envelope, HandleError,
};
use sqlx::{MySqlConnection, MySqlPool, PgConnection, PgPool};
use std::future::Future;

/// What a PostgreSQL context does with one message, inside the transaction that also records
/// it in the inbox. It must not ack, publish directly or commit; staging outgoing messages in
/// the outbox through the same transaction is how it reacts.
pub trait Handler: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        envelope: &'a Envelope,
    ) -> impl Future<Output = Result<(), HandleError>> + Send + 'a;
}

/// The same, for a context on MariaDB.
pub trait MySqlHandler: Send + Sync + 'static {
    fn handle<'a>(
        &'a self,
        tx: &'a mut MySqlConnection,
        envelope: &'a Envelope,
    ) -> impl Future<Output = Result<(), HandleError>> + Send + 'a;
}

/// The inbox of a context on PostgreSQL:
/// `inbox(message_id uuid primary key, kind text, received_at timestamptz)`.
pub struct PgInbox<H> {
    pool: PgPool,
    handler: H,
}

impl<H: Handler> PgInbox<H> {
    pub fn new(pool: PgPool, handler: H) -> Self {
        Self { pool, handler }
    }
}

/// Records `envelope` in a PostgreSQL context's inbox as part of `tx`; false if it was there
/// already (then the caller must not apply it again). For handlers that cannot do all their
/// work inside one transaction (payment calls the card processor between two): they check
/// [`seen`] first, work, and record the message in the transaction that finishes the work.
pub async fn record(tx: &mut PgConnection, envelope: &Envelope) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO inbox (message_id, kind, received_at) VALUES ($1, $2, now())
         ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(envelope.id)
    .bind(&envelope.kind)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1)
}

/// Whether a PostgreSQL context already applied `envelope`.
pub async fn seen(pool: &PgPool, envelope: &Envelope) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inbox WHERE message_id = $1)")
        .bind(envelope.id)
        .fetch_one(pool)
        .await
}

impl<H: Handler> Apply for PgInbox<H> {
    async fn apply(&self, envelope: &Envelope) -> Result<Applied, HandleError> {
        let mut tx = self.pool.begin().await?;
        if !record(&mut tx, envelope).await? {
            return Ok(Applied::Duplicate);
        }
        self.handler.handle(&mut tx, envelope).await?;
        tx.commit().await?;
        Ok(Applied::Applied)
    }
}

/// The inbox of a context on MariaDB:
/// `inbox(message_id BINARY(16) PRIMARY KEY, kind VARCHAR(100), received_at DATETIME(6))`.
pub struct MySqlInbox<H> {
    pool: MySqlPool,
    handler: H,
}

impl<H: MySqlHandler> MySqlInbox<H> {
    pub fn new(pool: MySqlPool, handler: H) -> Self {
        Self { pool, handler }
    }
}

impl<H: MySqlHandler> Apply for MySqlInbox<H> {
    async fn apply(&self, envelope: &Envelope) -> Result<Applied, HandleError> {
        let mut tx = self.pool.begin().await?;
        let first_time = sqlx::query(
            "INSERT IGNORE INTO inbox (message_id, kind, received_at) VALUES (?, ?, NOW(6))",
        )
        .bind(envelope.id)
        .bind(&envelope.kind)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !first_time {
            return Ok(Applied::Duplicate);
        }
        self.handler.handle(&mut tx, envelope).await?;
        tx.commit().await?;
        Ok(Applied::Applied)
    }
}
