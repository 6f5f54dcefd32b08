//! The card processor behind a trait, and a fake one that behaves like a real processor in
//! test mode: cards are tokenized before they reach the shop's servers (only the token and the
//! last four digits travel on); charges, refunds and voids are idempotent by key; a void stops
//! a charge under its key for good (reversing it if it went through); and particular test card
//! numbers approve, decline for a reason, or time out.
//!
//! | test card | outcome |
//! |---|---|
//! | 4242 4242 4242 4242, 5555 5555 5555 4444 | approved |
//! | 4000 0000 0000 0002 | declined: card declined |
//! | 4000 0000 0000 9995 | declined: insufficient funds |
//! | 4000 0000 0000 0069 | declined: card expired |
//! | 4000 0000 0000 0119 | the processor does not answer (timeout), and charges nothing |
//! | 4000 0000 0000 3006 | the processor charges the card, but its answer never arrives |
//!
//! The fake keeps its ledger in a database of its own (standing in for the processor's side of
//! the internet), so that it outlives a payment process killed mid-charge and several payment
//! processes share it, as they would share a real processor.

use contracts::{order::CardToken, Won};
use sqlx::PgPool;
use std::{future::Future, time::Duration};
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

    /// Cancels the charge made (or still to be made) under `charge_key`, before it settles: a
    /// charge that went through is reversed and no money moves; a charge that never arrived is
    /// refused if it ever does. Idempotent.
    fn void(&self, charge_key: &str) -> impl Future<Output = Result<(), ProcessorTimeout>> + Send;
}

/// How a test card behaves; encoded in its token so any process can charge it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Approve,
    Decline,
    InsufficientFunds,
    Expired,
    Timeout,
    /// Charges, then the answer is lost.
    ChargesSilently,
}

impl Behaviour {
    fn of_card(number: &str) -> Option<Self> {
        Some(match number {
            "4242424242424242" | "5555555555554444" => Self::Approve,
            "4000000000000002" => Self::Decline,
            "4000000000009995" => Self::InsufficientFunds,
            "4000000000000069" => Self::Expired,
            "4000000000000119" => Self::Timeout,
            "4000000000003006" => Self::ChargesSilently,
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
            Self::ChargesSilently => "silent",
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
            Self::ChargesSilently,
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
        .and_then(|(m, y)| Some((m.trim().parse::<u32>().ok()?, expiry_year(y.trim())?)))
        .filter(|(m, _)| (1..=12).contains(m))
        .ok_or(CardError {
            field: "card_expiry",
            message: "write the expiry as MM/YY".into(),
        })?;
    if (year, month) < today {
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

/// `YY` or `20YY`, as the year of this century; anything else is no expiry year.
fn expiry_year(raw: &str) -> Option<i32> {
    let two = match raw.len() {
        2 => raw,
        4 => raw.strip_prefix("20")?,
        _ => return None,
    };
    two.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| 2000 + i32::from((two.as_bytes()[0] - b'0') * 10 + (two.as_bytes()[1] - b'0')))
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

/// A processor in test mode, with its ledger in its own PostgreSQL database.
#[derive(Clone)]
pub struct FakeProcessor {
    pool: PgPool,
    latency: Duration,
    /// The share of answers lost after the processor did the work (a fault switch for tests and
    /// chaos runs; 0 by default).
    lost_answers: f64,
}

/// The processor's own tables (it is "across the internet": not one of the shop's contexts).
const LEDGER: &str = "
    CREATE TABLE IF NOT EXISTS processor_charges (
        key        TEXT PRIMARY KEY,
        amount_won BIGINT NOT NULL,
        outcome    TEXT NOT NULL CHECK (outcome IN ('approved', 'declined', 'voided')),
        reason     TEXT,
        charge_id  TEXT NOT NULL,
        at         TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE TABLE IF NOT EXISTS processor_refunds (
        key        TEXT PRIMARY KEY,
        charge_id  TEXT NOT NULL,
        amount_won BIGINT NOT NULL,
        refund_id  TEXT NOT NULL,
        at         TIMESTAMPTZ NOT NULL DEFAULT now()
    )";

impl FakeProcessor {
    /// Opens (creating if needed) the processor's ledger at `url`.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        use sqlx::migrate::MigrateDatabase;
        if !sqlx::Postgres::database_exists(url).await? {
            // Several payment processes may race to create it; losing is fine.
            if let Err(error) = sqlx::Postgres::create_database(url).await {
                if !sqlx::Postgres::database_exists(url).await? {
                    return Err(error);
                }
            }
        }
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(2))
            .connect(url)
            .await?;
        let mut tx = pool.begin().await?;
        // Concurrent CREATE TABLE IF NOT EXISTS can still collide: one creator at a time.
        sqlx::query("SELECT pg_advisory_xact_lock(4242)")
            .execute(&mut *tx)
            .await?;
        sqlx::raw_sql(LEDGER).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Self {
            pool,
            latency: Duration::ZERO,
            lost_answers: 0.0,
        })
    }

    /// Answers after `latency`, like a processor across the internet.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Loses this share (0 to 1) of its answers after doing the work.
    pub fn losing_answers(mut self, share: f64) -> Self {
        self.lost_answers = share.clamp(0.0, 1.0);
        self
    }

    /// Money taken and given back so far, for tests' invariants and the audit.
    pub async fn totals(&self) -> Result<(Won, Won), sqlx::Error> {
        let (charged, refunded): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(sum(amount_won), 0) FROM processor_charges
                      WHERE outcome = 'approved')::BIGINT,
                    (SELECT COALESCE(sum(amount_won), 0) FROM processor_refunds)::BIGINT",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok((Won(charged), Won(refunded)))
    }

    async fn answer<T>(&self, outcome: Result<T, sqlx::Error>) -> Result<T, ProcessorTimeout> {
        match outcome {
            Ok(value) if !self.loses_this_answer() => Ok(value),
            Ok(_) => Err(ProcessorTimeout),
            Err(error) => {
                tracing::warn!(%error, "the fake card processor's ledger failed");
                Err(ProcessorTimeout)
            }
        }
    }

    fn loses_this_answer(&self) -> bool {
        self.lost_answers > 0.0 && messaging::random_fraction() < self.lost_answers
    }

    async fn record_charge(
        &self,
        behaviour: Behaviour,
        amount: Won,
        key: &str,
    ) -> Result<ChargeOutcome, sqlx::Error> {
        let (outcome, reason) = match behaviour {
            Behaviour::Approve | Behaviour::ChargesSilently => ("approved", None),
            Behaviour::Decline => ("declined", Some("the card was declined by its bank")),
            Behaviour::InsufficientFunds => ("declined", Some("the card has insufficient funds")),
            Behaviour::Expired => ("declined", Some("the card has expired")),
            Behaviour::Timeout => unreachable!("never reaches the ledger"),
        };
        sqlx::query(
            "INSERT INTO processor_charges (key, amount_won, outcome, reason, charge_id)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(amount.0)
        .bind(outcome)
        .bind(reason)
        .bind(format!("ch_{}", Uuid::now_v7().simple()))
        .execute(&self.pool)
        .await?;
        // The first charge under a key decides, whatever came after.
        let (outcome, reason, charge_id): (String, Option<String>, String) = sqlx::query_as(
            "SELECT outcome, reason, charge_id FROM processor_charges WHERE key = $1",
        )
        .bind(key)
        .fetch_one(&self.pool)
        .await?;
        Ok(match outcome.as_str() {
            "approved" => ChargeOutcome::Approved { charge_id },
            "voided" => ChargeOutcome::Declined {
                reason: "the payment was cancelled before it was charged".into(),
            },
            _ => ChargeOutcome::Declined {
                reason: reason.unwrap_or_else(|| "declined".into()),
            },
        })
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
        let outcome = self
            .answer(self.record_charge(behaviour, amount, idempotency_key).await)
            .await?;
        if behaviour == Behaviour::ChargesSilently {
            return Err(ProcessorTimeout);
        }
        Ok(outcome)
    }

    async fn refund(
        &self,
        charge_id: &str,
        amount: Won,
        idempotency_key: &str,
    ) -> Result<String, ProcessorTimeout> {
        tokio::time::sleep(self.latency).await;
        let recorded = async {
            sqlx::query(
                "INSERT INTO processor_refunds (key, charge_id, amount_won, refund_id)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING",
            )
            .bind(idempotency_key)
            .bind(charge_id)
            .bind(amount.0)
            .bind(format!("re_{}", Uuid::now_v7().simple()))
            .execute(&self.pool)
            .await?;
            sqlx::query_scalar("SELECT refund_id FROM processor_refunds WHERE key = $1")
                .bind(idempotency_key)
                .fetch_one(&self.pool)
                .await
        }
        .await;
        self.answer(recorded).await
    }

    async fn void(&self, charge_key: &str) -> Result<(), ProcessorTimeout> {
        tokio::time::sleep(self.latency).await;
        let recorded = async {
            // A charge that went through is reversed; one that never came is refused later.
            sqlx::query(
                "INSERT INTO processor_charges (key, amount_won, outcome, charge_id)
                 VALUES ($1, 0, 'voided', $2)
                 ON CONFLICT (key) DO UPDATE SET outcome = 'voided'
                 WHERE processor_charges.outcome = 'approved'",
            )
            .bind(charge_key)
            .bind(format!("ch_{}", Uuid::now_v7().simple()))
            .execute(&self.pool)
            .await
            .map(|_| ())
        }
        .await;
        self.answer(recorded).await
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
    fn an_expiry_year_of_any_size_is_refused_not_overflowed() {
        for expiry in [
            "12/2147483647",
            "12/-2147483648",
            "12/99999999999",
            "12/3",
            "12/+30",
        ] {
            let error = tokenize("4242424242424242", expiry, "123", TODAY).unwrap_err();
            assert_eq!(error.field, "card_expiry", "{expiry}");
        }
        assert!(tokenize("4242424242424242", "12/30", "123", TODAY).is_ok());
        assert!(tokenize("4242424242424242", "12/2030", "123", TODAY).is_ok());
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
}
