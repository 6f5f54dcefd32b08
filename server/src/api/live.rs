//! Server-sent events for open pages: one order as it moves along, and a signed-in person's
//! nudges (their orders, their unread count; for staff also deliveries and stock).
//!
//! The streams are fed by the [`Hub`], which the web role fills from the broker's live
//! exchange (see `messaging::live`). Each event carries the current state read from the read
//! models, so a page never has to trust the order nudges arrive in. On reconnect, the
//! browser's `Last-Event-ID` tells us what it already shows; it gets the current state at once
//! if that moved on while it was away.

use super::{orders::inbox, ApiError, ApiState, CurrentAccount, PathParams};
use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use contracts::live::Nudge;
use futures_util::{stream, Stream, StreamExt};
use sqlx::PgPool;
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};
use std::{convert::Infallible, time::Duration};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;
use tower_sessions::Session;
use uuid::Uuid;
use view::{OrderHistory, TimelineStep};

/// How many live streams one account may hold open on one web instance (tabs, devices).
pub const STREAMS_PER_ACCOUNT: usize = 8;

/// The nudges this web instance heard, fanned out to every open stream; and the open streams,
/// by account, so there are never more than [`STREAMS_PER_ACCOUNT`] and signing out ends them.
#[derive(Clone)]
pub struct Hub {
    nudges: broadcast::Sender<Nudge>,
    open: Arc<Mutex<HashMap<Uuid, Vec<OpenStream>>>>,
}

struct OpenStream {
    key: Uuid,
    session: Option<String>,
    /// The account's session generation when the stream opened.
    generation: i32,
    end: CancellationToken,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            nudges: broadcast::channel(1024).0,
            open: Arc::default(),
        }
    }
}

/// A stream's place in the hub: ends the stream when cancelled, frees the place when dropped.
struct Place {
    hub: Hub,
    account: Uuid,
    key: Uuid,
    end: CancellationToken,
}

impl Drop for Place {
    fn drop(&mut self) {
        metrics::gauge!("petal_live_streams").decrement(1);
        let mut open = self.hub.lock();
        if let Some(streams) = open.get_mut(&self.account) {
            streams.retain(|stream| stream.key != self.key);
            if streams.is_empty() {
                open.remove(&self.account);
            }
        }
    }
}

impl Hub {
    pub fn publish(&self, nudge: Nudge) {
        // Nobody listening is fine.
        let _ = self.nudges.send(nudge);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Vec<OpenStream>>> {
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A place for one more stream of `account` (from the session `session`), or 429.
    fn open(&self, account: &CurrentAccount, session: &Session) -> Result<Place, ApiError> {
        let mut open = self.lock();
        let streams = open.entry(account.id).or_default();
        if streams.len() >= STREAMS_PER_ACCOUNT {
            return Err(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!(
                    "{STREAMS_PER_ACCOUNT} live pages are open for this account already; close one"
                ),
            )
            .retry_after(15));
        }
        let place = Place {
            hub: self.clone(),
            account: account.id,
            key: Uuid::new_v4(),
            end: CancellationToken::new(),
        };
        metrics::gauge!("petal_live_streams").increment(1);
        streams.push(OpenStream {
            key: place.key,
            session: session.id().map(|id| id.to_string()),
            generation: account.generation,
            end: place.end.clone(),
        });
        Ok(place)
    }

    /// Ends the streams of `account` opened by `session`, or by every session when `None`.
    pub fn signed_out(&self, account: Uuid, session: Option<&str>) {
        if let Some(streams) = self.lock().get(&account) {
            for stream in streams {
                if session.is_none() || stream.session.as_deref() == session {
                    stream.end.cancel();
                }
            }
        }
    }

    /// Every nudge this instance hears from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Nudge> {
        self.nudges.subscribe()
    }

    /// Ends every stream whose session has ended since it opened, wherever that happened: signed
    /// out or timed out (the session row is gone), or every session of the account ended (a newer
    /// generation). Sign-out on this instance ends its streams at once; this finds the rest.
    pub async fn recheck(&self, accounts: &PgPool) -> Result<usize, sqlx::Error> {
        // What to judge, taken at once: a stream opened while the queries run waits for the
        // next round instead of being judged on a session nobody asked about.
        let open: Vec<(Uuid, Option<String>, i32, CancellationToken)> = self
            .lock()
            .iter()
            .flat_map(|(account, streams)| {
                streams.iter().map(|stream| {
                    (
                        *account,
                        stream.session.clone(),
                        stream.generation,
                        stream.end.clone(),
                    )
                })
            })
            .collect();
        if open.is_empty() {
            return Ok(0);
        }
        let sessions: Vec<String> = open.iter().filter_map(|(_, s, _, _)| s.clone()).collect();
        let ids: Vec<Uuid> = open
            .iter()
            .map(|(account, ..)| *account)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let live: HashSet<String> = sqlx::query_scalar(
            "SELECT id FROM tower_sessions.session WHERE id = ANY($1) AND expiry_date > now()",
        )
        .bind(&sessions)
        .fetch_all(accounts)
        .await?
        .into_iter()
        .collect();
        let generations: HashMap<Uuid, i32> =
            sqlx::query_as("SELECT id, session_generation FROM accounts WHERE id = ANY($1)")
                .bind(&ids)
                .fetch_all(accounts)
                .await?
                .into_iter()
                .collect();
        let mut ended = 0;
        for (account, session, generation, end) in open {
            let holds = session.as_ref().is_some_and(|id| live.contains(id))
                && generations.get(&account) == Some(&generation);
            if !holds && !end.is_cancelled() {
                end.cancel();
                ended += 1;
            }
        }
        Ok(ended)
    }
}

/// Rechecks the open streams' sessions every `every` until `shutdown` ([`Hub::recheck`]).
pub async fn recheck_streams(
    hub: Hub,
    accounts: PgPool,
    every: Duration,
    status: messaging::WorkerStatus,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    status.set_running(true);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(every) => {}
        }
        match hub.recheck(&accounts).await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(ended, "live streams of ended sessions closed"),
            // The next round tries again; the streams stay open meanwhile.
            Err(error) => tracing::warn!(%error, "rechecking the live streams' sessions failed"),
        }
    }
}

type EventStream = std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>>;
type Events = Sse<axum::response::sse::KeepAliveStream<EventStream>>;

/// A stream with a comment every 15 s, so proxies keep the connection open; it ends when the
/// process shuts down, so a graceful stop does not wait for open pages forever (the browser
/// reconnects to another instance), and when its person signs out.
fn sse(
    state: &ApiState,
    place: Place,
    events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static,
) -> Events {
    let ended = place.end.clone().cancelled_owned();
    let events = events
        .take_until(state.shutdown.clone().cancelled_owned())
        .take_until(ended)
        // The place is held as long as the stream is, and freed with it.
        .map(move |event| {
            let _ = &place;
            event
        });
    let events: EventStream = Box::pin(events);
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// What an order looks like now, as a version that changes with every step.
fn version(order: &OrderHistory, timeline: &[TimelineStep]) -> String {
    format!("{}-{}", order.updated_at.timestamp_micros(), timeline.len())
}

fn order_event(order: OrderHistory, timeline: Vec<TimelineStep>, staff: bool) -> Event {
    let id = version(&order, &timeline);
    let body = super::orders::OrderBody::new(order, timeline, staff);
    Event::default()
        .event("order")
        .id(id)
        .json_data(body)
        .unwrap_or_else(|_| Event::default().comment("unencodable"))
}

/// `GET /api/orders/{id}/events`: the order (with its timeline) now, and again at every change.
pub async fn order_events(
    account: CurrentAccount,
    session: Session,
    State(state): State<ApiState>,
    PathParams(order_id): PathParams<Uuid>,
    headers: HeaderMap,
) -> Result<Events, ApiError> {
    let nudges = state.live.subscribe();
    let current = just_placed(&state, order_id).await?;
    let may_see = |order: &OrderHistory| order.customer_id == account.id || account.staff;
    if !current.as_ref().is_some_and(|(order, _)| may_see(order)) {
        return Err(ApiError::not_found("order"));
    }
    let place = state.live.open(&account, &session)?;
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let first = current
        .filter(|(order, timeline)| Some(version(order, timeline)) != last_seen)
        .map(|(order, timeline)| order_event(order, timeline, account.staff));

    // Every change from here on, read from the view when it is nudged.
    let state_for_end = state.clone();
    let changes = stream::unfold(
        (nudges, state, account),
        move |(mut nudges, state, account)| async move {
            loop {
                match nudges.recv().await {
                    Ok(Nudge::Order { order_id: id, .. }) if id == order_id => {}
                    Ok(_) => continue,
                    Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
                match state.read_models.order_history(order_id).await {
                    Ok(Some((order, timeline)))
                        if order.customer_id == account.id || account.staff =>
                    {
                        let event = order_event(order, timeline, account.staff);
                        return Some((Ok(event), (nudges, state, account)));
                    }
                    // Someone else's order: this stream never shows it.
                    Ok(Some(_)) => return None,
                    Ok(None) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "reading an order for its live page failed");
                        continue;
                    }
                }
            }
        },
    );
    Ok(sse(
        &state_for_end,
        place,
        stream::iter(first.map(Ok)).chain(changes),
    ))
}

/// How long an order the view does not know yet is waited for: one just placed reaches the
/// view within milliseconds; one that never does is not an order.
const NEW_ORDER_WAIT: Duration = Duration::from_secs(3);

/// The order and its timeline, waiting up to [`NEW_ORDER_WAIT`] for one just placed.
async fn just_placed(
    state: &ApiState,
    order_id: Uuid,
) -> Result<Option<(OrderHistory, Vec<TimelineStep>)>, ApiError> {
    let deadline = tokio::time::Instant::now() + NEW_ORDER_WAIT;
    loop {
        let current = state.read_models.order_history(order_id).await?;
        if current.is_some() || tokio::time::Instant::now() >= deadline {
            return Ok(current);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `GET /api/events`: nudges for the signed-in person's pages. `orders` names an order of theirs
/// that changed; `messages` carries their unread count; staff also get `deliveries` and
/// `products`; `resync` asks the page to reload its data (nudges were missed).
pub async fn my_events(
    account: CurrentAccount,
    session: Session,
    State(state): State<ApiState>,
) -> Result<Events, ApiError> {
    let place = state.live.open(&account, &session)?;
    let nudges = state.live.subscribe();
    let state_for_end = state.clone();
    let events = stream::unfold(
        (nudges, state, account),
        |(mut nudges, state, account)| async move {
            loop {
                let event = match nudges.recv().await {
                    Ok(Nudge::Order {
                        order_id,
                        customer_id,
                    }) => {
                        if customer_id == account.id {
                            Event::default().event("orders").data(order_id.to_string())
                        } else if account.staff {
                            Event::default()
                                .event("deliveries")
                                .data(order_id.to_string())
                        } else {
                            continue;
                        }
                    }
                    Ok(Nudge::Messages { customer_id }) if customer_id == account.id => {
                        match inbox(&state, account.id, None).await {
                            Ok(inbox) => Event::default()
                                .event("messages")
                                .data(inbox.unread.to_string()),
                            Err(_) => continue,
                        }
                    }
                    Ok(Nudge::Messages { .. }) => continue,
                    Ok(Nudge::Product { slug }) => Event::default().event("products").data(slug),
                    Err(RecvError::Lagged(_)) => Event::default().event("resync").data(""),
                    Err(RecvError::Closed) => return None,
                };
                return Some((Ok(event), (nudges, state, account)));
            }
        },
    );
    Ok(sse(&state_for_end, place, events))
}
