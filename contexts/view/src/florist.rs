//! The florist's questions to the read models: find an order, a day at a glance, and what
//! the coming days' orders need. Read-only, over orderHistories, its timeline and productInfos.

use crate::{order_histories::COLUMNS, OrderHistory};
use chrono::NaiveDate;
use contracts::{
    florist::{DaySummary, FlowerNeed, Preparation},
    progress::{DeliveryStatus, OrderStatus, Step},
    Localized,
};
use uuid::Uuid;

/// What a staff member searched for, once read (see `contracts::display`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderQuery {
    /// The last eight hex digits of an order's id, lower case.
    ShortNumber(String),
    /// The recipient's phone number, digits only.
    Phone(String),
    /// The orders of these customers (found by email in the web role's accounts).
    Customers(Vec<Uuid>),
}

/// At most this many orders answer one search, newest first.
pub const FOUND_AT_MOST: i64 = 50;

impl crate::ReadModels {
    /// The orders a search names, newest first.
    pub async fn find_orders(&self, query: &OrderQuery) -> Result<Vec<OrderHistory>, sqlx::Error> {
        let condition = match query {
            OrderQuery::ShortNumber(_) => "right(order_id::text, 8) = $1",
            OrderQuery::Phone(_) => "recipient_phone = $1",
            OrderQuery::Customers(_) => "customer_id = ANY($1)",
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM order_histories WHERE {condition}
             ORDER BY placed_at DESC LIMIT {FOUND_AT_MOST}"
        );
        let select = sqlx::query_as(&sql);
        let select = match query {
            OrderQuery::ShortNumber(digits) | OrderQuery::Phone(digits) => select.bind(digits),
            OrderQuery::Customers(ids) => select.bind(ids),
        };
        select.fetch_all(self.pool()).await
    }

    /// What happened on `day` (Seoul): orders that reached each step, and the money.
    pub async fn day_summary(&self, day: NaiveDate) -> Result<DaySummary, sqlx::Error> {
        // One row per order and step, so a step stated twice counts once.
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT t.step, count(*), COALESCE(sum(h.total_won), 0)::BIGINT
             FROM (SELECT DISTINCT order_id, step FROM order_timeline
                   WHERE at >= $1::date::timestamp AT TIME ZONE 'Asia/Seoul'
                     AND at < ($1::date + 1)::timestamp AT TIME ZONE 'Asia/Seoul') t
             JOIN order_histories h USING (order_id)
             GROUP BY t.step",
        )
        .bind(day)
        .fetch_all(self.pool())
        .await?;
        let mut summary = DaySummary {
            day,
            ..DaySummary::default()
        };
        for (word, orders, won) in rows {
            match word.parse::<Step>() {
                Ok(Step::Placed) => summary.placed = orders,
                Ok(Step::Paid) => {
                    summary.paid = orders;
                    summary.paid_won = won;
                }
                Ok(Step::PaymentDeclined) => summary.declined = orders,
                Ok(Step::Cancelled) => summary.cancelled = orders,
                Ok(Step::Refunded) => {
                    summary.refunded = orders;
                    summary.refunded_won = won;
                }
                Ok(Step::Delivered) => summary.delivered = orders,
                _ => {}
            }
        }
        summary.revenue_won = summary.paid_won - summary.refunded_won;
        Ok(summary)
    }

    /// For each delivery day from `from` for `days` days: the flowers its paid orders that
    /// have not left the shop need, against the stock now, the most needed first. Each day is
    /// weighed on its own against today's stock, not after the days before it.
    pub async fn preparation(
        &self,
        from: NaiveDate,
        days: u32,
    ) -> Result<Vec<Preparation>, sqlx::Error> {
        type Row = (NaiveDate, String, String, String, i64, i64, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT h.delivery_date, line->>'slug',
                    COALESCE(p.name_ko, line->'name'->>'ko'), COALESCE(p.name_en, line->'name'->>'en'),
                    sum((line->>'quantity')::BIGINT)::BIGINT, count(DISTINCT h.order_id),
                    COALESCE(max(p.on_hand), 0)::BIGINT, COALESCE(max(p.available), 0)::BIGINT
             FROM order_histories h
             CROSS JOIN LATERAL jsonb_array_elements(h.lines) AS line
             LEFT JOIN product_infos p ON p.slug = line->>'slug'
             WHERE h.delivery_date >= $1 AND h.delivery_date < $1 + $2::INTEGER
               AND h.status = $3 AND h.delivery_status = ANY($4)
             GROUP BY 1, 2, 3, 4
             ORDER BY 1, 5 DESC, 2",
        )
        .bind(from)
        .bind(days as i32)
        .bind(OrderStatus::Paid.as_str())
        .bind([DeliveryStatus::NotStarted.as_str(), DeliveryStatus::Preparing.as_str()])
        .fetch_all(self.pool())
        .await?;
        let mut plan: Vec<Preparation> = Vec::new();
        for (day, slug, ko, en, needed, orders, on_hand, available) in rows {
            let need = FlowerNeed {
                slug,
                name: Localized { ko, en },
                needed,
                orders,
                on_hand,
                available,
                restock: FlowerNeed::restock_for(needed, available),
            };
            match plan.last_mut() {
                Some(last) if last.day == day => last.flowers.push(need),
                _ => plan.push(Preparation {
                    day,
                    flowers: vec![need],
                }),
            }
        }
        Ok(plan)
    }
}
