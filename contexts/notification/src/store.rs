//! Notification's MariaDB: the messages each customer has, written once per fact.

use crate::compose::compose;
use chrono::{DateTime, Utc};
use contracts::notification::{MessageView, MessagesReply, MessagesRequest};
use messaging::{rpc::Responder, Envelope, HandleError, MySqlHandler};
use serde::Serialize;
use sqlx::{MySqlConnection, MySqlPool};
use uuid::Uuid;

/// Writes a message for every customer-facing fact.
pub struct Notifier;

impl MySqlHandler for Notifier {
    async fn handle(
        &self,
        tx: &mut MySqlConnection,
        envelope: &Envelope,
    ) -> Result<(), HandleError> {
        let Some(note) = compose(envelope)? else {
            return Ok(());
        };
        // INSERT IGNORE: the unique fact key keeps one message per fact, even if the same fact
        // were stated twice under different message ids.
        sqlx::query(
            "INSERT IGNORE INTO messages (id, customer_id, order_id, fact, fact_key, title_ko,
                                          title_en, body_ko, body_en, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(Uuid::now_v7())
        .bind(note.customer_id)
        .bind(note.order_id)
        .bind(note.fact)
        .bind(note.fact_key())
        .bind(&note.title_ko)
        .bind(&note.title_en)
        .bind(&note.body_ko)
        .bind(&note.body_en)
        .bind(envelope.timestamp)
        .execute(tx)
        .await?;
        Ok(())
    }
}

/// A message in a customer's inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Message {
    pub id: Uuid,
    pub order_id: Option<Uuid>,
    pub fact: String,
    pub title_ko: String,
    pub title_en: String,
    pub body_ko: String,
    pub body_en: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Customers' inboxes.
#[derive(Clone)]
pub struct Inbox {
    pool: MySqlPool,
}

impl Inbox {
    pub fn new(pool: MySqlPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// A customer's messages, newest first.
    pub async fn messages(&self, customer_id: Uuid) -> Result<Vec<Message>, sqlx::Error> {
        sqlx::query_as(
            "SELECT id, order_id, fact, title_ko, title_en, body_ko, body_en, created_at, read_at
             FROM messages WHERE customer_id = ? ORDER BY created_at DESC, id DESC",
        )
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await
    }

    pub async fn unread(&self, customer_id: Uuid) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM messages WHERE customer_id = ? AND read_at IS NULL",
        )
        .bind(customer_id)
        .fetch_one(&self.pool)
        .await
    }

    /// Marks the customer's message read; another customer's message is left alone.
    pub async fn mark_read(
        &self,
        customer_id: Uuid,
        message_id: Uuid,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE messages SET read_at = COALESCE(read_at, NOW(6)) WHERE id = ? AND customer_id = ?",
        )
        .bind(message_id)
        .bind(customer_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Answers `notification.messages`.
pub struct InboxQueries(pub Inbox);

impl Responder for InboxQueries {
    async fn respond(&self, request: &Envelope) -> Result<Envelope, HandleError> {
        let request: MessagesRequest = request.decode()?;
        if let Some(message_id) = request.mark_read {
            self.0.mark_read(request.customer_id, message_id).await?;
        }
        let messages = self.0.messages(request.customer_id).await?;
        let reply = MessagesReply {
            unread: messages.iter().filter(|m| m.read_at.is_none()).count() as i64,
            messages: messages
                .into_iter()
                .map(|m| MessageView {
                    id: m.id,
                    order_id: m.order_id,
                    fact: m.fact,
                    title_ko: m.title_ko,
                    title_en: m.title_en,
                    body_ko: m.body_ko,
                    body_en: m.body_en,
                    created_at: m.created_at,
                    read: m.read_at.is_some(),
                })
                .collect(),
        };
        Ok(Envelope::reply::<MessagesRequest>(&reply))
    }
}
