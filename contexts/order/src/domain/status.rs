//! How an order's status moves: forward only, as payment, inventory and delivery facts arrive,
//! and whether it may still be cancelled.

use serde::Serialize;

/// Where an order stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Placed,
    Paid,
    Preparing,
    OutForDelivery,
    Delivered,
    Rejected,
    Cancelled,
}

/// What delivery reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryFact {
    Preparing,
    Dispatched,
    Delivered,
}

/// Why an order cannot be cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CancelRefused {
    #[error("the flowers have already left the shop")]
    AlreadyLeft,
    #[error("the order was already delivered")]
    Delivered,
    #[error("the order is already closed")]
    Closed,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Self::Placed,
        Self::Paid,
        Self::Preparing,
        Self::OutForDelivery,
        Self::Delivered,
        Self::Rejected,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Placed => "placed",
            Self::Paid => "paid",
            Self::Preparing => "preparing",
            Self::OutForDelivery => "out_for_delivery",
            Self::Delivered => "delivered",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The card was charged: an order waiting for it is paid; in any other state the fact is
    /// late (cancelled or expired in the meantime; payment refunds on its own) or a repeat.
    pub fn on_payment_approved(self) -> Option<Status> {
        (self == Self::Placed).then_some(Self::Paid)
    }

    /// The card was declined, or the reservation expired unpaid.
    pub fn on_payment_failed(self) -> Option<Status> {
        (self == Self::Placed).then_some(Self::Rejected)
    }

    /// Delivery moved along: follow it, never backwards (its facts may arrive out of order).
    pub fn on_delivery(self, fact: DeliveryFact) -> Option<Status> {
        match (fact, self) {
            (DeliveryFact::Preparing, Self::Paid) => Some(Self::Preparing),
            (DeliveryFact::Dispatched, Self::Paid | Self::Preparing) => Some(Self::OutForDelivery),
            (DeliveryFact::Delivered, Self::Paid | Self::Preparing | Self::OutForDelivery) => {
                Some(Self::Delivered)
            }
            _ => None,
        }
    }

    /// Whether the customer may cancel now, and the status it leads to.
    pub fn cancel(self) -> Result<Status, CancelRefused> {
        match self {
            Self::Placed | Self::Paid | Self::Preparing => Ok(Self::Cancelled),
            Self::OutForDelivery => Err(CancelRefused::AlreadyLeft),
            Self::Delivered => Err(CancelRefused::Delivered),
            Self::Rejected | Self::Cancelled => Err(CancelRefused::Closed),
        }
    }

    /// Whether money was taken for an order in this status.
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            Self::Paid | Self::Preparing | Self::OutForDelivery | Self::Delivered
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_a_placed_order_when_payment_is_approved_then_it_is_paid() {
        assert_eq!(Status::Placed.on_payment_approved(), Some(Status::Paid));
    }

    #[test]
    fn given_a_placed_order_when_payment_fails_then_it_is_rejected() {
        assert_eq!(Status::Placed.on_payment_failed(), Some(Status::Rejected));
    }

    #[test]
    fn late_or_repeated_payment_facts_change_nothing() {
        for status in Status::ALL.into_iter().filter(|s| *s != Status::Placed) {
            assert_eq!(status.on_payment_approved(), None, "{status:?}");
            assert_eq!(status.on_payment_failed(), None, "{status:?}");
        }
    }

    #[test]
    fn the_order_follows_delivery_forwards_only() {
        assert_eq!(
            Status::Paid.on_delivery(DeliveryFact::Preparing),
            Some(Status::Preparing)
        );
        assert_eq!(
            Status::Preparing.on_delivery(DeliveryFact::Dispatched),
            Some(Status::OutForDelivery)
        );
        assert_eq!(
            Status::OutForDelivery.on_delivery(DeliveryFact::Delivered),
            Some(Status::Delivered)
        );
        // Dispatched overtook preparing: the late preparing changes nothing.
        assert_eq!(
            Status::Paid.on_delivery(DeliveryFact::Dispatched),
            Some(Status::OutForDelivery)
        );
        assert_eq!(
            Status::OutForDelivery.on_delivery(DeliveryFact::Preparing),
            None
        );
        assert_eq!(
            Status::Delivered.on_delivery(DeliveryFact::Dispatched),
            None
        );
        assert_eq!(Status::Cancelled.on_delivery(DeliveryFact::Preparing), None);
    }

    #[test]
    fn an_order_can_be_cancelled_until_the_flowers_leave() {
        for status in [Status::Placed, Status::Paid, Status::Preparing] {
            assert_eq!(status.cancel(), Ok(Status::Cancelled));
        }
        assert_eq!(
            Status::OutForDelivery.cancel(),
            Err(CancelRefused::AlreadyLeft)
        );
        assert_eq!(Status::Delivered.cancel(), Err(CancelRefused::Delivered));
        assert_eq!(Status::Cancelled.cancel(), Err(CancelRefused::Closed));
        assert_eq!(Status::Rejected.cancel(), Err(CancelRefused::Closed));
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
    }
}
