//! Payment's rules, free of I/O: whether to charge, refund or do nothing, whatever order the
//! order's facts arrive in.

/// Where an order's payment stands. No row at all means nothing happened yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Approved,
    Declined,
    /// The order ended before any charge: it must never be charged afterwards.
    Cancelled,
    Refunded,
}

/// What to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Charge,
    Refund,
    /// Remember that the order ended, so a late `order.placed` charges nothing.
    ForbidCharge,
    Nothing,
}

/// Timeouts in a row after which a charge counts as declined.
pub const MAX_CHARGE_ATTEMPTS: i32 = 3;

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Declined => "declined",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Approved,
            Self::Declined,
            Self::Cancelled,
            Self::Refunded,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// An order was placed: charge it unless anything already happened to its payment.
pub fn on_order_placed(current: Option<Status>) -> Step {
    match current {
        None => Step::Charge,
        Some(_) => Step::Nothing,
    }
}

/// An order was cancelled or rejected: give the money back if it was taken, and make sure it
/// is never taken if it was not.
pub fn on_order_ended(current: Option<Status>) -> Step {
    match current {
        None => Step::ForbidCharge,
        Some(Status::Approved) => Step::Refund,
        Some(Status::Declined | Status::Cancelled | Status::Refunded) => Step::Nothing,
    }
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
    fn given_a_cancellation_before_the_charge_then_the_order_is_never_charged() {
        assert_eq!(on_order_ended(None), Step::ForbidCharge);
        assert_eq!(on_order_placed(Some(Status::Cancelled)), Step::Nothing);
    }

    #[test]
    fn given_a_charged_order_that_ends_then_it_is_refunded_once() {
        assert_eq!(on_order_ended(Some(Status::Approved)), Step::Refund);
        assert_eq!(on_order_ended(Some(Status::Refunded)), Step::Nothing);
    }

    #[test]
    fn given_a_declined_order_that_ends_then_nothing_is_owed() {
        assert_eq!(on_order_ended(Some(Status::Declined)), Step::Nothing);
    }
}
