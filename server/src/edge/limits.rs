//! How much one client may ask of the shop. Per address (tower_governor, in front of the
//! handler): signing in, signing up and placing orders. Per account (governor, keyed by the
//! email): sign-in attempts, so guessing one password from many addresses is slow too. And a
//! gate around password hashing: Argon2id takes 19 MiB and a core's tens of milliseconds per
//! call, so only as many run at once as there are cores, and a flood waits or hears 503 instead
//! of exhausting memory. Every refusal is a 429 with `Retry-After`.

use crate::api::ApiError;
use axum::{
    extract::ConnectInfo,
    http::{Request, StatusCode},
    response::IntoResponse,
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota};
use std::{
    net::{IpAddr, SocketAddr},
    num::NonZeroU32,
    sync::Arc,
    time::Duration,
};
use tower_governor::{
    governor::GovernorConfigBuilder, key_extractor::KeyExtractor, GovernorError, GovernorLayer,
};

/// Which address a request counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAddress {
    /// The TCP peer: the shop faces the clients itself.
    Peer,
    /// The last address in `X-Forwarded-For`: the one our own proxy (an ingress, haproxy) saw.
    /// Earlier ones are whatever the client wrote, so they are never trusted.
    Forwarded,
}

impl ClientAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "peer" => Ok(Self::Peer),
            "x-forwarded-for" => Ok(Self::Forwarded),
            other => Err(format!("must be peer or x-forwarded-for, not {other:?}")),
        }
    }

    fn of<T>(self, request: &Request<T>) -> Option<IpAddr> {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        match self {
            Self::Peer => peer,
            Self::Forwarded => request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.rsplit(',').next())
                .and_then(|address| address.trim().parse().ok())
                .or(peer),
        }
    }
}

impl KeyExtractor for ClientAddress {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        self.of(request).ok_or(GovernorError::UnableToExtractKey)
    }
}

/// A budget: `burst` requests at once, then one more every `every`.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub burst: u32,
    pub every: Duration,
}

/// Per address: 20 sign-in attempts, then one every 3 s (20 a minute).
pub const SIGN_IN_PER_ADDRESS: Budget = Budget {
    burst: 20,
    every: Duration::from_secs(3),
};
/// Per address: 10 new accounts, then one every 30 s.
pub const SIGN_UP_PER_ADDRESS: Budget = Budget {
    burst: 10,
    every: Duration::from_secs(30),
};
/// Per address: 30 orders, then one a second (an office behind one address still orders).
pub const ORDERS_PER_ADDRESS: Budget = Budget {
    burst: 30,
    every: Duration::from_secs(1),
};
/// Per account: 10 sign-in attempts, then one a minute, from wherever they come.
pub const SIGN_IN_PER_ACCOUNT: Budget = Budget {
    burst: 10,
    every: Duration::from_secs(60),
};

/// The 429 every limit answers, in the API's error shape, with `Retry-After`.
pub fn too_many(wait: Duration) -> ApiError {
    let seconds = wait.as_secs().max(1);
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        format!("too many attempts; try again in {seconds} seconds"),
    )
    .retry_after(seconds)
}

/// The per-address limits on the routes that take them, or none when limits are off.
#[derive(Clone)]
pub struct Limits {
    on: bool,
    address: ClientAddress,
    sign_in_per_account: Arc<DefaultKeyedRateLimiter<String>>,
    per_address: Arc<std::sync::Mutex<Vec<Arc<DefaultKeyedRateLimiter<IpAddr>>>>>,
}

type AddressLayer = GovernorLayer<
    ClientAddress,
    governor::middleware::NoOpMiddleware<governor::clock::QuantaInstant>,
    axum::body::Body,
>;

impl Limits {
    pub fn new(on: bool, address: ClientAddress) -> Self {
        Self {
            on,
            address,
            sign_in_per_account: Arc::new(governor::RateLimiter::keyed(quota(SIGN_IN_PER_ACCOUNT))),
            per_address: Arc::default(),
        }
    }

    /// A layer counting requests per client address against `budget`; `None` when limits are
    /// off.
    pub fn per_address(&self, budget: Budget) -> Option<AddressLayer> {
        if !self.on {
            return None;
        }
        let config = GovernorConfigBuilder::default()
            .key_extractor(self.address)
            .period(budget.every)
            .burst_size(budget.burst)
            .finish()
            .expect("budgets are not zero");
        self.per_address
            .lock()
            .expect("never poisoned: no panics while held")
            .push(config.limiter().clone());
        Some(
            GovernorLayer::new(config).error_handler(|error| match error {
                GovernorError::TooManyRequests { wait_time, .. } => {
                    too_many(Duration::from_secs(wait_time)).into_response()
                }
                other => ApiError::internal(format!("rate limit: {other}")).into_response(),
            }),
        )
    }

    /// Counts a sign-in attempt for `email`: `Err` with the 429 when that account had too many.
    pub fn sign_in_attempt(&self, email: &str) -> Result<(), ApiError> {
        if !self.on {
            return Ok(());
        }
        self.sign_in_per_account
            .check_key(&email.to_owned())
            .map_err(|not_until| {
                too_many(not_until.wait_time_from(governor::clock::DefaultClock::default().now()))
            })
    }

    /// Forgets addresses and accounts that are back to a full budget (they cost memory).
    pub fn forget_idle(&self) {
        self.sign_in_per_account.retain_recent();
        for limiter in self
            .per_address
            .lock()
            .expect("never poisoned: no panics while held")
            .iter()
        {
            limiter.retain_recent();
        }
    }
}

/// Forgets idle clients every minute until `shutdown` (a supervised worker).
pub async fn forget_idle(
    limits: Limits,
    status: messaging::WorkerStatus,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    status.set_running(true);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(Duration::from_secs(60)) => limits.forget_idle(),
        }
    }
}

fn quota(budget: Budget) -> Quota {
    Quota::with_period(budget.every)
        .expect("budgets are not zero")
        .allow_burst(NonZeroU32::new(budget.burst).expect("budgets are not zero"))
}

/// The gate for password work: one Argon2 computation per core at a time.
pub fn hashing_gate() -> Arc<tokio::sync::Semaphore> {
    Arc::new(tokio::sync::Semaphore::new(
        std::thread::available_parallelism().map_or(2, usize::from),
    ))
}

/// How long a sign-in waits for a free core before hearing "busy".
const HASHING_WAIT: Duration = Duration::from_secs(5);

/// Runs the password work `work` when `gate` has a core free for it (waiting at most
/// [`HASHING_WAIT`]).
pub async fn hashing<T: Send + 'static>(
    gate: &tokio::sync::Semaphore,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = tokio::time::timeout(HASHING_WAIT, gate.acquire())
        .await
        .map_err(|_| {
            ApiError::unavailable("the shop is busy signing people in; try again in a moment")
                .retry_after(1)
        })?
        .map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(peer: &str, forwarded: &[&str]) -> Request<()> {
        let mut request = Request::new(());
        request
            .extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        for value in forwarded {
            request
                .headers_mut()
                .append("x-forwarded-for", value.parse().unwrap());
        }
        request
    }

    #[test]
    fn only_the_address_our_proxy_saw_counts() {
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let spoofed = request("10.0.0.5:4000", &["1.2.3.4, 203.0.113.9"]);
        assert_eq!(ClientAddress::Peer.of(&spoofed), ip("10.0.0.5"));
        assert_eq!(ClientAddress::Forwarded.of(&spoofed), ip("203.0.113.9"));
        let two_headers = request("10.0.0.5:4000", &["1.2.3.4", "198.51.100.7"]);
        assert_eq!(
            ClientAddress::Forwarded.of(&two_headers),
            ip("198.51.100.7")
        );
        let none = request("10.0.0.5:4000", &[]);
        assert_eq!(ClientAddress::Forwarded.of(&none), ip("10.0.0.5"));
        let garbage = request("10.0.0.5:4000", &["not an address"]);
        assert_eq!(ClientAddress::Forwarded.of(&garbage), ip("10.0.0.5"));
    }

    #[test]
    fn an_account_gets_its_burst_then_waits() {
        let limits = Limits::new(true, ClientAddress::Peer);
        for _ in 0..SIGN_IN_PER_ACCOUNT.burst {
            assert!(limits.sign_in_attempt("kim@example.com").is_ok());
        }
        let refused = limits
            .sign_in_attempt("kim@example.com")
            .unwrap_err()
            .into_response();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(
            limits.sign_in_attempt("lee@example.com").is_ok(),
            "others are not held"
        );
        let off = Limits::new(false, ClientAddress::Peer);
        for _ in 0..100 {
            assert!(off.sign_in_attempt("kim@example.com").is_ok());
        }
    }
}
