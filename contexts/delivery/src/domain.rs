//! Delivery's rules, free of I/O: how a delivery moves from waiting to delivered, and when it
//! can still be stopped.

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Known, waiting for payment.
    Pending,
    Preparing,
    OutForDelivery,
    Delivered,
    Cancelled,
}

/// A step staff may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Dispatch,
    Deliver,
}

/// Why a step or a cancellation is not possible now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the delivery is {0}; it cannot be {1} now")]
    NotNow(&'static str, &'static str),
    #[error("the flowers have already left the shop")]
    AlreadyLeft,
    #[error("the flowers were already delivered")]
    AlreadyDelivered,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Self::Pending,
        Self::Preparing,
        Self::OutForDelivery,
        Self::Delivered,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Preparing => "preparing",
            Self::OutForDelivery => "out_for_delivery",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// The order was paid: start preparing it (once).
    pub fn on_paid(self) -> Option<Status> {
        (self == Self::Pending).then_some(Self::Preparing)
    }

    /// A staff member moves the delivery along.
    pub fn take(self, step: Step) -> Result<Status, Refused> {
        match (self, step) {
            (Self::Preparing, Step::Dispatch) => Ok(Self::OutForDelivery),
            (Self::OutForDelivery, Step::Deliver) => Ok(Self::Delivered),
            (status, Step::Dispatch) => Err(Refused::NotNow(status.as_str(), "sent out")),
            (status, Step::Deliver) => Err(Refused::NotNow(status.as_str(), "marked delivered")),
        }
    }

    /// The order ends or the customer cancels: stop unless the flowers already left.
    /// Cancelling a cancelled delivery is fine (the request may be repeated).
    pub fn cancel(self) -> Result<Status, Refused> {
        match self {
            Self::Pending | Self::Preparing | Self::Cancelled => Ok(Self::Cancelled),
            Self::OutForDelivery => Err(Refused::AlreadyLeft),
            Self::Delivered => Err(Refused::AlreadyDelivered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_a_waiting_delivery_when_paid_then_preparing_starts_once() {
        assert_eq!(Status::Pending.on_paid(), Some(Status::Preparing));
        assert_eq!(Status::Preparing.on_paid(), None);
        assert_eq!(Status::Cancelled.on_paid(), None);
    }

    #[test]
    fn staff_move_a_delivery_out_and_then_to_delivered() {
        assert_eq!(
            Status::Preparing.take(Step::Dispatch),
            Ok(Status::OutForDelivery)
        );
        assert_eq!(
            Status::OutForDelivery.take(Step::Deliver),
            Ok(Status::Delivered)
        );
    }

    #[test]
    fn steps_out_of_turn_are_refused_with_the_reason() {
        assert!(Status::Pending.take(Step::Dispatch).is_err());
        assert!(Status::Preparing.take(Step::Deliver).is_err());
        assert!(Status::Cancelled.take(Step::Dispatch).is_err());
        assert!(Status::Delivered.take(Step::Deliver).is_err());
        assert_eq!(
            Status::Cancelled
                .take(Step::Dispatch)
                .unwrap_err()
                .to_string(),
            "the delivery is cancelled; it cannot be sent out now"
        );
    }

    #[test]
    fn a_delivery_can_be_stopped_until_it_leaves() {
        for status in [Status::Pending, Status::Preparing, Status::Cancelled] {
            assert_eq!(status.cancel(), Ok(Status::Cancelled));
        }
        assert_eq!(Status::OutForDelivery.cancel(), Err(Refused::AlreadyLeft));
        assert_eq!(Status::Delivered.cancel(), Err(Refused::AlreadyDelivered));
    }
}
