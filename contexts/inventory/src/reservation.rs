//! Reservations, free of I/O: whether an order's lines can be held, and what each later fact
//! (paid, rejected, cancelled, expired) does to the stock a reservation holds.

use contracts::{Localized, Won};

/// The most of one product a single order may hold.
pub const MAX_PER_LINE: i32 = 20;
/// The most lines a single order may have.
pub use contracts::rules::MAX_LINES;

/// A product's stock as the reservation decision sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shelf {
    pub slug: String,
    pub name: Localized,
    pub price: Won,
    pub available: i32,
}

/// How many of a product an order holds, at what price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    pub slug: String,
    pub quantity: i32,
    pub unit_price: Won,
}

/// Why stock cannot be held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No product has this slug.
    Unknown { slug: String },
    /// Fewer are available than asked for.
    Insufficient {
        slug: String,
        name: Localized,
        requested: i32,
        available: i32,
    },
    /// The request itself is malformed (caught earlier by order, checked again here).
    Invalid(String),
}

/// Decides whether `requests` can be held given the shelves; repeated slugs are added up.
pub fn allocate(
    requests: &[(String, i32)],
    shelf: impl Fn(&str) -> Option<Shelf>,
) -> Result<Vec<Allocation>, Refusal> {
    if requests.is_empty() || requests.len() > MAX_LINES {
        return Err(Refusal::Invalid(format!(
            "an order holds 1 to {MAX_LINES} lines"
        )));
    }
    let mut wanted: Vec<(String, i32)> = Vec::new();
    for (slug, quantity) in requests {
        if !(1..=MAX_PER_LINE).contains(quantity) {
            return Err(Refusal::Invalid(format!(
                "quantities are 1 to {MAX_PER_LINE}"
            )));
        }
        match wanted.iter_mut().find(|(s, _)| s == slug) {
            Some((_, total)) => *total += quantity,
            None => wanted.push((slug.clone(), *quantity)),
        }
    }
    wanted
        .into_iter()
        .map(|(slug, quantity)| {
            let Some(shelf) = shelf(&slug) else {
                return Err(Refusal::Unknown { slug });
            };
            if shelf.available < quantity {
                return Err(Refusal::Insufficient {
                    slug,
                    name: shelf.name,
                    requested: quantity,
                    available: shelf.available.max(0),
                });
            }
            Ok(Allocation {
                slug,
                quantity,
                unit_price: shelf.price,
            })
        })
        .collect()
}

/// Where a reservation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Stock is set aside, not yet sold.
    Held,
    /// Paid: the stock left the shelf.
    Committed,
    /// Freed without a sale (rejected — also when unpaid in time — or cancelled before payment).
    Released,
    /// Sold, then cancelled: the stock is back on the shelf.
    Restored,
}

/// What a transition does to the products' counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockEffect {
    /// `on_hand -= q; reserved -= q`
    Sell,
    /// `reserved -= q`
    Free,
    /// `on_hand += q`
    PutBack,
}

/// The facts that move a reservation. Running out of time is not one of them: inventory only
/// announces it, and the order's answer (rejected, or paid after all) settles the reservation.
/// Releasing on expiry directly would lose the sale when a payment is approved at that moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    Paid,
    Rejected,
    Cancelled,
}

impl Status {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "held" => Self::Held,
            "committed" => Self::Committed,
            "released" => Self::Released,
            "restored" => Self::Restored,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Committed => "committed",
            Self::Released => "released",
            Self::Restored => "restored",
        }
    }

    /// The next status and its effect on stock; `None` when the fact changes nothing (a
    /// duplicate, or a fact that arrived after the reservation was already settled).
    pub fn on(self, fact: Fact) -> Option<(Status, StockEffect)> {
        match (self, fact) {
            (Self::Held, Fact::Paid) => Some((Self::Committed, StockEffect::Sell)),
            (Self::Held, Fact::Rejected | Fact::Cancelled) => {
                Some((Self::Released, StockEffect::Free))
            }
            // Cancelled after payment; or rejected although a payment got through (the order ran
            // out of time while the card was being charged, and the charge is refunded).
            (Self::Committed, Fact::Cancelled | Fact::Rejected) => {
                Some((Self::Restored, StockEffect::PutBack))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shelf(slug: &str, available: i32) -> Shelf {
        Shelf {
            slug: slug.into(),
            name: Localized {
                ko: "장미".into(),
                en: "Roses".into(),
            },
            price: Won(50_000),
            available,
        }
    }

    fn shelves(slug: &str) -> Option<Shelf> {
        match slug {
            "roses" => Some(shelf("roses", 3)),
            "tulips" => Some(shelf("tulips", 0)),
            _ => None,
        }
    }

    fn ask(lines: &[(&str, i32)]) -> Result<Vec<Allocation>, Refusal> {
        let lines: Vec<(String, i32)> = lines.iter().map(|(s, q)| (s.to_string(), *q)).collect();
        allocate(&lines, shelves)
    }

    #[test]
    fn given_enough_stock_when_reserving_then_lines_are_held_at_todays_price() {
        let held = ask(&[("roses", 2)]).unwrap();
        assert_eq!(
            held,
            vec![Allocation {
                slug: "roses".into(),
                quantity: 2,
                unit_price: Won(50_000)
            }]
        );
    }

    #[test]
    fn given_three_left_when_asking_for_four_then_refused_with_what_is_left() {
        let Err(Refusal::Insufficient {
            requested,
            available,
            ..
        }) = ask(&[("roses", 4)])
        else {
            panic!("expected a refusal");
        };
        assert_eq!((requested, available), (4, 3));
    }

    #[test]
    fn given_repeated_lines_when_reserving_then_they_are_added_up() {
        assert!(matches!(
            ask(&[("roses", 2), ("roses", 2)]),
            Err(Refusal::Insufficient { requested: 4, .. })
        ));
    }

    #[test]
    fn given_an_unknown_or_sold_out_product_when_reserving_then_refused() {
        assert_eq!(
            ask(&[("daisies", 1)]),
            Err(Refusal::Unknown {
                slug: "daisies".into()
            })
        );
        assert!(matches!(
            ask(&[("tulips", 1)]),
            Err(Refusal::Insufficient { available: 0, .. })
        ));
    }

    #[test]
    fn given_a_malformed_request_when_reserving_then_refused() {
        assert!(matches!(ask(&[]), Err(Refusal::Invalid(_))));
        assert!(matches!(ask(&[("roses", 0)]), Err(Refusal::Invalid(_))));
        assert!(matches!(ask(&[("roses", 21)]), Err(Refusal::Invalid(_))));
    }

    #[test]
    fn given_a_held_reservation_then_payment_sells_and_everything_else_frees() {
        assert_eq!(
            Status::Held.on(Fact::Paid),
            Some((Status::Committed, StockEffect::Sell))
        );
        for fact in [Fact::Rejected, Fact::Cancelled] {
            assert_eq!(
                Status::Held.on(fact),
                Some((Status::Released, StockEffect::Free))
            );
        }
    }

    #[test]
    fn given_a_sale_when_cancelled_or_rejected_after_all_then_stock_goes_back() {
        for fact in [Fact::Cancelled, Fact::Rejected] {
            assert_eq!(
                Status::Committed.on(fact),
                Some((Status::Restored, StockEffect::PutBack))
            );
        }
    }

    #[test]
    fn late_or_repeated_facts_change_nothing() {
        // Paid after the order was rejected, a repeat, anything after the end.
        assert_eq!(Status::Released.on(Fact::Paid), None);
        assert_eq!(Status::Committed.on(Fact::Paid), None);
        for fact in [Fact::Paid, Fact::Rejected, Fact::Cancelled] {
            assert_eq!(Status::Restored.on(fact), None);
            assert_eq!(
                Status::Released.on(fact).filter(|_| fact != Fact::Paid),
                None
            );
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for status in [
            Status::Held,
            Status::Committed,
            Status::Released,
            Status::Restored,
        ] {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
    }
}
