//! What the shop tells a customer about each fact, in Korean and English. Pure: no I/O.

use contracts::{
    delivery::{DeliveryDelivered, DeliveryDispatched, DeliveryPreparing},
    order::{OrderCancelled, OrderPlaced, OrderRejected, RejectionReason},
    payment::{PaymentApproved, PaymentRefunded},
    Event,
};
use messaging::{Envelope, EnvelopeError};
use uuid::Uuid;

/// A message for one customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub customer_id: Uuid,
    pub order_id: Uuid,
    /// The fact's routing key.
    pub fact: &'static str,
    pub title_ko: String,
    pub title_en: String,
    pub body_ko: String,
    pub body_en: String,
}

impl Note {
    /// One message per fact per order.
    pub fn fact_key(&self) -> String {
        format!("{}:{}", self.fact, self.order_id)
    }
}

/// The routing keys that become messages.
pub const TOLD: &[&str] = &[
    OrderPlaced::ROUTING_KEY,
    PaymentApproved::ROUTING_KEY,
    OrderRejected::ROUTING_KEY,
    OrderCancelled::ROUTING_KEY,
    PaymentRefunded::ROUTING_KEY,
    DeliveryPreparing::ROUTING_KEY,
    DeliveryDispatched::ROUTING_KEY,
    DeliveryDelivered::ROUTING_KEY,
];

fn short(order_id: Uuid) -> String {
    contracts::display::short_number(order_id)
}

fn won(amount: i64) -> String {
    contracts::Won(amount).to_string()
}

/// The message for `envelope`, or `None` when the fact is not the customer's business.
pub fn compose(envelope: &Envelope) -> Result<Option<Note>, EnvelopeError> {
    let note = |customer_id, order_id, fact, ko: (String, String), en: (String, String)| Note {
        customer_id,
        order_id,
        fact,
        title_ko: ko.0,
        body_ko: ko.1,
        title_en: en.0,
        body_en: en.1,
    };
    Ok(Some(match envelope.kind.as_str() {
        OrderPlaced::ROUTING_KEY => {
            let e: OrderPlaced = envelope.decode()?;
            let n = short(e.order_id);
            note(
                e.customer_id,
                e.order_id,
                OrderPlaced::ROUTING_KEY,
                (
                    format!("주문 {n} 접수"),
                    format!(
                        "{}님께 보낼 꽃 주문을 받았어요. 결제를 확인하고 있어요.",
                        e.recipient.name
                    ),
                ),
                (
                    format!("Order {n} received"),
                    format!(
                        "We have your order of flowers for {}. We are confirming the payment.",
                        e.recipient.name
                    ),
                ),
            )
        }
        PaymentApproved::ROUTING_KEY => {
            let e: PaymentApproved = envelope.decode()?;
            let n = short(e.order_id);
            note(
                e.customer_id,
                e.order_id,
                PaymentApproved::ROUTING_KEY,
                (
                    format!("주문 {n} 결제 완료"),
                    format!(
                        "끝자리 {} 카드로 {} 결제되었어요.",
                        e.last4,
                        won(e.amount.0)
                    ),
                ),
                (
                    format!("Order {n}: payment complete"),
                    format!(
                        "{} was charged to your card ending {}.",
                        won(e.amount.0),
                        e.last4
                    ),
                ),
            )
        }
        OrderRejected::ROUTING_KEY => {
            let e: OrderRejected = envelope.decode()?;
            let n = short(e.order_id);
            let (ko, en) = match e.reason {
                RejectionReason::PaymentDeclined => (
                    "결제가 거절되어 주문이 취소되었어요. 다른 카드로 다시 주문해 주세요.".to_owned(),
                    format!(
                        "The payment was declined ({}), so the order was not placed. Please order again with another card.",
                        e.detail.as_deref().unwrap_or("no reason given")
                    ),
                ),
                RejectionReason::ReservationExpired => (
                    "결제가 제시간에 완료되지 않아 주문이 취소되었어요.".to_owned(),
                    "The payment did not arrive in time, so the order was released.".to_owned(),
                ),
            };
            note(
                e.customer_id,
                e.order_id,
                OrderRejected::ROUTING_KEY,
                (format!("주문 {n}을 진행할 수 없어요"), ko),
                (format!("Order {n} could not go ahead"), en),
            )
        }
        OrderCancelled::ROUTING_KEY => {
            let e: OrderCancelled = envelope.decode()?;
            let n = short(e.order_id);
            let (ko, en) = if e.was_paid {
                (
                    "주문이 취소되었어요. 결제 금액은 환불될 예정이에요.",
                    "Your order is cancelled. The payment will be refunded.",
                )
            } else {
                (
                    "주문이 취소되었어요. 결제된 금액은 없어요.",
                    "Your order is cancelled. Nothing was charged.",
                )
            };
            note(
                e.customer_id,
                e.order_id,
                OrderCancelled::ROUTING_KEY,
                (format!("주문 {n} 취소"), ko.to_owned()),
                (format!("Order {n} cancelled"), en.to_owned()),
            )
        }
        PaymentRefunded::ROUTING_KEY => {
            let e: PaymentRefunded = envelope.decode()?;
            let n = short(e.order_id);
            note(
                e.customer_id,
                e.order_id,
                PaymentRefunded::ROUTING_KEY,
                (
                    format!("주문 {n} 환불 완료"),
                    format!("{}이 카드로 환불되었어요.", won(e.amount.0)),
                ),
                (
                    format!("Order {n} refunded"),
                    format!("{} was refunded to your card.", won(e.amount.0)),
                ),
            )
        }
        DeliveryPreparing::ROUTING_KEY => {
            let e: DeliveryPreparing = envelope.decode()?;
            let n = short(e.order_id);
            note(
                e.customer_id,
                e.order_id,
                DeliveryPreparing::ROUTING_KEY,
                (
                    format!("주문 {n} 준비 중"),
                    "플로리스트가 꽃을 준비하고 있어요.".to_owned(),
                ),
                (
                    format!("Order {n} is being prepared"),
                    "Our florist is preparing your flowers.".to_owned(),
                ),
            )
        }
        DeliveryDispatched::ROUTING_KEY => {
            let e: DeliveryDispatched = envelope.decode()?;
            let n = short(e.order_id);
            note(
                e.customer_id,
                e.order_id,
                DeliveryDispatched::ROUTING_KEY,
                (
                    format!("주문 {n} 배송 출발"),
                    "꽃이 가게를 떠나 배송 중이에요.".to_owned(),
                ),
                (
                    format!("Order {n} is on its way"),
                    "The flowers have left the shop.".to_owned(),
                ),
            )
        }
        DeliveryDelivered::ROUTING_KEY => {
            let e: DeliveryDelivered = envelope.decode()?;
            let n = short(e.order_id);
            note(
                e.customer_id,
                e.order_id,
                DeliveryDelivered::ROUTING_KEY,
                (
                    format!("주문 {n} 배송 완료"),
                    "꽃이 잘 전달되었어요. Petal을 이용해 주셔서 감사합니다.".to_owned(),
                ),
                (
                    format!("Order {n} delivered"),
                    "The flowers were delivered. Thank you for choosing Petal.".to_owned(),
                ),
            )
        }
        _ => return Ok(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::Won;

    #[test]
    fn a_payment_becomes_a_message_in_both_languages_naming_the_card_and_amount() {
        let event = PaymentApproved {
            order_id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            payment_id: Uuid::now_v7(),
            amount: Won(69_000),
            last4: "4242".into(),
        };
        let envelope = Envelope::new(PaymentApproved::ROUTING_KEY, 1, &event, None);
        let note = compose(&envelope).unwrap().unwrap();
        assert_eq!(note.customer_id, event.customer_id);
        assert!(note.body_ko.contains("₩69,000") && note.body_ko.contains("4242"));
        assert!(note.body_en.contains("₩69,000") && note.body_en.contains("4242"));
        assert_eq!(
            note.fact_key(),
            format!("payment.approved:{}", event.order_id)
        );
    }

    #[test]
    fn facts_that_are_not_the_customers_business_make_no_message() {
        let envelope = Envelope::new("order.paid", 1, &serde_json::json!({}), None);
        assert_eq!(compose(&envelope).unwrap(), None);
    }
}
