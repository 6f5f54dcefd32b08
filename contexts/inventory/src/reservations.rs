//! Reservations in inventory's database: holding stock for an order (the `inventory.reserve`
//! RPC), and settling it when the order is paid, rejected, cancelled or left unpaid too long.
//! Each change of a product's counters is published as `ProductChanged` in the same transaction.

use crate::{
    reservation::{allocate, Fact, Refusal, Shelf, Status, StockEffect},
    store::{publish, record_order_movement, Product, PRODUCT_COLUMNS},
    Inventory,
};
use chrono::{DateTime, Utc};
use contracts::{
    inventory::{ReservationExpired, ReserveStock, ReserveStockReply},
    order::OrderLine,
    Localized, Won,
};
use messaging::outbox;
use sqlx::PgConnection;
use std::time::Duration;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct LineRow {
    product_id: Uuid,
    slug: String,
    name_ko: String,
    name_en: String,
    unit_price_won: i64,
    quantity: i32,
}

impl LineRow {
    fn into_line(self) -> OrderLine {
        OrderLine {
            product_id: self.product_id,
            slug: self.slug,
            name: Localized {
                ko: self.name_ko,
                en: self.name_en,
            },
            unit_price: Won(self.unit_price_won),
            quantity: self.quantity,
        }
    }
}

impl Inventory {
    /// Holds stock for an order for `hold_for`, or says why it cannot. Asking again for the
    /// same order returns the reservation already made.
    #[tracing::instrument(skip(self, request), fields(order_id = %request.order_id))]
    pub async fn reserve(
        &self,
        request: &ReserveStock,
        hold_for: Duration,
    ) -> Result<ReserveStockReply, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        if let Some(reply) = existing_reservation(&mut tx, request.order_id).await? {
            return Ok(reply);
        }
        let mut slugs: Vec<&str> = request.lines.iter().map(|l| l.slug.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        // Locks the rows in one order so concurrent reservations cannot deadlock; the second of
        // two orders racing for the last bouquet waits here and then sees it gone.
        let products: Vec<Product> = sqlx::query_as(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products WHERE slug = ANY($1) ORDER BY id FOR UPDATE"
        ))
        .bind(&slugs)
        .fetch_all(&mut *tx)
        .await?;

        let wanted: Vec<(String, i32)> = request
            .lines
            .iter()
            .map(|l| (l.slug.clone(), l.quantity))
            .collect();
        let allocations = match allocate(&wanted, |slug| {
            products.iter().find(|p| p.slug == slug).map(|p| Shelf {
                slug: p.slug.clone(),
                name: Localized {
                    ko: p.name_ko.clone(),
                    en: p.name_en.clone(),
                },
                price: Won(p.price_won),
                available: p.available(),
            })
        }) {
            Ok(allocations) => allocations,
            Err(Refusal::Unknown { slug }) => {
                return Ok(ReserveStockReply::UnknownProduct { slug });
            }
            Err(Refusal::Invalid(problem)) => return Ok(ReserveStockReply::Invalid { problem }),
            Err(Refusal::Insufficient {
                slug,
                name,
                requested,
                available,
            }) => {
                return Ok(ReserveStockReply::Insufficient {
                    slug,
                    name,
                    requested,
                    available,
                });
            }
        };

        let total: i64 = allocations
            .iter()
            .map(|a| a.unit_price.0 * i64::from(a.quantity))
            .sum();
        let expires_at = Utc::now() + hold_for;
        sqlx::query(
            "INSERT INTO reservations (order_id, status, total_won, expires_at)
             VALUES ($1, 'held', $2, $3)",
        )
        .bind(request.order_id)
        .bind(total)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        let mut lines = Vec::with_capacity(allocations.len());
        for allocation in &allocations {
            let product = products
                .iter()
                .find(|p| p.slug == allocation.slug)
                .expect("allocated products were loaded");
            sqlx::query(
                "INSERT INTO reservation_lines
                   (order_id, product_id, slug, name_ko, name_en, unit_price_won, quantity)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(request.order_id)
            .bind(product.id)
            .bind(&product.slug)
            .bind(&product.name_ko)
            .bind(&product.name_en)
            .bind(allocation.unit_price.0)
            .bind(allocation.quantity)
            .execute(&mut *tx)
            .await?;
            let changed = change_counters(&mut tx, product.id, 0, allocation.quantity).await?;
            publish(&mut tx, &changed).await?;
            lines.push(OrderLine {
                product_id: product.id,
                slug: product.slug.clone(),
                name: Localized {
                    ko: product.name_ko.clone(),
                    en: product.name_en.clone(),
                },
                unit_price: allocation.unit_price,
                quantity: allocation.quantity,
            });
        }
        tx.commit().await?;
        Ok(ReserveStockReply::Reserved {
            lines,
            total: Won(total),
            expires_at,
        })
    }

    /// Applies a fact about an order to its reservation, inside the caller's transaction (the
    /// consumer's, which also records the message in the inbox). Unknown orders and facts that
    /// change nothing are fine: they arrive late, twice, or for orders never reserved here.
    pub async fn settle(
        tx: &mut PgConnection,
        order_id: Uuid,
        fact: Fact,
    ) -> Result<Option<Status>, sqlx::Error> {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM reservations WHERE order_id = $1 FOR UPDATE")
                .bind(order_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(status) = status.as_deref().and_then(Status::parse) else {
            return Ok(None);
        };
        let Some((next, effect)) = status.on(fact) else {
            return Ok(Some(status));
        };
        sqlx::query("UPDATE reservations SET status = $2, updated_at = now() WHERE order_id = $1")
            .bind(order_id)
            .bind(next.as_str())
            .execute(&mut *tx)
            .await?;
        let lines: Vec<(Uuid, i32)> = sqlx::query_as(
            "SELECT product_id, quantity FROM reservation_lines WHERE order_id = $1
             ORDER BY product_id",
        )
        .bind(order_id)
        .fetch_all(&mut *tx)
        .await?;
        for (product_id, quantity) in lines {
            let (on_hand, reserved, reason) = match effect {
                StockEffect::Sell => (-quantity, -quantity, Some("sold")),
                StockEffect::Free => (0, -quantity, None),
                StockEffect::PutBack => (
                    quantity,
                    0,
                    Some("order ended after payment: back on the shelf"),
                ),
            };
            let changed = change_counters(tx, product_id, on_hand, reserved).await?;
            if let Some(reason) = reason {
                record_order_movement(tx, &changed, on_hand, reason, "saga", Some(order_id))
                    .await?;
            }
            publish(tx, &changed).await?;
        }
        Ok(Some(next))
    }

    /// Announces reservations whose time ran out, once each; returns how many. Their stock
    /// stays held until the order answers (see [`Fact`]).
    pub async fn expire_due(&self, now: DateTime<Utc>) -> Result<usize, sqlx::Error> {
        let mut tx = self.pool().begin().await?;
        let due: Vec<Uuid> = sqlx::query_scalar(
            "SELECT order_id FROM reservations
             WHERE status = 'held' AND NOT expiry_announced AND expires_at <= $1
             ORDER BY expires_at LIMIT 100 FOR UPDATE SKIP LOCKED",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        for order_id in &due {
            sqlx::query("UPDATE reservations SET expiry_announced = true WHERE order_id = $1")
                .bind(order_id)
                .execute(&mut *tx)
                .await?;
            let event = ReservationExpired {
                order_id: *order_id,
            };
            outbox::stage_event(&mut tx, &event, order_id).await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }

    /// A reservation's status, for tests and operators.
    pub async fn reservation_status(&self, order_id: Uuid) -> Result<Option<Status>, sqlx::Error> {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM reservations WHERE order_id = $1")
                .bind(order_id)
                .fetch_optional(self.pool())
                .await?;
        Ok(status.as_deref().and_then(Status::parse))
    }
}

async fn existing_reservation(
    tx: &mut PgConnection,
    order_id: Uuid,
) -> Result<Option<ReserveStockReply>, sqlx::Error> {
    let existing: Option<(i64, DateTime<Utc>)> =
        sqlx::query_as("SELECT total_won, expires_at FROM reservations WHERE order_id = $1")
            .bind(order_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((total, expires_at)) = existing else {
        return Ok(None);
    };
    let lines: Vec<LineRow> = sqlx::query_as(
        "SELECT product_id, slug, name_ko, name_en, unit_price_won, quantity
         FROM reservation_lines WHERE order_id = $1 ORDER BY slug",
    )
    .bind(order_id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(Some(ReserveStockReply::Reserved {
        lines: lines.into_iter().map(LineRow::into_line).collect(),
        total: Won(total),
        expires_at,
    }))
}

/// Adds to a product's on-hand and reserved counters and bumps its revision.
async fn change_counters(
    tx: &mut PgConnection,
    product_id: Uuid,
    on_hand: i32,
    reserved: i32,
) -> Result<Product, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE products SET on_hand = on_hand + $2, reserved = reserved + $3,
                revision = revision + 1, updated_at = now()
         WHERE id = $1 RETURNING {PRODUCT_COLUMNS}"
    ))
    .bind(product_id)
    .bind(on_hand)
    .bind(reserved)
    .fetch_one(tx)
    .await
}
