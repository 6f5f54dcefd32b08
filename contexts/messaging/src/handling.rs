//! What handling one message can come to: applied or a duplicate ([`Applied`]), or a failure
//! whose kind decides the message's fate ([`HandleError`]); and the [`Apply`] seam between the
//! consumer loop (`consumer`) and a context's inbox (`inbox`), which both build on this.

use crate::{Envelope, EnvelopeError};
use std::future::Future;

/// Outcome of applying one message, for logs and tests.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Applied {
    Applied,
    Duplicate,
}

/// How a handler failed, which decides what happens to the message.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// Something the message needs is away (its database, a connection): kept and tried again
    /// with backoff until it is back, without counting toward the delivery limit.
    #[error("waiting for an outage to end: {0:#}")]
    Unavailable(anyhow::Error),
    /// Might work later (a fact it depends on not here yet, an unexpected error): retried
    /// through the queue, and parked at the delivery limit.
    #[error("will retry: {0:#}")]
    Retry(anyhow::Error),
    /// Will never work: parked for an operator at once.
    #[error("cannot be handled: {0:#}")]
    Reject(anyhow::Error),
}

impl From<sqlx::Error> for HandleError {
    fn from(error: sqlx::Error) -> Self {
        if is_outage(&error) {
            Self::Unavailable(error.into())
        } else {
            Self::Retry(error.into())
        }
    }
}

/// Whether a database error says the database (or the way to it) is away or overloaded, rather
/// than that this message's statements are wrong: connections lost or refused, a pool with no
/// free connection, a server shutting down, a statement or an idle transaction timed out, a
/// deadlock or serialization conflict to be tried again.
pub fn is_outage(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            // SQLSTATE classes: 08 connection exception, 53 insufficient resources,
            // 57P0x server shutting down; and single states for timeouts and conflicts.
            code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57P")
                || matches!(&*code, "40001" | "40P01" | "55P03" | "57014" | "25P03")
        }),
        _ => false,
    }
}

impl From<EnvelopeError> for HandleError {
    fn from(error: EnvelopeError) -> Self {
        Self::Reject(error.into())
    }
}

/// Applies one message exactly once to a context's database: see [`crate::inbox`].
pub trait Apply: Send + Sync + 'static {
    fn apply<'a>(
        &'a self,
        envelope: &'a Envelope,
    ) -> impl Future<Output = Result<Applied, HandleError>> + Send + 'a;
}

/// What a panic said, for the log.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}
