//! Staff-only routes: the delivery schedule and moving deliveries along; stock levels, product
//! history, restocking, prices and new flowers. Customers get 403, strangers 401.

use super::{accounts::Staff, orders::ask, ApiError, ApiState, JsonBody, PathParams, QueryParams};
use axum::{extract::State, http::StatusCode, Json};
use contracts::{
    delivery::{
        AdvanceDelivery, AdvanceDeliveryReply, ListDeliveries, ListDeliveriesReply,
        ScheduledDelivery,
    },
    inventory::{CatalogCommand, CatalogReply, CatalogRequest, HistoryEntry, StockLevel},
    Localized,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Serialize)]
pub struct Advanced {
    order_id: Uuid,
    status: String,
}

/// `POST /api/deliveries/{order_id}/dispatch` or `/deliver`.
pub async fn advance_delivery(
    Staff(staff): Staff,
    State(state): State<ApiState>,
    PathParams((order_id, step)): PathParams<(Uuid, String)>,
) -> Result<Json<Advanced>, ApiError> {
    if !matches!(step.as_str(), "dispatch" | "deliver") {
        return Err(ApiError::not_found(
            "delivery step; use dispatch or deliver",
        ));
    }
    let request = AdvanceDelivery {
        order_id,
        step,
        actor: staff.email,
    };
    let reply: AdvanceDeliveryReply = ask(&state, &request).await?;
    match reply {
        AdvanceDeliveryReply::Advanced { status } => Ok(Json(Advanced { order_id, status })),
        AdvanceDeliveryReply::NotFound => Err(ApiError::not_found("delivery")),
        AdvanceDeliveryReply::Refused { reason } => {
            Err(ApiError::new(StatusCode::CONFLICT, "not_now", reason))
        }
    }
}

#[derive(Deserialize)]
pub struct ScheduleQuery {
    /// First day to show, `YYYY-MM-DD`; today in Seoul if absent.
    from: Option<String>,
}

/// `GET /api/deliveries?from=2026-11-24`: paid deliveries from that day on, by date and window.
pub async fn deliveries(
    _staff: Staff,
    State(state): State<ApiState>,
    QueryParams(query): QueryParams<ScheduleQuery>,
) -> Result<Json<Vec<ScheduledDelivery>>, ApiError> {
    let from = super::florist::day_or_today("from", query.from.as_deref())?;
    let reply: ListDeliveriesReply = ask(&state, &ListDeliveries { from }).await?;
    Ok(Json(reply.deliveries))
}

/// Sends a catalog command to inventory on behalf of a staff member.
async fn catalog(
    Staff(staff): Staff,
    state: &ApiState,
    command: CatalogCommand,
) -> Result<CatalogReply, ApiError> {
    let request = CatalogRequest {
        actor: staff.email,
        command,
    };
    ask(state, &request).await
}

/// The product a change left behind, or the error that stopped it.
fn changed(reply: CatalogReply) -> Result<Json<StockLevel>, ApiError> {
    match reply {
        CatalogReply::Changed { product } => Ok(Json(product)),
        other => Err(refused(other)),
    }
}

fn refused(reply: CatalogReply) -> ApiError {
    match reply {
        CatalogReply::Invalid { field, message } => ApiError::field(&field, "invalid", message),
        CatalogReply::UnknownProduct => ApiError::not_found("product"),
        CatalogReply::Taken => ApiError::field(
            "slug",
            "taken",
            "another product already has this slug; choose another",
        ),
        other => ApiError::internal(format!("inventory answered {other:?}")),
    }
}

/// `GET /api/products`: every product with on hand, reserved and available (staff).
pub async fn products(
    staff: Staff,
    State(state): State<ApiState>,
) -> Result<Json<Vec<StockLevel>>, ApiError> {
    match catalog(staff, &state, CatalogCommand::List).await? {
        CatalogReply::Products { products } => Ok(Json(products)),
        other => Err(refused(other)),
    }
}

/// `GET /api/products/{slug}/history`: who changed the product, when and why (staff).
pub async fn history(
    staff: Staff,
    State(state): State<ApiState>,
    PathParams(slug): PathParams<String>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    match catalog(staff, &state, CatalogCommand::History { slug }).await? {
        CatalogReply::History { entries } => Ok(Json(entries)),
        other => Err(refused(other)),
    }
}

#[derive(Deserialize)]
pub struct NewFlower {
    slug: String,
    name: Localized,
    description: Localized,
    price_won: i64,
    on_hand: i64,
    /// One of the shop's drawings, unless a photo is uploaded.
    #[serde(default)]
    picture: String,
    /// A PNG or JPEG as a `data:` URL.
    #[serde(default)]
    photo: Option<String>,
}

/// `POST /api/products`: the shop starts selling a flower (staff).
pub async fn add_product(
    staff: Staff,
    State(state): State<ApiState>,
    JsonBody(body): JsonBody<NewFlower>,
) -> Result<(StatusCode, Json<StockLevel>), ApiError> {
    let command = CatalogCommand::Add {
        slug: body.slug,
        name: body.name,
        description: body.description,
        price_won: body.price_won,
        on_hand: body.on_hand,
        picture: body.picture,
        photo: body.photo,
    };
    let product = changed(catalog(staff, &state, command).await?)?;
    Ok((StatusCode::CREATED, product))
}

#[derive(Deserialize)]
pub struct NewPrice {
    price_won: i64,
    reason: String,
}

/// `PATCH /api/products/{slug}` with `{"price_won": 52000, "reason": "…"}` (staff).
pub async fn change_price(
    staff: Staff,
    State(state): State<ApiState>,
    PathParams(slug): PathParams<String>,
    JsonBody(body): JsonBody<NewPrice>,
) -> Result<Json<StockLevel>, ApiError> {
    let command = CatalogCommand::ChangePrice {
        slug,
        price_won: body.price_won,
        reason: body.reason,
    };
    changed(catalog(staff, &state, command).await?)
}

#[derive(Deserialize)]
pub struct Restock {
    quantity: i64,
    reason: String,
    /// One per restock form: sending it again after a lost reply adds the stock once.
    request_id: Option<Uuid>,
}

/// `POST /api/products/{slug}/restock` with `{"quantity": 5, "reason": "…"}` (staff).
pub async fn restock(
    staff: Staff,
    State(state): State<ApiState>,
    PathParams(slug): PathParams<String>,
    headers: axum::http::HeaderMap,
    JsonBody(body): JsonBody<Restock>,
) -> Result<Json<StockLevel>, ApiError> {
    let request_id = match (
        body.request_id,
        super::idempotency_key(&headers, staff.0.id)?,
    ) {
        (Some(id), _) | (None, Some(id)) => id,
        (None, None) => {
            return Err(ApiError::field(
                "request_id",
                "required",
                "send a request_id (one per restock form) or an Idempotency-Key header, so \
                 that sending it again after a timeout does not add the stock twice",
            ))
        }
    };
    let command = CatalogCommand::Restock {
        slug,
        quantity: body.quantity,
        reason: body.reason,
        request_id: Some(request_id),
    };
    changed(catalog(staff, &state, command).await?)
}

/// A parked message as staff see it on an order's page.
#[derive(Serialize)]
pub struct ParkedMessage {
    /// The context that could not handle it (its queue).
    context: &'static str,
    kind: String,
    message_id: Option<Uuid>,
    order_id: Option<String>,
    at: Option<chrono::DateTime<chrono::Utc>>,
    body: String,
}

#[derive(Deserialize)]
pub struct ParkedQuery {
    /// Only the messages of this order (their correlation id).
    order_id: Option<String>,
}

/// `GET /api/parked?order_id=…`: messages some context parked, optionally for one order (staff).
pub async fn parked(
    _staff: Staff,
    State(state): State<ApiState>,
    QueryParams(query): QueryParams<ParkedQuery>,
) -> Result<Json<Vec<ParkedMessage>>, ApiError> {
    let mut found = Vec::new();
    for subscription in contracts::subscriptions::ALL {
        let parked = messaging::parking::list(&state.broker, &state.topology, subscription.queue)
            .await
            .map_err(ApiError::internal)?;
        for message in parked {
            let envelope = message.envelope.as_ref();
            let order_id = envelope.and_then(|e| e.correlation_id.clone());
            if query.order_id.is_some() && query.order_id != order_id {
                continue;
            }
            found.push(ParkedMessage {
                context: subscription.queue,
                kind: envelope.map_or(message.routing_key.clone(), |e| e.kind.clone()),
                message_id: envelope.map(|e| e.id),
                order_id,
                at: envelope.map(|e| e.timestamp),
                body: String::from_utf8_lossy(&message.body)
                    .chars()
                    .take(2000)
                    .collect(),
            });
        }
    }
    Ok(Json(found))
}

#[derive(Serialize)]
pub struct Redriven {
    context: String,
    moved: usize,
}

/// `POST /api/parked/{context}/redrive`: sends a context's parked messages back to its queue
/// once the cause is fixed (staff).
pub async fn redrive(
    _staff: Staff,
    State(state): State<ApiState>,
    PathParams(context): PathParams<String>,
) -> Result<Json<Redriven>, ApiError> {
    let known = contracts::subscriptions::ALL
        .iter()
        .any(|s| s.queue == context);
    if !known {
        return Err(ApiError::not_found("context"));
    }
    let moved = messaging::parking::redrive(&state.broker, &state.topology, &context)
        .await
        .map_err(ApiError::internal)?;
    tracing::info!(%context, moved, "parked messages re-driven from the staff page");
    Ok(Json(Redriven { context, moved }))
}
