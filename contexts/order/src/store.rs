//! Order's database: orders, their lines and status history, and the outbox, changed together.

use crate::domain::Status;
use chrono::{DateTime, NaiveDate, Utc};
use contracts::{
    order::{OrderAbandoned, OrderPlaced},
    Event,
};
use messaging::outbox;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

/// An order as order knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OrderRow {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub status: String,
    pub total_won: i64,
    pub recipient_name: String,
    pub recipient_phone: String,
    pub address: String,
    pub delivery_date: NaiveDate,
    pub time_window: String,
    pub card_message: Option<String>,
    pub card_last4: String,
    pub rejection_reason: Option<String>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrderRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).expect("the status column only holds known statuses")
    }
}

pub(crate) const ORDER_COLUMNS: &str = "id, customer_id, status, total_won, recipient_name, \
    recipient_phone, address, delivery_date, time_window, card_message, card_last4, \
    rejection_reason, placed_at, updated_at";

/// Stores a new order, as its `order.placed` event describes it, with its lines and first
/// history entry.
pub(crate) async fn insert_order(
    tx: &mut PgConnection,
    order: &OrderPlaced,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO orders (id, customer_id, status, total_won, recipient_name, recipient_phone,
                             address, delivery_date, time_window, card_message, card_last4,
                             placed_at, updated_at)
         VALUES ($1, $2, 'placed', $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(order.order_id)
    .bind(order.customer_id)
    .bind(order.total.0)
    .bind(&order.recipient.name)
    .bind(&order.recipient.phone)
    .bind(&order.address)
    .bind(order.delivery_date)
    .bind(order.window.as_str())
    .bind(&order.card_message)
    .bind(&order.card_last4)
    .bind(order.placed_at)
    .execute(&mut *tx)
    .await?;
    for line in &order.lines {
        sqlx::query(
            "INSERT INTO order_lines (order_id, product_id, slug, name_ko, name_en,
                                      unit_price_won, quantity)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(order.order_id)
        .bind(line.product_id)
        .bind(&line.slug)
        .bind(&line.name.ko)
        .bind(&line.name.en)
        .bind(line.unit_price.0)
        .bind(line.quantity)
        .execute(&mut *tx)
        .await?;
    }
    record_history(tx, order.order_id, Status::Placed, None).await
}

pub(crate) async fn record_history(
    tx: &mut PgConnection,
    order_id: Uuid,
    status: Status,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO order_history (order_id, status, note) VALUES ($1, $2, $3)")
        .bind(order_id)
        .bind(status.as_str())
        .bind(note)
        .execute(tx)
        .await?;
    Ok(())
}

/// Loads an order and locks it for the rest of the transaction.
pub(crate) async fn lock_order(
    tx: &mut PgConnection,
    order_id: Uuid,
) -> Result<Option<OrderRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE"
    ))
    .bind(order_id)
    .fetch_optional(tx)
    .await
}

/// Moves an order to `next`, records it and stages `event` for the rest of the shop.
pub(crate) async fn change_status<E: Event>(
    tx: &mut PgConnection,
    order: &OrderRow,
    next: Status,
    note: Option<&str>,
    event: &E,
) -> Result<(), sqlx::Error> {
    record_status(tx, order, next, note).await?;
    outbox::stage_event(tx, event, order.id).await
}

/// Moves an order to `next` and records it in its history.
pub(crate) async fn record_status(
    tx: &mut PgConnection,
    order: &OrderRow,
    next: Status,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE orders SET status = $2, rejection_reason = COALESCE($3, rejection_reason),
                           updated_at = now()
         WHERE id = $1",
    )
    .bind(order.id)
    .bind(next.as_str())
    .bind(if next == Status::Rejected { note } else { None })
    .execute(&mut *tx)
    .await?;
    record_history(tx, order.id, next, note).await
}

/// Serializes everything that decides whether `order_id` is stored or abandoned, for the rest
/// of the transaction (a row lock cannot: the order row may not exist yet).
pub(crate) async fn lock_order_id(
    tx: &mut PgConnection,
    order_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))")
        .bind(order_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Whether `order_id` was given up (then it must never be stored).
pub(crate) async fn is_abandoned(
    tx: &mut PgConnection,
    order_id: Uuid,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM abandoned_orders WHERE order_id = $1)")
        .bind(order_id)
        .fetch_one(tx)
        .await
}

/// Gives up an order that was never stored and tells inventory to free its stock; nothing
/// happens if the order exists or was given up already. Call with [`lock_order_id`] held.
pub(crate) async fn abandon(
    tx: &mut PgConnection,
    order_id: Uuid,
    reason: &str,
) -> Result<bool, sqlx::Error> {
    let stored: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)")
        .bind(order_id)
        .fetch_one(&mut *tx)
        .await?;
    if stored {
        return Ok(false);
    }
    let abandoned = sqlx::query(
        "INSERT INTO abandoned_orders (order_id, reason) VALUES ($1, $2)
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(order_id)
    .bind(reason)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if abandoned {
        outbox::stage_event(tx, &OrderAbandoned { order_id }, order_id).await?;
    }
    Ok(abandoned)
}
