//! Order's synchronous question to inventory — "hold this stock for this order" — over RPC,
//! with a deadline and behind a circuit breaker: after repeated failures the breaker opens and
//! orders are refused at once, then it lets one call through to probe, and closes when
//! inventory answers again.

use contracts::inventory::{ReserveStock, ReserveStockReply};
use failsafe::{backoff, failure_policy, futures::CircuitBreaker, Config, StateMachine};
use messaging::rpc;
use std::time::Duration;

type Breaker = StateMachine<failure_policy::ConsecutiveFailures<backoff::Constant>, ()>;

/// How patient order is with inventory.
#[derive(Clone, Copy, Debug)]
pub struct BreakerSettings {
    /// How long one reservation may take.
    pub deadline: Duration,
    /// Failures in a row that open the breaker.
    pub failures: u32,
    /// How long the breaker stays open before it lets a probe through.
    pub cool_down: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(2),
            failures: 3,
            cool_down: Duration::from_secs(5),
        }
    }
}

/// Why inventory gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum InventoryUnavailable {
    #[error("inventory is not answering; the breaker is open")]
    BreakerOpen,
    #[error(transparent)]
    Rpc(#[from] rpc::RpcError),
}

#[derive(Clone)]
pub struct InventoryClient {
    rpc: rpc::Client,
    breaker: Breaker,
    deadline: Duration,
}

impl InventoryClient {
    pub fn new(rpc: rpc::Client, settings: BreakerSettings) -> Self {
        let policy = failure_policy::consecutive_failures(
            settings.failures,
            backoff::constant(settings.cool_down),
        );
        Self {
            rpc,
            breaker: Config::new().failure_policy(policy).build(),
            deadline: settings.deadline,
        }
    }

    /// Whether calls go through right now (closed or probing).
    pub fn is_call_permitted(&self) -> bool {
        self.breaker.is_call_permitted()
    }

    pub async fn reserve(
        &self,
        request: &ReserveStock,
    ) -> Result<ReserveStockReply, InventoryUnavailable> {
        let call = async {
            Ok(self
                .rpc
                .ask(request, Some(request.order_id.to_string()), self.deadline)
                .await?)
        };
        match self.breaker.call(call).await {
            Ok(reply) => Ok(reply),
            Err(failsafe::Error::Rejected) => {
                metrics::counter!("petal_breaker_refused_total", "callee" => crate::saga::INVENTORY)
                    .increment(1);
                Err(InventoryUnavailable::BreakerOpen)
            }
            Err(failsafe::Error::Inner(error)) => Err(error),
        }
    }
}
