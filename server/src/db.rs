//! Each context's own database — PostgreSQL, or MariaDB for notification: created when missing,
//! migrated with its own history.

use crate::Settings;
use anyhow::Context;
use sqlx::{
    migrate::{MigrateDatabase, Migrator},
    pool::PoolOptions,
    postgres::PgConnectOptions,
    MySql, MySqlPool, PgPool, Postgres,
};
use std::time::Duration;

/// A context's connection pool, whichever database it lives in.
#[derive(Clone)]
pub enum Pool {
    Postgres(PgPool),
    MariaDb(MySqlPool),
}

impl Pool {
    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        match self {
            Pool::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
            Pool::MariaDb(pool) => sqlx::query("SELECT 1").execute(pool).await.is_ok(),
        }
    }

    /// Connections open, and how many of them are idle.
    pub fn usage(&self) -> (u32, usize) {
        match self {
            Pool::Postgres(pool) => (pool.size(), pool.num_idle()),
            Pool::MariaDb(pool) => (pool.size(), pool.num_idle()),
        }
    }

    pub async fn close(&self) {
        match self {
            Pool::Postgres(pool) => pool.close().await,
            Pool::MariaDb(pool) => pool.close().await,
        }
    }
}

/// Creates the database at `url` if it does not exist. Several processes may race to create
/// it; losing the race is fine.
async fn ensure_database<DB: MigrateDatabase>(context: &str, url: &str) -> anyhow::Result<()> {
    let exists = DB::database_exists(url)
        .await
        .with_context(|| format!("cannot reach the database server of the {context} context"))?;
    if !exists {
        if let Err(error) = DB::create_database(url).await {
            if !DB::database_exists(url).await.unwrap_or(false) {
                return Err(error).with_context(|| format!("creating the {context} database"));
            }
        }
        tracing::info!(context, "created database");
    }
    Ok(())
}

/// Connects to a context's database, creating and migrating it as needed. Migrations take a
/// lock, so several processes may start at once.
///
/// Every connection bounds how long one statement may run and how long a transaction may sit
/// idle (the session settings below): a stuck query or a task that forgot a transaction
/// fails and gives its connection back instead of draining the pool.
async fn connect<DB>(
    context: &str,
    url: &str,
    pool_size: u32,
    create: bool,
    migrator: &Migrator,
    options: PoolOptions<DB>,
    connect_options: Option<<DB::Connection as sqlx::Connection>::Options>,
) -> anyhow::Result<sqlx::Pool<DB>>
where
    DB: sqlx::Database + MigrateDatabase,
    <DB as sqlx::Database>::Connection: sqlx::migrate::Migrate,
{
    if create {
        ensure_database::<DB>(context, url).await?;
    }
    let options = options
        .max_connections(pool_size)
        .acquire_timeout(Duration::from_secs(5));
    let pool = match connect_options {
        Some(connect_options) => options.connect_with(connect_options).await,
        None => options.connect(url).await,
    }
    .with_context(|| format!("connecting to the {context} database"))?;
    migrator
        .run(&pool)
        .await
        .with_context(|| format!("migrating the {context} database"))?;
    Ok(pool)
}

/// No statement runs longer than 15 s and no transaction idles longer than 30 s. No outside call
/// (card processor, broker confirm) runs inside a transaction, so neither is ever reached in
/// normal work.
const POSTGRES_SESSION: [(&str, &str); 2] = [
    ("statement_timeout", "15s"),
    ("idle_in_transaction_session_timeout", "30s"),
];
const MARIADB_SESSION: &str =
    "SET SESSION max_statement_time = 15, SESSION idle_transaction_timeout = 30";

/// A context's PostgreSQL database, as `settings` locate it.
pub async fn postgres(
    settings: &Settings,
    context: &str,
    migrator: &Migrator,
) -> anyhow::Result<PgPool> {
    let url = settings.database_url(context);
    let session: PgConnectOptions = url
        .parse::<PgConnectOptions>()
        .with_context(|| format!("the {context} database URL is not a PostgreSQL URL"))?
        .options(POSTGRES_SESSION);
    let options = PoolOptions::<Postgres>::new();
    let (size, create) = (settings.pool_size, settings.create_databases);
    connect(
        context,
        &url,
        size,
        create,
        migrator,
        options,
        Some(session),
    )
    .await
}

/// A context's MariaDB database, as `settings` locate it.
pub async fn mariadb(
    settings: &Settings,
    context: &str,
    migrator: &Migrator,
) -> anyhow::Result<MySqlPool> {
    let url = settings.database_url(context);
    let options = PoolOptions::<MySql>::new().after_connect(|connection, _| {
        Box::pin(async move {
            use sqlx::Executor;
            connection.execute(MARIADB_SESSION).await?;
            Ok(())
        })
    });
    let (size, create) = (settings.pool_size, settings.create_databases);
    connect(context, &url, size, create, migrator, options, None).await
}
