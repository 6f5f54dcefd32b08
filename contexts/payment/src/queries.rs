//! What a customer may read of their payments (RPC `payment.list`): amount, the card's last four
//! digits, whether it was declined and why, and what was refunded.

use contracts::Request as _;
use contracts::{
    payment::{ListPayments, ListPaymentsReply, PaymentSummary},
    Won,
};
use messaging::{rpc::Responder, Envelope, HandleError};
use sqlx::PgPool;
use uuid::Uuid;

/// Answers `payment.list`.
pub struct PaymentQueries(pub PgPool);

#[derive(sqlx::FromRow)]
struct Row {
    order_id: Uuid,
    payment_id: Uuid,
    status: String,
    amount_won: Option<i64>,
    last4: Option<String>,
    reason: Option<String>,
    refunded_won: Option<i64>,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl PaymentQueries {
    /// The customer's payments, newest first (the latest 100).
    pub async fn list(&self, customer_id: Uuid) -> Result<Vec<PaymentSummary>, sqlx::Error> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT p.order_id, p.payment_id, p.status, p.amount_won, p.last4, p.reason,
                    r.amount_won AS refunded_won, p.created_at, p.updated_at
             FROM payments p LEFT JOIN refunds r ON r.payment_id = p.payment_id
             WHERE p.customer_id = $1
             ORDER BY p.created_at DESC LIMIT 100",
        )
        .bind(customer_id)
        .fetch_all(&self.0)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| PaymentSummary {
                order_id: row.order_id,
                payment_id: row.payment_id,
                status: row.status,
                amount: row.amount_won.map(Won),
                last4: row.last4,
                reason: row.reason,
                refunded: row.refunded_won.map(Won),
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
            .collect())
    }
}

impl Responder for PaymentQueries {
    async fn respond(&self, request: &Envelope) -> Result<Envelope, HandleError> {
        if request.kind != ListPayments::KIND {
            return Err(HandleError::Reject(anyhow::anyhow!(
                "payment does not answer {}",
                request.kind
            )));
        }
        let request: ListPayments = request.decode()?;
        let reply = ListPaymentsReply {
            payments: self.list(request.customer_id).await?,
        };
        Ok(Envelope::reply::<ListPayments>(&reply))
    }
}
