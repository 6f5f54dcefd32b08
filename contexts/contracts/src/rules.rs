//! The shop's rules that the pages show and the server enforces, in one place: how much one
//! order may hold, how long a card message may be, and which days can still be delivered.
//! The order context checks every order against these; the pages use them to guide the
//! customer before they send anything.

use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};

/// The most lines (different flowers) an order may hold.
pub const MAX_LINES: usize = 10;
/// The most of one flower an order may hold.
pub const MAX_QUANTITY: i32 = 20;
/// How many days ahead an order may be placed.
pub const MAX_DAYS_AHEAD: i64 = 30;
/// The longest card message, in characters.
pub const MAX_CARD_MESSAGE: usize = 150;
/// Hours the florist needs between a same-day order and the end of its window.
pub const PREPARATION_HOURS: u32 = 2;

/// The first day an order placed at `now` (local time) can be delivered: today before
/// `same_day_cutoff_hour`, else tomorrow.
pub fn first_delivery_day(now: NaiveDateTime, same_day_cutoff_hour: u32) -> NaiveDate {
    let today = now.date();
    if now.hour() < same_day_cutoff_hour {
        today
    } else {
        today + Duration::days(1)
    }
}

/// The last day an order placed at `now` can be delivered.
pub fn last_delivery_day(now: NaiveDateTime) -> NaiveDate {
    now.date() + Duration::days(MAX_DAYS_AHEAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(hour, 0, 0)
            .unwrap()
    }

    #[test]
    fn same_day_closes_at_the_cutoff_and_orders_reach_a_month_ahead() {
        let today = at(0).date();
        assert_eq!(first_delivery_day(at(13), 14), today);
        assert_eq!(first_delivery_day(at(14), 14), today + Duration::days(1));
        assert_eq!(last_delivery_day(at(9)), today + Duration::days(30));
    }
}
