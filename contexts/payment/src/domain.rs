//! Payment's rules, free of I/O: whether to charge, void, refund or do nothing, whatever order
//! the order's facts arrive in.
//!
//! A charge and a refund are calls to the card processor, which take time and may go unanswered,
//! so each is first recorded as an intent (`charging`, `voiding`, `refunding`) in a transaction
//! of its own, then made with no transaction open, then settled. A process that stops in
//! between finds the intent and makes the same call again under the same idempotency key.

/// Where an order's payment stands. No row at all means nothing happened yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// A charge was (or is being) asked of the processor; its outcome is not recorded yet.
    Charging,
    Approved,
    Declined,
    /// The charge is being voided: the order ended while it was in flight, or the processor
    /// never answered it.
    Voiding,
    /// The order ended before any money moved: it must never be charged afterwards.
    Cancelled,
    /// The order ended after it was charged; the money is being given back.
    Refunding,
    Refunded,
}

/// What to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Charge,
    /// Cancel the charge in flight under the order's key (reversed if it went through).
    Void,
    Refund,
    /// Remember that the order ended, so a late `order.payment_requested` charges nothing.
    ForbidCharge,
    Nothing,
}

/// Timeouts in a row after which a charge counts as declined (and is voided).
pub const MAX_CHARGE_ATTEMPTS: i32 = 3;

impl Status {
    pub const ALL: [Status; 7] = [
        Self::Charging,
        Self::Approved,
        Self::Declined,
        Self::Voiding,
        Self::Cancelled,
        Self::Refunding,
        Self::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Charging => "charging",
            Self::Approved => "approved",
            Self::Declined => "declined",
            Self::Voiding => "voiding",
            Self::Cancelled => "cancelled",
            Self::Refunding => "refunding",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether the payment is settled: no call to the processor is owed any more.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Approved | Self::Declined | Self::Cancelled | Self::Refunded
        )
    }
}

/// An order was placed: charge it unless anything already happened to its payment. A charge
/// begun before (the process stopped before its outcome was recorded) is asked again under the
/// same key, which returns the first outcome.
pub fn on_order_placed(current: Option<Status>) -> Step {
    match current {
        None | Some(Status::Charging) => Step::Charge,
        Some(_) => Step::Nothing,
    }
}

/// An order was cancelled or rejected: give the money back if it was taken, stop a charge in
/// flight, and make sure it is never taken if it was not.
pub fn on_order_ended(current: Option<Status>) -> Step {
    match current {
        None => Step::ForbidCharge,
        Some(Status::Charging | Status::Voiding) => Step::Void,
        Some(Status::Approved | Status::Refunding) => Step::Refund,
        Some(Status::Declined | Status::Cancelled | Status::Refunded) => Step::Nothing,
    }
}

/// A charge's outcome arrived: it is recorded only if the charge is still in flight. Had the
/// order ended meanwhile, whoever ended it voided the charge under the same key, and the
/// outcome no longer counts.
pub fn outcome_counts(current: Status) -> bool {
    current == Status::Charging
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_a_new_order_then_it_is_charged_once() {
        assert_eq!(on_order_placed(None), Step::Charge);
        assert_eq!(on_order_placed(Some(Status::Approved)), Step::Nothing);
        assert_eq!(on_order_placed(Some(Status::Declined)), Step::Nothing);
    }

    #[test]
    fn given_a_charge_that_stopped_half_way_then_it_is_asked_again_under_its_key() {
        assert_eq!(on_order_placed(Some(Status::Charging)), Step::Charge);
        assert_eq!(on_order_placed(Some(Status::Voiding)), Step::Nothing);
    }

    #[test]
    fn given_a_cancellation_before_the_charge_went_through_then_the_order_is_never_charged() {
        assert_eq!(on_order_ended(None), Step::ForbidCharge);
        assert_eq!(on_order_placed(Some(Status::Cancelled)), Step::Nothing);
    }

    #[test]
    fn given_a_cancellation_while_the_charge_is_in_flight_then_the_charge_is_voided() {
        assert_eq!(on_order_ended(Some(Status::Charging)), Step::Void);
        assert_eq!(on_order_ended(Some(Status::Voiding)), Step::Void);
        assert!(!outcome_counts(Status::Voiding));
        assert!(!outcome_counts(Status::Cancelled));
        assert!(outcome_counts(Status::Charging));
    }

    #[test]
    fn given_a_charged_order_that_ends_then_it_is_refunded_once() {
        assert_eq!(on_order_ended(Some(Status::Approved)), Step::Refund);
        assert_eq!(on_order_ended(Some(Status::Refunding)), Step::Refund);
        assert_eq!(on_order_ended(Some(Status::Refunded)), Step::Nothing);
    }

    #[test]
    fn given_a_declined_order_that_ends_then_nothing_is_owed() {
        assert_eq!(on_order_ended(Some(Status::Declined)), Step::Nothing);
    }

    #[test]
    fn only_settled_payments_are_final() {
        let open: Vec<_> = Status::ALL.into_iter().filter(|s| !s.is_final()).collect();
        assert_eq!(open, [Status::Charging, Status::Voiding, Status::Refunding]);
    }
}
