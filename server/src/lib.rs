//! The `petal` binary's library: configuration, the roles a process plays, and the
//! [`Application`] that wires contexts to their databases, the broker and HTTP. Start reading
//! at [`application`].

mod api;
pub mod application;
pub mod audit;
pub mod config;
mod db;
pub mod edge;
mod health;
pub mod metrics;
mod page_cache;
pub mod roles;
pub mod telemetry;
mod web;

pub use api::{route_list, Access, RouteSpec, STREAMS_PER_ACCOUNT};
pub use application::Application;
pub use config::Settings;
pub use roles::Role;

/// Creates (if missing) and migrates the inventory database; used by admin commands.
pub async fn inventory_store(settings: &Settings) -> anyhow::Result<inventory::Inventory> {
    let pool = db::postgres(settings, "inventory", &inventory::MIGRATOR).await?;
    Ok(inventory::Inventory::new(pool))
}
