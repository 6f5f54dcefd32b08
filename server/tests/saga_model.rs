//! A property test of the saga's decisions: the real decision functions of order, payment,
//! inventory and delivery, wired by the real subscription table, with every context behind an
//! inbox, under random delivery order, redeliveries, retries, and a customer cancelling, a
//! reservation expiring and staff dispatching at random moments. Whatever happens, once every
//! queue is drained the books balance: money kept (by the card processor, not only by payment's
//! own records), stock sold and deliveries under way all agree with whether the order ended up
//! paid, and nothing stays reserved or half way.
//!
//! The world is not atomic, as the real one is not: payment records an intent, calls the card
//! processor and settles in separate steps, and its handler can stop between any two of them
//! (the message then comes back); the reply to `inventory.reserve` can be lost after inventory
//! committed (the order is never stored); the reply to `delivery.cancel` can be lost after
//! delivery committed.
//!
//! (This test found that releasing stock on expiry lost the sale of an order whose payment was
//! approved at the same moment; see migrations/inventory/0003. Its first version, with atomic
//! charges and replies that always arrive, could not see the charge kept for a cancelled order
//! or the stock held for an order never stored: see docs/reliability.md.)

use contracts::subscriptions::ALL;
use delivery::Status as Delivery;
use inventory::reservation::{Fact, Status as Reservation, StockEffect};
use order::domain::{DeliveryFact, Status as Order};
use payment::domain::{on_order_ended, on_order_placed, outcome_counts, Status as Payment, Step};
use proptest::prelude::*;
use std::collections::HashSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Msg {
    OrderAbandoned,
    DeliveryCancelled,
    OrderPlaced,
    PaymentRequested,
    OrderPaid,
    OrderRejected,
    OrderCancelled,
    PaymentApproved,
    PaymentDeclined,
    ReservationExpired,
    DeliveryPreparing,
    DeliveryDispatched,
}

impl Msg {
    fn routing_key(self) -> &'static str {
        match self {
            Msg::OrderAbandoned => "order.abandoned",
            Msg::DeliveryCancelled => "delivery.cancelled",
            Msg::OrderPlaced => "order.placed",
            Msg::PaymentRequested => "order.payment_requested",
            Msg::OrderPaid => "order.paid",
            Msg::OrderRejected => "order.rejected",
            Msg::OrderCancelled => "order.cancelled",
            Msg::PaymentApproved => "payment.approved",
            Msg::PaymentDeclined => "payment.declined",
            Msg::ReservationExpired => "inventory.reservation_expired",
            Msg::DeliveryPreparing => "delivery.preparing",
            Msg::DeliveryDispatched => "delivery.dispatched",
        }
    }
}

const CONTEXTS: [&str; 4] = ["order", "payment", "inventory", "delivery"];
const AMOUNT: i64 = 69_000;
const QUANTITY: i64 = 2;
const ON_HAND: i64 = 12;

/// What the card processor did under the order's keys (its own books, outside the shop).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Charge {
    Approved,
    Declined,
    /// Voided: reversed if it had gone through, refused if it comes later.
    Voided,
}

/// One order's world: each context's state, its queue, and its inbox.
struct World {
    card_approves: bool,
    /// `None`: the reply to `inventory.reserve` was lost and the order was never stored.
    order: Option<Order>,
    abandoned: bool,
    payment: Option<Payment>,
    /// Payment learnt the order ended while a charge was in flight.
    ended: bool,
    /// The processor's books.
    charge: Option<Charge>,
    refunded: i64,
    reservation: Reservation,
    expiry_announced: bool,
    on_hand: i64,
    reserved: i64,
    delivery: Option<Delivery>,
    queues: [Vec<(u64, Msg)>; 4],
    /// Charges whose processor answer is in hand but not yet recorded: the handler is still
    /// running while other messages are handled (message id, the processor's answer).
    in_flight: Vec<(u64, Charge)>,
    inboxes: [HashSet<u64>; 4],
    next_id: u64,
}

/// Something that can happen next.
#[derive(Clone, Debug)]
enum Action {
    /// Deliver a pending message of a context; `redeliver` leaves a copy behind; `stop_after`
    /// stops a handler of several steps after that many (the message then comes back).
    Deliver {
        context: usize,
        pick: usize,
        redeliver: bool,
        stop_after: Option<u8>,
    },
    /// The customer cancels; delivery's answer may be lost after delivery committed.
    Cancel {
        reply_lost: bool,
    },
    Expire,
    Dispatch,
    /// A charge handler paused after the processor answered goes on.
    Resume {
        pick: usize,
    },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        8 => (0..4usize, 0..8usize, any::<bool>(), prop::option::weighted(0.3, 0..3u8))
            .prop_map(|(context, pick, redeliver, stop_after)| Action::Deliver {
                context, pick, redeliver, stop_after
            }),
        1 => any::<bool>().prop_map(|reply_lost| Action::Cancel { reply_lost }),
        1 => Just(Action::Expire),
        1 => Just(Action::Dispatch),
        2 => (0..4usize).prop_map(|pick| Action::Resume { pick }),
    ]
}

/// How far a handler of several steps got.
enum Handled {
    Done,
    /// Still running: finishes on [`Action::Resume`].
    InFlight,
    /// Not applied (yet): the message stays queued and comes back.
    Later,
}

impl World {
    /// An order whose stock inventory reserved; `stored` is false when the reply to the
    /// reservation was lost and order never stored it.
    fn placed(card_approves: bool, stored: bool) -> Self {
        let mut world = World {
            card_approves,
            order: stored.then_some(Order::Placed),
            abandoned: false,
            payment: None,
            ended: false,
            charge: None,
            refunded: 0,
            reservation: Reservation::Held,
            expiry_announced: false,
            on_hand: ON_HAND,
            reserved: QUANTITY,
            delivery: None,
            queues: Default::default(),
            in_flight: Vec::new(),
            inboxes: Default::default(),
            next_id: 0,
        };
        if stored {
            // Staged in one transaction: the order for everyone, its charge for payment.
            world.publish(Msg::OrderPlaced);
            world.publish(Msg::PaymentRequested);
        }
        world
    }

    fn publish(&mut self, msg: Msg) {
        self.next_id += 1;
        for (i, context) in CONTEXTS.iter().enumerate() {
            let subscribed = ALL
                .iter()
                .any(|s| s.queue == *context && s.routing_keys.contains(&msg.routing_key()));
            if subscribed {
                self.queues[i].push((self.next_id, msg));
            }
        }
    }

    fn act(&mut self, action: &Action) {
        match *action {
            Action::Deliver {
                context,
                pick,
                redeliver,
                stop_after,
            } => {
                if self.queues[context].is_empty() {
                    return;
                }
                let at = pick % self.queues[context].len();
                let (id, msg) = if redeliver {
                    self.queues[context][at]
                } else {
                    self.queues[context].remove(at)
                };
                self.deliver(context, id, msg, stop_after);
            }
            Action::Cancel { reply_lost } => self.cancel(reply_lost),
            Action::Resume { pick } => {
                if !self.in_flight.is_empty() {
                    let (id, outcome) = self.in_flight.remove(pick % self.in_flight.len());
                    self.settle_charge(outcome);
                    self.inboxes[1].insert(id);
                }
            }
            Action::Expire => {
                if self.reservation == Reservation::Held && !self.expiry_announced {
                    self.expiry_announced = true;
                    self.publish(Msg::ReservationExpired);
                }
            }
            Action::Dispatch => {
                if let Some(Ok(next)) = self.delivery.map(|d| d.take(delivery::Step::Dispatch)) {
                    self.delivery = Some(next);
                    self.publish(Msg::DeliveryDispatched);
                }
            }
        }
    }

    /// The consumer: skip what the inbox has seen, apply the rest, keep what must be retried.
    fn deliver(&mut self, context: usize, id: u64, msg: Msg, stop_after: Option<u8>) {
        if self.inboxes[context].contains(&id) {
            return;
        }
        match self.handle(CONTEXTS[context], id, msg, stop_after) {
            Handled::Done => {
                self.inboxes[context].insert(id);
            }
            Handled::InFlight => {}
            Handled::Later => {
                if !self.queues[context].contains(&(id, msg)) {
                    self.queues[context].push((id, msg));
                }
            }
        }
    }

    /// The processor charges under the order's key: the first call decides.
    fn processor_charge(&mut self) -> Charge {
        *self.charge.get_or_insert(if self.card_approves {
            Charge::Approved
        } else {
            Charge::Declined
        })
    }

    /// Payment's charge: intent, processor, settlement — each step its own commit.
    /// `stop_after`: 1 and 2 stop the handler after that step (the message comes back); 0 keeps
    /// it running after the processor answered, while other messages are handled.
    fn charge(&mut self, id: u64, stop_after: Option<u8>) -> Handled {
        if on_order_placed(self.payment) != Step::Charge {
            return Handled::Done;
        }
        self.payment.get_or_insert(Payment::Charging);
        if stop_after == Some(1) {
            return Handled::Later;
        }
        let outcome = self.processor_charge();
        if stop_after == Some(2) {
            // Charged (perhaps), and the answer or the process was lost.
            return Handled::Later;
        }
        if stop_after == Some(0) {
            self.in_flight.push((id, outcome));
            return Handled::InFlight;
        }
        self.settle_charge(outcome);
        Handled::Done
    }

    /// The charge's last step: record the processor's answer if the charge is still ours.
    fn settle_charge(&mut self, outcome: Charge) {
        if outcome_counts(self.payment.expect("the intent was recorded")) {
            if outcome == Charge::Approved {
                self.payment = Some(Payment::Approved);
                self.publish(Msg::PaymentApproved);
            } else {
                self.payment = Some(Payment::Declined);
                self.publish(Msg::PaymentDeclined);
            }
        }
    }

    /// Payment hears the order ended: forbid, void or refund — again in separate steps.
    fn end_payment(&mut self, stop_after: Option<u8>) -> Handled {
        match on_order_ended(self.payment) {
            Step::ForbidCharge => self.payment = Some(Payment::Cancelled),
            Step::Void => {
                self.ended = true;
                self.payment = Some(Payment::Voiding);
                if stop_after == Some(1) {
                    return Handled::Later;
                }
                self.charge = Some(Charge::Voided);
                if stop_after == Some(2) {
                    return Handled::Later;
                }
                if self.payment == Some(Payment::Voiding) {
                    self.payment = Some(Payment::Cancelled);
                }
            }
            Step::Refund => {
                self.payment = Some(Payment::Refunding);
                if stop_after == Some(1) {
                    return Handled::Later;
                }
                self.refunded = AMOUNT; // under one key: once, however often asked
                if stop_after == Some(2) {
                    return Handled::Later;
                }
                if self.payment == Some(Payment::Refunding) {
                    self.payment = Some(Payment::Refunded);
                }
            }
            Step::Charge | Step::Nothing => {}
        }
        Handled::Done
    }

    /// One context's handler.
    fn handle(&mut self, context: &str, id: u64, msg: Msg, stop_after: Option<u8>) -> Handled {
        let done = match (context, msg) {
            ("payment", Msg::PaymentRequested) => return self.charge(id, stop_after),
            ("payment", Msg::OrderCancelled | Msg::OrderRejected) => {
                return self.end_payment(stop_after)
            }
            ("order", Msg::ReservationExpired) if self.order.is_none() => {
                // Never stored by now, never will be: given up, its stock freed.
                if !self.abandoned {
                    self.abandoned = true;
                    self.publish(Msg::OrderAbandoned);
                }
                true
            }
            ("order", Msg::PaymentApproved) => {
                let order = self.order.expect("payment follows a stored order");
                if let Some(next) = order.on_payment_approved() {
                    self.order = Some(next);
                    self.publish(Msg::OrderPaid);
                }
                true
            }
            ("order", Msg::PaymentDeclined | Msg::ReservationExpired) => {
                let order = self.order.expect("handled above when never stored");
                if let Some(next) = order.on_payment_failed() {
                    self.order = Some(next);
                    self.publish(Msg::OrderRejected);
                }
                true
            }
            ("order", Msg::DeliveryPreparing | Msg::DeliveryDispatched) => {
                let fact = if msg == Msg::DeliveryPreparing {
                    DeliveryFact::Preparing
                } else {
                    DeliveryFact::Dispatched
                };
                let order = self.order.expect("deliveries follow a stored order");
                if let Some(next) = order.on_delivery(fact) {
                    self.order = Some(next);
                }
                true
            }
            ("order", Msg::DeliveryCancelled) => {
                // A cancel whose answer from delivery was lost completes here.
                if let Some(Ok(next)) = self.order.map(Order::cancel) {
                    self.order = Some(next);
                    self.publish(Msg::OrderCancelled);
                }
                true
            }
            (
                "inventory",
                Msg::PaymentApproved
                | Msg::OrderRejected
                | Msg::OrderCancelled
                | Msg::OrderAbandoned,
            ) => {
                let fact = match msg {
                    Msg::PaymentApproved => Fact::Paid,
                    Msg::OrderRejected | Msg::OrderAbandoned => Fact::Rejected,
                    _ => Fact::Cancelled,
                };
                if let Some((next, effect)) = self.reservation.on(fact) {
                    self.reservation = next;
                    match effect {
                        StockEffect::Sell => {
                            self.on_hand -= QUANTITY;
                            self.reserved -= QUANTITY;
                        }
                        StockEffect::Free => self.reserved -= QUANTITY,
                        StockEffect::PutBack => self.on_hand += QUANTITY,
                    }
                }
                true
            }
            ("delivery", Msg::OrderPlaced) => {
                self.delivery.get_or_insert(Delivery::Pending);
                true
            }
            ("delivery", Msg::OrderPaid) => match self.delivery {
                None => false,
                Some(current) => {
                    if let Some(next) = current.on_paid() {
                        self.delivery = Some(next);
                        self.publish(Msg::DeliveryPreparing);
                    }
                    true
                }
            },
            ("delivery", Msg::OrderRejected | Msg::OrderCancelled) => {
                // Refused only once the flowers left, which a cancelled order never reaches.
                self.stop_delivery();
                true
            }
            (context, msg) => panic!("{context} is subscribed to {msg:?} but has no handler"),
        };
        if done {
            Handled::Done
        } else {
            Handled::Later
        }
    }

    /// Delivery stops the delivery (and says so when that changes anything); false if the
    /// flowers already left.
    fn stop_delivery(&mut self) -> bool {
        let next = match self.delivery.map(Delivery::cancel) {
            None => Delivery::Cancelled,
            Some(Ok(next)) => next,
            Some(Err(_)) => return false,
        };
        if self.delivery != Some(next) {
            self.delivery = Some(next);
            self.publish(Msg::DeliveryCancelled);
        }
        true
    }

    /// The customer cancels: order decides, asks delivery synchronously, then tells the shop;
    /// unless delivery's answer is lost after delivery committed.
    fn cancel(&mut self, reply_lost: bool) {
        let Some(Ok(next)) = self.order.map(Order::cancel) else {
            return;
        };
        if !self.stop_delivery() || reply_lost {
            return;
        }
        self.order = Some(next);
        self.publish(Msg::OrderCancelled);
    }

    /// Time passes and every message is handled, without further faults; an unpaid
    /// reservation's hold runs out.
    fn drain(&mut self) {
        for round in 0..2 {
            while !self.in_flight.is_empty() {
                self.act(&Action::Resume { pick: 0 });
            }
            for _ in 0..1_000 {
                let Some(context) = (0..4).find(|&c| !self.queues[c].is_empty()) else {
                    break;
                };
                let (id, msg) = self.queues[context].remove(0);
                self.deliver(context, id, msg, None);
            }
            if (0..4).any(|c| !self.queues[c].is_empty()) {
                panic!("the queues never drained: {:?}", self.queues);
            }
            if round == 0 {
                self.act(&Action::Expire);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn any_interleaving_of_the_saga_balances_the_books(
        card_approves in any::<bool>(),
        stored in prop::bool::weighted(0.85),
        actions in prop::collection::vec(action(), 0..60),
    ) {
        let mut world = World::placed(card_approves, stored);
        for action in &actions {
            world.act(action);
        }
        world.drain();

        let paid = world.order.is_some_and(Order::is_paid);
        match world.order {
            Some(order) => prop_assert_ne!(order, Order::Placed, "every order gets an answer"),
            None => prop_assert!(world.abandoned, "an order never stored is given up"),
        }
        prop_assert_eq!(world.reserved, 0, "nothing stays reserved");
        prop_assert!(
            world.payment.is_none_or(Payment::is_final),
            "payment left half way: {:?}", world.payment
        );
        let kept = if world.charge == Some(Charge::Approved) { AMOUNT } else { 0 };
        let recorded = if matches!(world.payment, Some(Payment::Approved | Payment::Refunded)) {
            AMOUNT
        } else {
            0
        };
        prop_assert_eq!(recorded, kept, "payment's books disagree with the processor's");
        prop_assert_eq!(
            kept - world.refunded,
            if paid { AMOUNT } else { 0 },
            "the processor kept money for an order that is not paid ({:?}, {:?})",
            world.order, world.payment
        );
        prop_assert_eq!(ON_HAND - world.on_hand, if paid { QUANTITY } else { 0 });
        let delivering = matches!(
            world.delivery,
            Some(Delivery::Preparing | Delivery::OutForDelivery | Delivery::Delivered)
        );
        prop_assert_eq!(delivering, paid, "{:?} / {:?}", world.order, world.delivery);
        if !card_approves {
            prop_assert_ne!(world.charge, Some(Charge::Approved));
        }
    }
}
