//! Server-sent events for open pages: one order as it moves along, and a signed-in person's
//! nudges (their orders, their unread count; for staff also deliveries and stock).
//!
//! The streams are fed by the [`Hub`], which the web role fills from the broker's live
//! exchange (see `messaging::live`). Each event carries the current state read from the read
//! models, so a page never has to trust the order nudges arrive in. On reconnect, the
//! browser's `Last-Event-ID` tells us what it already shows; it gets the current state at once
//! if that moved on while it was away.

use super::{orders::inbox, ApiError, ApiState, CurrentAccount};
use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use contracts::live::Nudge;
use futures_util::{stream, Stream, StreamExt};
use std::{convert::Infallible, time::Duration};
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;
use view::{OrderHistory, TimelineStep};

/// The nudges this web instance heard, fanned out to every open stream.
#[derive(Clone)]
pub struct Hub(broadcast::Sender<Nudge>);

impl Default for Hub {
    fn default() -> Self {
        Self(broadcast::channel(1024).0)
    }
}

impl Hub {
    pub fn publish(&self, nudge: Nudge) {
        // Nobody listening is fine.
        let _ = self.0.send(nudge);
    }

    fn subscribe(&self) -> broadcast::Receiver<Nudge> {
        self.0.subscribe()
    }
}

type EventStream = std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>>;
type Events = Sse<axum::response::sse::KeepAliveStream<EventStream>>;

/// A stream with a comment every 15 s, so proxies keep the connection open; it ends when the
/// process shuts down, so a graceful stop does not wait for open pages forever (the browser
/// reconnects to another instance).
fn sse(
    state: &ApiState,
    events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static,
) -> Events {
    let events: EventStream = Box::pin(events.take_until(state.shutdown.clone().cancelled_owned()));
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// What an order looks like now, as a version that changes with every step.
fn version(order: &OrderHistory, timeline: &[TimelineStep]) -> String {
    format!("{}-{}", order.updated_at.timestamp_micros(), timeline.len())
}

fn order_event(order: OrderHistory, timeline: Vec<TimelineStep>) -> Event {
    let id = version(&order, &timeline);
    let body = super::orders::OrderBody { order, timeline };
    Event::default()
        .event("order")
        .id(id)
        .json_data(body)
        .unwrap_or_else(|_| Event::default().comment("unencodable"))
}

/// `GET /api/orders/{id}/events`: the order (with its timeline) now, and again at every change.
pub async fn order_events(
    account: CurrentAccount,
    State(state): State<ApiState>,
    Path(order_id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Events, ApiError> {
    let nudges = state.live.subscribe();
    let current = state.read_models.order_history(order_id).await?;
    let may_see = |order: &OrderHistory| order.customer_id == account.id || account.staff;
    if current.as_ref().is_some_and(|(order, _)| !may_see(order)) {
        return Err(ApiError::not_found("order"));
    }
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let first = current
        .filter(|(order, timeline)| Some(version(order, timeline)) != last_seen)
        .map(|(order, timeline)| order_event(order, timeline));

    // A new order may not be in the view yet: the stream waits for it.
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
                        let event = order_event(order, timeline);
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
        stream::iter(first.map(Ok)).chain(changes),
    ))
}

/// `GET /api/events`: nudges for the signed-in person's pages. `orders` names an order of theirs
/// that changed; `messages` carries their unread count; staff also get `deliveries` and
/// `products`; `resync` asks the page to reload its data (nudges were missed).
pub async fn my_events(
    account: CurrentAccount,
    State(state): State<ApiState>,
) -> Result<Events, ApiError> {
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
    Ok(sse(&state_for_end, events))
}
