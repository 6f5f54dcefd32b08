//! Live nudges for open pages: after the view projects a change or notification files a
//! message, web instances hear which customer's page (or which staff page) should refresh.
//! Transient hints carried on the `live` exchange (see `messaging::live`), never facts.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What changed, and for whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Nudge {
    /// The order's history (status, payment, delivery, timeline) changed in the view.
    Order { order_id: Uuid, customer_id: Uuid },
    /// The customer has a new message.
    Messages { customer_id: Uuid },
    /// A product's price, stock or details changed in the view.
    Product { slug: String },
}

impl Nudge {
    /// The routing key on the live exchange.
    pub fn routing_key(&self) -> &'static str {
        match self {
            Nudge::Order { .. } => "order",
            Nudge::Messages { .. } => "messages",
            Nudge::Product { .. } => "product",
        }
    }

    /// The nudge for an event the view context just applied: events naming an order and its
    /// customer change that order's page; `inventory.product_changed` changes the catalog.
    pub fn after_view_applied(kind: &str, subject: Subject) -> Option<Self> {
        if kind == <crate::inventory::ProductChanged as crate::Event>::ROUTING_KEY {
            return subject.slug.map(|slug| Nudge::Product { slug });
        }
        Some(Nudge::Order {
            order_id: subject.order_id?,
            customer_id: subject.customer_id?,
        })
    }

    /// The nudge for an event the notification context just turned into a message.
    pub fn after_message_filed(subject: Subject) -> Option<Self> {
        Some(Nudge::Messages {
            customer_id: subject.customer_id?,
        })
    }
}

/// The parts of any event body a nudge needs: every saga event names its order and customer,
/// product events their slug.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct Subject {
    pub order_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub slug: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saga_events_nudge_their_order_and_product_events_the_catalog() {
        let (order_id, customer_id) = (Uuid::nil(), Uuid::from_u128(7));
        let subject = Subject {
            order_id: Some(order_id),
            customer_id: Some(customer_id),
            slug: None,
        };
        assert_eq!(
            Nudge::after_view_applied("payment.approved", subject.clone()),
            Some(Nudge::Order {
                order_id,
                customer_id
            })
        );
        assert_eq!(
            Nudge::after_message_filed(subject),
            Some(Nudge::Messages { customer_id })
        );
        let product = Subject {
            slug: Some("pink-tulips".into()),
            ..Subject::default()
        };
        assert_eq!(
            Nudge::after_view_applied("inventory.product_changed", product),
            Some(Nudge::Product {
                slug: "pink-tulips".into()
            })
        );
        assert_eq!(
            Nudge::after_view_applied("order.placed", Subject::default()),
            None
        );
    }
}
