//! The card processor behind a trait, and a fake one that behaves like a real processor in
//! test mode: cards are tokenized before they reach the shop's servers (only the token and the
//! last four digits travel on), charges and refunds are idempotent by key, and particular test
//! card numbers approve, decline for a reason, or time out.
//!
//! | test card | outcome |
//! |---|---|
//! | 4242 4242 4242 4242, 5555 5555 5555 4444 | approved |
//! | 4000 0000 0000 0002 | declined: card declined |
//! | 4000 0000 0000 9995 | declined: insufficient funds |
//! | 4000 0000 0000 0069 | declined: card expired |
//! | 4000 0000 0000 0119 | the processor does not answer (timeout) |

use contracts::{order::CardToken, Won};
use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};
use uuid::Uuid;

/// What the processor said about a charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChargeOutcome {
    Approved { charge_id: String },
    Declined { reason: String },
}

/// The processor did not answer; the outcome is unknown and the call may be repeated with the
/// same idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the card processor did not answer in time")]
pub struct ProcessorTimeout;

/// A card number, expiry or CVC the customer must correct.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct CardError {
    pub field: &'static str,
    pub message: String,
}

/// A card processor.
pub trait PaymentProvider: Send + Sync + 'static {
    /// Charges `amount` to the tokenized card. Calling again with the same `idempotency_key`
    /// returns the first outcome and never charges twice.
    fn charge(
        &self,
        card: &CardToken,
        amount: Won,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<ChargeOutcome, ProcessorTimeout>> + Send;

    /// Pays `amount` of a charge back; idempotent by key like [`PaymentProvider::charge`].
    fn refund(
        &self,
        charge_id: &str,
        amount: Won,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<String, ProcessorTimeout>> + Send;
}

/// How a test card behaves; encoded in its token so any process can charge it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Approve,
    Decline,
    InsufficientFunds,
    Expired,
    Timeout,
}

impl Behaviour {
    fn of_card(number: &str) -> Option<Self> {
        Some(match number {
            "4242424242424242" | "5555555555554444" => Self::Approve,
            "4000000000000002" => Self::Decline,
            "4000000000009995" => Self::InsufficientFunds,
            "4000000000000069" => Self::Expired,
            "4000000000000119" => Self::Timeout,
            _ => return None,
        })
    }

    fn code(self) -> &'static str {
        match self {
            Self::Approve => "ok",
            Self::Decline => "declined",
            Self::InsufficientFunds => "funds",
            Self::Expired => "expired",
            Self::Timeout => "timeout",
        }
    }

    fn of_token(token: &str) -> Option<Self> {
        let code = token.strip_prefix("tok_test_")?.split('_').next()?;
        [
            Self::Approve,
            Self::Decline,
            Self::InsufficientFunds,
            Self::Expired,
            Self::Timeout,
        ]
        .into_iter()
        .find(|b| b.code() == code)
    }
}

/// Checks a card and turns it into a token, as a processor's browser library would.
/// `expiry` is `MM/YY`; `today` is `(year, month)`.
pub fn tokenize(
    number: &str,
    expiry: &str,
    cvc: &str,
    today: (i32, u32),
) -> Result<CardToken, CardError> {
    let digits: String = number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !(12..=19).contains(&digits.len())
        || !digits.chars().all(|c| c.is_ascii_digit())
        || !luhn(&digits)
    {
        return Err(CardError {
            field: "card_number",
            message: "the card number is not valid; check the digits".into(),
        });
    }
    let Some(behaviour) = Behaviour::of_card(&digits) else {
        return Err(CardError {
            field: "card_number",
            message: "this shop runs in test mode: use a test card such as 4242 4242 4242 4242"
                .into(),
        });
    };
    let (month, year) = expiry
        .trim()
        .split_once('/')
        .and_then(|(m, y)| Some((m.trim().parse::<u32>().ok()?, y.trim().parse::<i32>().ok()?)))
        .filter(|(m, _)| (1..=12).contains(m))
        .ok_or(CardError {
            field: "card_expiry",
            message: "write the expiry as MM/YY".into(),
        })?;
    if (2000 + year, month) < today {
        return Err(CardError {
            field: "card_expiry",
            message: "the card has expired".into(),
        });
    }
    if !(3..=4).contains(&cvc.trim().len()) || !cvc.trim().chars().all(|c| c.is_ascii_digit()) {
        return Err(CardError {
            field: "card_cvc",
            message: "write the 3 digits on the back of the card".into(),
        });
    }
    Ok(CardToken {
        token: format!("tok_test_{}_{}", behaviour.code(), Uuid::now_v7().simple()),
        last4: digits[digits.len() - 4..].to_owned(),
        brand: if digits.starts_with('5') {
            "mastercard"
        } else {
            "visa"
        }
        .into(),
    })
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A processor in test mode, in memory.
#[derive(Clone, Default)]
pub struct FakeProcessor {
    inner: Arc<Mutex<Ledger>>,
    latency: Duration,
}

#[derive(Default)]
struct Ledger {
    charges: HashMap<String, ChargeOutcome>,
    refunds: HashMap<String, String>,
    charged: i64,
    refunded: i64,
}

impl FakeProcessor {
    /// Answers after `latency`, like a processor across the internet.
    pub fn with_latency(latency: Duration) -> Self {
        Self {
            latency,
            ..Self::default()
        }
    }

    /// Money taken and given back so far, for tests' invariants.
    pub fn totals(&self) -> (Won, Won) {
        let ledger = self.inner.lock().expect("ledger lock");
        (Won(ledger.charged), Won(ledger.refunded))
    }
}

impl PaymentProvider for FakeProcessor {
    async fn charge(
        &self,
        card: &CardToken,
        amount: Won,
        idempotency_key: &str,
    ) -> Result<ChargeOutcome, ProcessorTimeout> {
        tokio::time::sleep(self.latency).await;
        let behaviour = Behaviour::of_token(&card.token).unwrap_or(Behaviour::Decline);
        if behaviour == Behaviour::Timeout {
            return Err(ProcessorTimeout);
        }
        let mut ledger = self.inner.lock().expect("ledger lock");
        if let Some(outcome) = ledger.charges.get(idempotency_key) {
            return Ok(outcome.clone());
        }
        let outcome = match behaviour {
            Behaviour::Approve => {
                ledger.charged += amount.0;
                ChargeOutcome::Approved {
                    charge_id: format!("ch_{}", Uuid::now_v7().simple()),
                }
            }
            Behaviour::Decline => ChargeOutcome::Declined {
                reason: "the card was declined by its bank".into(),
            },
            Behaviour::InsufficientFunds => ChargeOutcome::Declined {
                reason: "the card has insufficient funds".into(),
            },
            Behaviour::Expired => ChargeOutcome::Declined {
                reason: "the card has expired".into(),
            },
            Behaviour::Timeout => unreachable!("answered above"),
        };
        ledger
            .charges
            .insert(idempotency_key.to_owned(), outcome.clone());
        Ok(outcome)
    }

    async fn refund(
        &self,
        _charge_id: &str,
        amount: Won,
        idempotency_key: &str,
    ) -> Result<String, ProcessorTimeout> {
        tokio::time::sleep(self.latency).await;
        let mut ledger = self.inner.lock().expect("ledger lock");
        if let Some(refund) = ledger.refunds.get(idempotency_key) {
            return Ok(refund.clone());
        }
        let refund_id = format!("re_{}", Uuid::now_v7().simple());
        ledger.refunded += amount.0;
        ledger
            .refunds
            .insert(idempotency_key.to_owned(), refund_id.clone());
        Ok(refund_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: (i32, u32) = (2026, 11);

    fn token(number: &str) -> CardToken {
        tokenize(number, "12/28", "123", TODAY).unwrap()
    }

    #[test]
    fn a_test_card_becomes_a_token_that_keeps_only_the_last_four_digits() {
        let card = token("4242 4242 4242 4242");
        assert_eq!(card.last4, "4242");
        assert_eq!(card.brand, "visa");
        assert!(!card.token.contains("42424242"));
    }

    #[test]
    fn bad_card_details_name_the_field_to_fix() {
        let field = |n: &str, e: &str, c: &str| tokenize(n, e, c, TODAY).unwrap_err().field;
        assert_eq!(field("4242 4242 4242 4241", "12/28", "123"), "card_number");
        assert_eq!(field("4111 1111 1111 1111", "12/28", "123"), "card_number");
        assert_eq!(field("4242424242424242", "13/28", "123"), "card_expiry");
        assert_eq!(field("4242424242424242", "10/26", "123"), "card_expiry");
        assert_eq!(field("4242424242424242", "12/28", "12"), "card_cvc");
    }

    #[tokio::test]
    async fn test_cards_approve_decline_and_time_out() {
        let processor = FakeProcessor::default();
        let charge = |n: &str, key: &str| {
            let processor = processor.clone();
            let card = token(n);
            let key = key.to_owned();
            async move { processor.charge(&card, Won(1000), &key).await }
        };
        assert!(matches!(
            charge("4242424242424242", "a").await,
            Ok(ChargeOutcome::Approved { .. })
        ));
        assert_eq!(
            charge("4000000000009995", "b").await,
            Ok(ChargeOutcome::Declined {
                reason: "the card has insufficient funds".into()
            })
        );
        assert_eq!(charge("4000000000000119", "c").await, Err(ProcessorTimeout));
    }

    #[tokio::test]
    async fn charging_twice_with_one_key_charges_once() {
        let processor = FakeProcessor::default();
        let card = token("4242424242424242");
        let first = processor.charge(&card, Won(5000), "order-1").await.unwrap();
        let again = processor.charge(&card, Won(5000), "order-1").await.unwrap();
        assert_eq!(first, again);
        assert_eq!(processor.totals(), (Won(5000), Won(0)));
        processor.refund("ch", Won(5000), "refund-1").await.unwrap();
        processor.refund("ch", Won(5000), "refund-1").await.unwrap();
        assert_eq!(processor.totals(), (Won(5000), Won(5000)));
    }
}
