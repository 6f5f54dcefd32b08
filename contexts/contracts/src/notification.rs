//! Queries the notification context answers: a customer's messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// RPC `notification.messages`: the customer's messages, newest first, and how many are unread.
/// With `mark_read`, that message of theirs is marked read first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MessagesRequest {
    pub customer_id: Uuid,
    pub mark_read: Option<Uuid>,
}

/// One message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MessageView {
    pub id: Uuid,
    pub order_id: Option<Uuid>,
    pub fact: String,
    pub title_ko: String,
    pub title_en: String,
    pub body_ko: String,
    pub body_en: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// Notification's answer to [`MessagesRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MessagesReply {
    pub unread: i64,
    pub messages: Vec<MessageView>,
}

// Who answers each request, under which kind and version, and with what.
rpc!(MessagesRequest => MessagesReply, "notification", "notification.messages", version 1);
