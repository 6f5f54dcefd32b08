//! The catalog, orders, order histories and messages: place and cancel go to the order context as RPC
//! commands; reads come from the view context's read models, and only the customer's own.

use super::{ApiError, ApiState, CurrentAccount, JsonBody, PathParams};
use axum::{extract::State, http::StatusCode, Json};
use contracts::notification::{MessagesReply, MessagesRequest};
use contracts::order::{
    CancelOrderReply, CancelOrderRequest, PlaceOrderReply, PlaceOrderRequest, WantedLine,
};
use contracts::payment::{ListPayments, ListPaymentsReply, PaymentSummary};
use messaging::rpc::RpcError;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;
use view::{OrderHistory, ProductInfo, TimelineStep};

/// How long the web waits for a context to answer a command.
const COMMAND_DEADLINE: Duration = Duration::from_secs(5);

#[derive(Serialize)]
pub struct Product {
    slug: String,
    name_ko: String,
    name_en: String,
    description_ko: String,
    description_en: String,
    price_won: i64,
    available: i32,
    picture: String,
}

impl From<ProductInfo> for Product {
    fn from(p: ProductInfo) -> Self {
        Self {
            slug: p.slug,
            name_ko: p.name_ko,
            name_en: p.name_en,
            description_ko: p.description_ko,
            description_en: p.description_en,
            price_won: p.price_won,
            available: p.available,
            picture: p.picture,
        }
    }
}

/// The public catalog.
pub async fn product_infos(State(state): State<ApiState>) -> Result<Json<Vec<Product>>, ApiError> {
    let products = state.read_models.catalog().await?;
    Ok(Json(products.into_iter().map(Product::from).collect()))
}

/// A checkout as the storefront sends it. The card number is tokenized here, as a card
/// processor's browser library would, and never stored or forwarded.
#[derive(Deserialize)]
pub struct Checkout {
    /// One per checkout form: sending the same form twice places one order.
    order_id: Option<Uuid>,
    lines: Vec<WantedLine>,
    recipient_name: String,
    recipient_phone: String,
    address: String,
    delivery_date: String,
    window: String,
    card_message: Option<String>,
    card_number: String,
    card_expiry: String,
    card_cvc: String,
}

#[derive(Serialize)]
pub struct PlacedBody {
    order_id: Uuid,
    total_won: i64,
    status: &'static str,
}

/// Asks the context that answers `request`, and reads its typed answer.
pub(super) async fn ask<R: contracts::Request>(
    state: &ApiState,
    request: &R,
) -> Result<R::Reply, ApiError> {
    match state.rpc.ask(request, None, COMMAND_DEADLINE).await {
        Ok(reply) => Ok(reply),
        Err(error @ (RpcError::Broker(_) | RpcError::Garbled(_) | RpcError::Unexpected { .. })) => {
            Err(ApiError::internal(error))
        }
        Err(error) => {
            tracing::warn!(%error, "a context did not answer");
            Err(ApiError::unavailable(
                "the shop cannot do this at this very moment; please try again shortly",
            ))
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn place(
    account: CurrentAccount,
    State(state): State<ApiState>,
    headers: axum::http::HeaderMap,
    JsonBody(checkout): JsonBody<Checkout>,
) -> Result<(StatusCode, Json<PlacedBody>), ApiError> {
    // A retry after a timeout must not place a second order: the client names the order.
    let order_id = match (
        checkout.order_id,
        super::idempotency_key(&headers, account.id)?,
    ) {
        (Some(order_id), _) => order_id,
        (None, Some(order_id)) => order_id,
        (None, None) => {
            return Err(ApiError::field(
                "order_id",
                "required",
                "send an order_id (one per checkout) or an Idempotency-Key header, so that \
                 sending the order again after a timeout does not place it twice",
            ))
        }
    };
    let today = chrono::Utc::now();
    let card = payment::tokenize(
        &checkout.card_number,
        &checkout.card_expiry,
        &checkout.card_cvc,
        (
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today),
        ),
    )
    .map_err(|e| ApiError::field(e.field, "invalid", e.message))?;
    let request = PlaceOrderRequest {
        order_id,
        customer_id: account.id,
        lines: checkout.lines,
        recipient_name: checkout.recipient_name,
        recipient_phone: checkout.recipient_phone,
        address: checkout.address,
        delivery_date: checkout.delivery_date,
        window: checkout.window,
        card_message: checkout.card_message,
        card,
    };
    let reply: PlaceOrderReply = ask(&state, &request).await?;
    match reply {
        PlaceOrderReply::Placed { order_id, total } => Ok((
            StatusCode::CREATED,
            Json(PlacedBody {
                order_id,
                total_won: total.0,
                status: "placed",
            }),
        )),
        PlaceOrderReply::Invalid { problems } => Err(ApiError::invalid(problems)),
        PlaceOrderReply::OutOfStock {
            slug,
            name,
            requested,
            available,
        } => Err(ApiError::field(
            "lines",
            "out_of_stock",
            format!(
                "only {available} of {} ({slug}) left; you asked for {requested}",
                name.en
            ),
        )),
        PlaceOrderReply::UnknownProduct { slug } => Err(ApiError::field(
            "lines",
            "unknown_product",
            format!("there is no flower \"{slug}\""),
        )),
        PlaceOrderReply::TryAgainShortly { reason } => Err(ApiError::unavailable(reason)),
        PlaceOrderReply::NotYours => Err(ApiError::new(
            StatusCode::CONFLICT,
            "order_id_taken",
            "this order id is used; start a new checkout",
        )),
    }
}

#[derive(Serialize)]
pub struct OrderBody {
    #[serde(flatten)]
    pub(super) order: OrderHistory,
    pub(super) timeline: Vec<TimelineStep>,
}

impl OrderBody {
    /// The body for a caller: who among the staff took a step is for staff eyes only.
    pub(super) fn new(order: OrderHistory, mut timeline: Vec<TimelineStep>, staff: bool) -> Self {
        if !staff {
            for step in &mut timeline {
                step.by = None;
            }
        }
        Self { order, timeline }
    }
}

/// One of the customer's orders with its timeline; another customer's order does not exist.
pub async fn get_one(
    account: CurrentAccount,
    State(state): State<ApiState>,
    PathParams(order_id): PathParams<Uuid>,
) -> Result<Json<OrderBody>, ApiError> {
    match state.read_models.order_history(order_id).await? {
        Some((order, timeline)) if order.customer_id == account.id || account.staff => {
            Ok(Json(OrderBody::new(order, timeline, account.staff)))
        }
        _ => Err(ApiError::not_found("order")),
    }
}

/// The customer's orders, newest first.
pub async fn my_orders(
    account: CurrentAccount,
    State(state): State<ApiState>,
) -> Result<Json<Vec<OrderHistory>>, ApiError> {
    Ok(Json(state.read_models.order_histories(account.id).await?))
}

pub async fn cancel(
    account: CurrentAccount,
    State(state): State<ApiState>,
    PathParams(order_id): PathParams<Uuid>,
) -> Result<StatusCode, ApiError> {
    let request = CancelOrderRequest {
        order_id,
        customer_id: account.id,
    };
    let reply: CancelOrderReply = ask(&state, &request).await?;
    match reply {
        CancelOrderReply::Cancelled => Ok(StatusCode::NO_CONTENT),
        CancelOrderReply::NotFound => Err(ApiError::not_found("order")),
        CancelOrderReply::Refused { reason } => {
            Err(ApiError::new(StatusCode::CONFLICT, "cannot_cancel", reason))
        }
        CancelOrderReply::TryAgainShortly { reason } => Err(ApiError::unavailable(reason)),
    }
}

/// The customer's payments, newest first: amounts, last four digits, declines and refunds.
pub async fn payments(
    account: CurrentAccount,
    State(state): State<ApiState>,
) -> Result<Json<Vec<PaymentSummary>>, ApiError> {
    let request = ListPayments {
        customer_id: account.id,
    };
    let reply: ListPaymentsReply = ask(&state, &request).await?;
    Ok(Json(reply.payments))
}

/// The customer's messages, newest first, with the unread count.
pub async fn messages(
    account: CurrentAccount,
    State(state): State<ApiState>,
) -> Result<Json<MessagesReply>, ApiError> {
    inbox(&state, account.id, None).await.map(Json)
}

/// Marks one of the customer's messages read.
pub async fn mark_read(
    account: CurrentAccount,
    State(state): State<ApiState>,
    PathParams(message_id): PathParams<Uuid>,
) -> Result<Json<MessagesReply>, ApiError> {
    inbox(&state, account.id, Some(message_id)).await.map(Json)
}

pub(super) async fn inbox(
    state: &ApiState,
    customer_id: Uuid,
    mark_read: Option<Uuid>,
) -> Result<MessagesReply, ApiError> {
    let request = MessagesRequest {
        customer_id,
        mark_read,
    };
    ask(state, &request).await
}
