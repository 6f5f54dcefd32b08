//! Card numbers, expiry dates and CVCs as typed, on any day; phone numbers; delivery dates.
//! Tokenizing never panics (no overflow in the expiry year), and an accepted card has a
//! token and its last four digits.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Typed {
    number: String,
    expiry: String,
    cvc: String,
    year: i32,
    month: u32,
    phone: String,
}

fuzz_target!(|typed: Typed| {
    let today = (typed.year, typed.month);
    if let Ok(card) = payment::tokenize(&typed.number, &typed.expiry, &typed.cvc, today) {
        assert_eq!(card.last4.len(), 4);
        assert!(card.last4.chars().all(|c| c.is_ascii_digit()));
        // A token names the test card's behaviour and a fresh id, never the number.
        assert!(card.token.starts_with("tok_test_"));
    }
    if let Some(phone) = order::domain::parse_phone(&typed.phone) {
        assert!(phone.chars().all(|c| c.is_ascii_digit()));
    }
});
