//! Staff-only routes: moving deliveries along and restocking. Customers get 403, strangers 401.

use super::{orders::ask, ApiError, ApiState, CurrentAccount, JsonBody};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use contracts::{
    delivery::{AdvanceDelivery, AdvanceDeliveryReply},
    inventory::{RestockProduct, RestockReply},
};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;
use uuid::Uuid;

#[derive(Serialize)]
pub struct Advanced {
    order_id: Uuid,
    status: String,
}

/// `POST /api/deliveries/{order_id}/dispatch` or `/deliver`.
pub async fn advance_delivery(
    session: Session,
    State(state): State<ApiState>,
    Path((order_id, step)): Path<(Uuid, String)>,
) -> Result<Json<Advanced>, ApiError> {
    let staff = CurrentAccount::require_staff(&session).await?;
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
    let reply: AdvanceDeliveryReply = ask(
        &state,
        delivery::CONTEXT,
        AdvanceDelivery::KIND,
        AdvanceDelivery::VERSION,
        &request,
    )
    .await?;
    match reply {
        AdvanceDeliveryReply::Advanced { status } => Ok(Json(Advanced { order_id, status })),
        AdvanceDeliveryReply::NotFound => Err(ApiError::not_found("delivery")),
        AdvanceDeliveryReply::Refused { reason } => {
            Err(ApiError::new(StatusCode::CONFLICT, "not_now", reason))
        }
    }
}

#[derive(Deserialize)]
pub struct Restock {
    quantity: i64,
    reason: String,
}

#[derive(Serialize)]
pub struct Restocked {
    slug: String,
    on_hand: i32,
    available: i32,
}

/// `POST /api/products/{slug}/restock` with `{"quantity": 5, "reason": "…"}`.
pub async fn restock(
    session: Session,
    State(state): State<ApiState>,
    Path(slug): Path<String>,
    JsonBody(body): JsonBody<Restock>,
) -> Result<Json<Restocked>, ApiError> {
    let staff = CurrentAccount::require_staff(&session).await?;
    let request = RestockProduct {
        slug: slug.clone(),
        quantity: body.quantity,
        reason: body.reason,
        actor: staff.email,
    };
    let reply: RestockReply = ask(
        &state,
        inventory::saga::CONTEXT,
        RestockProduct::KIND,
        RestockProduct::VERSION,
        &request,
    )
    .await?;
    match reply {
        RestockReply::Restocked { on_hand, available } => Ok(Json(Restocked {
            slug,
            on_hand,
            available,
        })),
        RestockReply::Invalid { field, message } => {
            Err(ApiError::field(&field, "invalid", message))
        }
        RestockReply::UnknownProduct => Err(ApiError::not_found("product")),
    }
}
