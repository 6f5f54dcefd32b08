//! Each context's own PostgreSQL database: created when missing, migrated with its own history.

use anyhow::Context;
use sqlx::{migrate::MigrateDatabase, postgres::PgPoolOptions, PgPool, Postgres};
use std::time::Duration;

/// Connects to `url`, creating the database first if it does not exist, and applies
/// `migrator`. Several processes may do this at once: creation races are tolerated and
/// migrations take an advisory lock.
pub async fn connect_and_migrate(
    context: &str,
    url: &str,
    pool_size: u32,
    migrator: &sqlx::migrate::Migrator,
) -> anyhow::Result<PgPool> {
    let exists = Postgres::database_exists(url)
        .await
        .with_context(|| format!("cannot reach PostgreSQL for the {context} database"))?;
    if !exists {
        if let Err(error) = Postgres::create_database(url).await {
            // Another process may have created it in the meantime.
            if !Postgres::database_exists(url).await.unwrap_or(false) {
                return Err(error).with_context(|| format!("creating the {context} database"));
            }
        }
        tracing::info!(context, "created database");
    }
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
