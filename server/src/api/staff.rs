//! Staff-only routes: moving deliveries along. Customers get 403, strangers 401.

use super::{orders::ask, ApiError, ApiState, CurrentAccount};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use contracts::delivery::{AdvanceDelivery, AdvanceDeliveryReply};
use serde::Serialize;
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
