//! Each context's own database — PostgreSQL, or MariaDB for notification: created when missing,
//! migrated with its own history.

use anyhow::Context;
use sqlx::{
    migrate::{MigrateDatabase, Migrator},
    mysql::MySqlPoolOptions,
    postgres::PgPoolOptions,
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

/// Connects to a context's PostgreSQL database, creating and migrating it as needed.
/// Migrations take an advisory lock, so several processes may start at once.
pub async fn postgres(
    context: &str,
    url: &str,
    pool_size: u32,
    migrator: &Migrator,
) -> anyhow::Result<PgPool> {
    ensure_database::<Postgres>(context, url).await?;
    let pool = PgPoolOptions::new()
        .max_connections(pool_size)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .with_context(|| format!("connecting to the {context} database"))?;
    migrator
        .run(&pool)
        .await
        .with_context(|| format!("migrating the {context} database"))?;
    Ok(pool)
}

/// The same for a context on MariaDB.
pub async fn mariadb(
    context: &str,
    url: &str,
    pool_size: u32,
    migrator: &Migrator,
) -> anyhow::Result<MySqlPool> {
    ensure_database::<MySql>(context, url).await?;
    let pool = MySqlPoolOptions::new()
        .max_connections(pool_size)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .with_context(|| format!("connecting to the {context} database"))?;
    migrator
        .run(&pool)
        .await
        .with_context(|| format!("migrating the {context} database"))?;
    Ok(pool)
}
