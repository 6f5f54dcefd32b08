//! The order form as a customer (or anyone) sends it: any lines, names, phone numbers,
//! addresses, dates, windows and card messages. Parsing must never panic, and what it accepts
//! must keep the shop's rules: bounded, visible text, whole quantities in range, a real window.
#![no_main]

use arbitrary::Arbitrary;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use order::domain::{is_hidden, Calendar, OrderForm};

#[derive(Arbitrary, Debug)]
struct Form {
    lines: Vec<(String, i64)>,
    recipient_name: String,
    recipient_phone: String,
    address: String,
    delivery_date: String,
    window: String,
    card_message: Option<String>,
    hour: u8,
    cutoff: u8,
}

fuzz_target!(|form: Form| {
    let calendar = Calendar {
        now: NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(u32::from(form.hour % 24), 0, 0)
            .unwrap(),
        same_day_cutoff_hour: u32::from(form.cutoff % 25),
    };
    let input = OrderForm {
        lines: form.lines,
        recipient_name: form.recipient_name,
        recipient_phone: form.recipient_phone,
        address: form.address,
        delivery_date: form.delivery_date,
        window: form.window,
        card_message: form.card_message,
    };
    let Ok(order) = input.parse(calendar) else {
        return;
    };
    assert!(!order.lines.is_empty());
    assert!(order.lines.iter().all(|(_, quantity)| *quantity >= 1));
    assert!(order.recipient.phone.chars().all(|c| c.is_ascii_digit()));
    for text in [&order.recipient.name, &order.address] {
        assert!(!text.trim().is_empty());
        assert!(!text.chars().any(is_hidden), "{text:?}");
    }
    if let Some(message) = &order.card_message {
        assert!(!message
            .chars()
            .any(|c| is_hidden(c) && !matches!(c, '\n' | '\r' | '\t')));
    }
    assert!(order.delivery_date >= calendar.now.date());
});
