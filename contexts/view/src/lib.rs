//! The view context: the read side of CQRS. It owns the read models the pages show, in its own
//! database (`migrations/view/`), and only projects events into them; it decides nothing.
//!
//! - [`Projector`] consumes events (`contracts::subscriptions::VIEW`) into the read models.
//! - [`ReadModels`] answers the storefront's queries: productInfos (the catalog with what is
//!   available) and orderHistories (each customer's orders with a timeline), and the
//!   florist's questions over them ([`OrderQuery`], a day at a glance, what to prepare).

mod florist;
mod order_histories;
mod product_infos;

pub use florist::{OrderQuery, FOUND_AT_MOST};
pub use order_histories::{OrderHistory, TimelineStep};
pub use product_infos::{ProductInfo, Projector, ReadModels};

/// The consuming queue's name (`<prefix>.view`).
pub const CONTEXT: &str = contracts::subscriptions::VIEW.queue;

/// This context's migrations, applied to its own database with their own history.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/view");
