//! Messages of the order context: the order's life as the rest of the shop hears it.

use crate::{Event, Localized, Won};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

wire_enum! {
    /// When in the day a delivery arrives (Asia/Seoul).
    TimeWindow {
        /// 09:00–12:00
        Morning = "morning",
        /// 12:00–17:00
        Afternoon = "afternoon",
        /// 17:00–21:00
        Evening = "evening",
    }
}

impl TimeWindow {
    /// First and last hour of the window, local time.
    pub fn hours(self) -> (u32, u32) {
        match self {
            Self::Morning => (9, 12),
            Self::Afternoon => (12, 17),
            Self::Evening => (17, 21),
        }
    }
}

/// Who receives the flowers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Recipient {
    pub name: String,
    /// Digits only, e.g. `01012345678`.
    pub phone: String,
}

/// One line of an order, priced by inventory when it was reserved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrderLine {
    pub product_id: Uuid,
    pub slug: String,
    pub name: Localized,
    pub unit_price: Won,
    pub quantity: i32,
}

/// The card the customer pays with, as the card processor tokenized it. Never the number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CardToken {
    pub token: String,
    pub last4: String,
    pub brand: String,
}

/// An order was accepted: stock is reserved and the customer is to be charged. Every context
/// may read it; the card travels only in [`PaymentRequested`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(try_from = "PlacedOnTheWire")]
pub struct OrderPlaced {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub lines: Vec<OrderLine>,
    pub total: Won,
    pub recipient: Recipient,
    pub address: String,
    pub delivery_date: NaiveDate,
    pub window: TimeWindow,
    pub card_message: Option<String>,
    /// The card's last four digits, to show whose card it was.
    pub card_last4: String,
    pub placed_at: DateTime<Utc>,
}

/// `order.placed` as version 1 or 2 wrote it: version 1 carried the whole card, of which only
/// the last four digits are read (a rolling upgrade leaves such messages in queues).
#[derive(Deserialize, schemars::JsonSchema)]
struct PlacedOnTheWire {
    order_id: Uuid,
    customer_id: Uuid,
    lines: Vec<OrderLine>,
    total: Won,
    recipient: Recipient,
    address: String,
    delivery_date: NaiveDate,
    window: TimeWindow,
    card_message: Option<String>,
    card_last4: Option<String>,
    card: Option<LastFour>,
    placed_at: DateTime<Utc>,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct LastFour {
    last4: String,
}

impl TryFrom<PlacedOnTheWire> for OrderPlaced {
    type Error = &'static str;

    fn try_from(wire: PlacedOnTheWire) -> Result<Self, Self::Error> {
        Ok(Self {
            card_last4: wire
                .card_last4
                .or(wire.card.map(|card| card.last4))
                .ok_or("order.placed names no card")?,
            order_id: wire.order_id,
            customer_id: wire.customer_id,
            lines: wire.lines,
            total: wire.total,
            recipient: wire.recipient,
            address: wire.address,
            delivery_date: wire.delivery_date,
            window: wire.window,
            card_message: wire.card_message,
            placed_at: wire.placed_at,
        })
    }
}

impl Event for OrderPlaced {
    const ROUTING_KEY: &'static str = "order.placed";
    /// 2: the card token left this event for [`PaymentRequested`].
    const VERSION: u16 = 2;
}

/// A placed order's charge, staged with its [`OrderPlaced`] in one transaction and routed to
/// payment alone: the card processor's token never reaches delivery, notification or the view,
/// nor a message one of them parks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PaymentRequested {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub total: Won,
    pub card: CardToken,
}

impl Event for PaymentRequested {
    const ROUTING_KEY: &'static str = "order.payment_requested";
    const VERSION: u16 = 1;
}

/// The order is paid for; the flowers are to be prepared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrderPaid {
    pub order_id: Uuid,
    pub customer_id: Uuid,
}

impl Event for OrderPaid {
    const ROUTING_KEY: &'static str = "order.paid";
    const VERSION: u16 = 1;
}

/// Why an order did not go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectionReason {
    PaymentDeclined,
    ReservationExpired,
}

/// The order will not be fulfilled and nothing was charged (or the charge is refunded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrderRejected {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub reason: RejectionReason,
    /// The processor's words for a declined card, for the customer.
    pub detail: Option<String>,
}

impl Event for OrderRejected {
    const ROUTING_KEY: &'static str = "order.rejected";
    const VERSION: u16 = 1;
}

/// An order that never came to exist: stock was reserved for it, but it was never stored (the
/// reply to the customer was lost and they did not come back, or storing it failed), and it
/// never will be. Inventory frees the reservation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrderAbandoned {
    pub order_id: Uuid,
}

impl Event for OrderAbandoned {
    const ROUTING_KEY: &'static str = "order.abandoned";
    const VERSION: u16 = 1;
}

/// The customer cancelled before the delivery left the shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrderCancelled {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    /// Whether the order had been paid, so payment knows to refund.
    pub was_paid: bool,
}

impl Event for OrderCancelled {
    const ROUTING_KEY: &'static str = "order.cancelled";
    const VERSION: u16 = 1;
}

/// One field of a command that is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldProblem {
    pub field: String,
    /// Stable code for translations: `required`, `too_long`, `invalid`, `past`, …
    pub code: String,
    /// What to fix, in English.
    pub message: String,
}

/// One line of an order as the customer asks for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WantedLine {
    pub slug: String,
    pub quantity: i64,
}

/// RPC `order.place`. `order_id` is chosen by the caller, once per checkout: repeating the
/// request places one order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlaceOrderRequest {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub lines: Vec<WantedLine>,
    pub recipient_name: String,
    pub recipient_phone: String,
    pub address: String,
    /// `YYYY-MM-DD`, in Asia/Seoul.
    pub delivery_date: String,
    /// `morning`, `afternoon` or `evening`.
    pub window: String,
    pub card_message: Option<String>,
    pub card: CardToken,
}

/// Order's answer to [`PlaceOrderRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum PlaceOrderReply {
    Placed {
        order_id: Uuid,
        total: Won,
    },
    Invalid {
        problems: Vec<FieldProblem>,
    },
    OutOfStock {
        slug: String,
        name: Localized,
        requested: i32,
        available: i32,
    },
    UnknownProduct {
        slug: String,
    },
    TryAgainShortly {
        reason: String,
    },
    NotYours,
}

/// RPC `order.cancel`: the customer cancels their order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CancelOrderRequest {
    pub order_id: Uuid,
    pub customer_id: Uuid,
}

/// Order's answer to [`CancelOrderRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CancelOrderReply {
    Cancelled,
    NotFound,
    Refused { reason: String },
    TryAgainShortly { reason: String },
}

// Who answers each request, under which kind and version, and with what.
rpc!(PlaceOrderRequest => PlaceOrderReply, "order", "order.place", version 1);
rpc!(CancelOrderRequest => CancelOrderReply, "order", "order.cancel", version 1);

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn placed() -> OrderPlaced {
        OrderPlaced {
            order_id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            lines: Vec::new(),
            total: Won(42_000),
            recipient: Recipient {
                name: "김하늘".into(),
                phone: "01012345678".into(),
            },
            address: "서울".into(),
            delivery_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            window: TimeWindow::Morning,
            card_message: None,
            card_last4: "4242".into(),
            placed_at: Utc::now(),
        }
    }

    #[test]
    fn order_placed_carries_no_card_token_and_still_reads_the_first_version() {
        let event = placed();
        let body = serde_json::to_value(&event).unwrap();
        assert!(body.get("card").is_none(), "{body}");
        assert_eq!(
            serde_json::from_value::<OrderPlaced>(body.clone()).unwrap(),
            event
        );

        // Version 1, as messages left in queues by a rolling upgrade carry it.
        let mut first = body;
        let fields = first.as_object_mut().unwrap();
        fields.remove("card_last4");
        fields.insert(
            "card".into(),
            serde_json::json!({"token": "tok_secret", "last4": "4242", "brand": "visa"}),
        );
        let read: OrderPlaced = serde_json::from_value(first.clone()).unwrap();
        assert_eq!(read, event, "the token is not kept");
        let charge: PaymentRequested = serde_json::from_value(first.clone()).unwrap();
        assert_eq!(
            charge.card.token, "tok_secret",
            "payment can still charge it"
        );

        first.as_object_mut().unwrap().remove("card");
        let error = serde_json::from_value::<OrderPlaced>(first).unwrap_err();
        assert!(error.to_string().contains("names no card"), "{error}");
    }
}
