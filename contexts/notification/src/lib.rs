//! The notification context: tells each customer, exactly once, every fact about their orders
//! they should know — placed, paid, declined, cancelled, refunded, preparing, on its way,
//! delivered — in Korean and English.
//!
//! Own database on MariaDB (`migrations/notification/`), the polyglot-persistence context.
//! What to say: [`compose`] (pure). Consumes order, payment and delivery events; publishes
//! nothing. Customers read their inbox through [`Inbox`], over RPC through [`InboxQueries`].

pub mod compose;
mod store;

pub use store::{Inbox, InboxQueries, Message, Notifier};

/// The queue name of notification's consumer.
pub const CONTEXT: &str = contracts::subscriptions::NOTIFICATION.queue;

/// This context's migrations, applied to its own MariaDB database with their own history.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/notification");
