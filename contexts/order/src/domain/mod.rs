//! Order's rules, free of I/O: what a valid order is and when flowers can be delivered
//! ([`form`]), and how an order's status moves as payment, inventory and delivery facts arrive
//! ([`status`]).

mod form;
mod status;

pub use contracts::rules::{MAX_CARD_MESSAGE, MAX_DAYS_AHEAD, MAX_LINES, MAX_QUANTITY};
pub use form::*;
pub use status::*;
