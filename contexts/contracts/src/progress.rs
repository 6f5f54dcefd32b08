//! How an order's progress reads wherever it is shown: the three statuses the view keeps for
//! each order (the order's, its payment's, its delivery's), the steps of its timeline, and the
//! one stage a customer sees. Each travels as a fixed word; the view moves a status only forward
//! ([`rank`](OrderStatus::rank)), so facts that arrive out of order never move an order back.

wire_enum! {
    /// The order's own status, as the order context decided it.
    OrderStatus {
        Placed = "placed",
        Paid = "paid",
        /// Payment was declined (or never answered): the order will not be delivered.
        Rejected = "rejected",
        Cancelled = "cancelled",
    }
}

wire_enum! {
    /// Where the order's payment stands.
    PaymentStatus {
        /// Not charged yet.
        Pending = "pending",
        Approved = "approved",
        Declined = "declined",
        /// Charged, then given back (the order was cancelled).
        Refunded = "refunded",
    }
}

wire_enum! {
    /// Where the order's delivery stands.
    DeliveryStatus {
        /// Delivery has not started: the order is not paid yet.
        NotStarted = "none",
        Preparing = "preparing",
        OutForDelivery = "out_for_delivery",
        Delivered = "delivered",
        /// Stopped before the flowers left (the order was cancelled or declined).
        Cancelled = "cancelled",
    }
}

impl OrderStatus {
    /// How far along it is; endings rank highest, so nothing moves an ended order back.
    pub fn rank(self) -> u8 {
        match self {
            Self::Placed => 0,
            Self::Paid => 1,
            Self::Rejected | Self::Cancelled => 5,
        }
    }
}

impl PaymentStatus {
    /// How far along it is; a refund comes after an approval and ends the payment.
    pub fn rank(self) -> u8 {
        match self {
            Self::Pending => 0,
            Self::Approved | Self::Declined => 1,
            Self::Refunded => 4,
        }
    }
}

impl DeliveryStatus {
    /// How far along it is; a stopped delivery ends it.
    pub fn rank(self) -> u8 {
        match self {
            Self::NotStarted => 0,
            Self::Preparing => 2,
            Self::OutForDelivery => 3,
            Self::Delivered => 4,
            Self::Cancelled => 5,
        }
    }
}

wire_enum! {
    /// One step of an order's timeline: a fact some context stated, in the order it happened.
    Step {
        Placed = "placed",
        Paid = "paid",
        PaymentApproved = "payment_approved",
        PaymentDeclined = "payment_declined",
        Rejected = "rejected",
        Cancelled = "cancelled",
        Refunded = "refunded",
        Preparing = "preparing",
        OutForDelivery = "out_for_delivery",
        Delivered = "delivered",
        DeliveryCancelled = "delivery_cancelled",
    }
}

impl Step {
    /// The context that states this step.
    pub fn context(self) -> &'static str {
        match self {
            Self::Placed | Self::Paid | Self::Rejected | Self::Cancelled => "order",
            Self::PaymentApproved | Self::PaymentDeclined | Self::Refunded => "payment",
            Self::Preparing | Self::OutForDelivery | Self::Delivered | Self::DeliveryCancelled => {
                "delivery"
            }
        }
    }
}

wire_enum! {
    /// Where an order stands, in one word, as its customer would say it.
    Stage {
        Placed = "placed",
        Paid = "paid",
        Preparing = "preparing",
        OutForDelivery = "out_for_delivery",
        Delivered = "delivered",
        Cancelled = "cancelled",
        /// The payment was declined.
        Declined = "declined",
    }
}

impl Stage {
    /// The stages an order passes through when all goes well, for a progress bar.
    pub const HAPPY_PATH: [Stage; 5] = [
        Self::Placed,
        Self::Paid,
        Self::Preparing,
        Self::OutForDelivery,
        Self::Delivered,
    ];

    /// The stage of an order with these statuses: an ending wins, then the delivery's progress,
    /// then payment.
    pub fn of(order: OrderStatus, delivery: DeliveryStatus) -> Self {
        match (order, delivery) {
            (OrderStatus::Cancelled, _) => Self::Cancelled,
            (OrderStatus::Rejected, _) => Self::Declined,
            (_, DeliveryStatus::Delivered) => Self::Delivered,
            (_, DeliveryStatus::OutForDelivery) => Self::OutForDelivery,
            (_, DeliveryStatus::Preparing) => Self::Preparing,
            (OrderStatus::Paid, _) => Self::Paid,
            _ => Self::Placed,
        }
    }

    /// Whether a customer is offered to cancel (the order context has the last word).
    pub fn may_cancel(self) -> bool {
        matches!(self, Self::Placed | Self::Paid | Self::Preparing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_only_move_forward_and_endings_win() {
        assert!(OrderStatus::Paid.rank() > OrderStatus::Placed.rank());
        assert!(OrderStatus::Cancelled.rank() > OrderStatus::Paid.rank());
        assert!(PaymentStatus::Refunded.rank() > PaymentStatus::Approved.rank());
        assert!(DeliveryStatus::Delivered.rank() > DeliveryStatus::OutForDelivery.rank());
        assert!(DeliveryStatus::Cancelled.rank() > DeliveryStatus::Delivered.rank());
    }

    #[test]
    fn words_round_trip_and_an_unknown_one_says_what_is_known() {
        for &step in Step::ALL {
            assert_eq!(step.as_str().parse::<Step>(), Ok(step));
            assert_eq!(
                serde_json::to_string(&step).unwrap(),
                format!("\"{}\"", step.as_str())
            );
        }
        // A stopped delivery is delivery's fact, not the order's.
        assert_eq!(Step::DeliveryCancelled.context(), "delivery");
        assert_eq!(Step::Refunded.context(), "payment");
        let unknown = "lost".parse::<DeliveryStatus>().unwrap_err().to_string();
        assert!(unknown.contains("\"lost\"") && unknown.contains("out_for_delivery"));
    }

    #[test]
    fn the_stage_puts_endings_first_then_delivery_then_payment() {
        use DeliveryStatus as D;
        use OrderStatus as O;
        assert_eq!(Stage::of(O::Cancelled, D::Preparing), Stage::Cancelled);
        assert_eq!(Stage::of(O::Rejected, D::NotStarted), Stage::Declined);
        assert_eq!(Stage::of(O::Paid, D::OutForDelivery), Stage::OutForDelivery);
        assert_eq!(Stage::of(O::Paid, D::NotStarted), Stage::Paid);
        assert_eq!(Stage::of(O::Placed, D::NotStarted), Stage::Placed);
        assert!(Stage::Preparing.may_cancel() && !Stage::OutForDelivery.may_cancel());
    }
}
