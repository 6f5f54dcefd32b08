//! `petal audit`: reads every context's database (and the broker's parking queues) and reports
//! each broken invariant of the shop with the ids involved. The integration tests and the chaos
//! run end with it; an operator runs it after an incident.
//!
//! It reads committed state only and changes nothing. Orders still inside their hold, and
//! payments or reservations younger than [`SETTLING`], may legitimately be half way through the
//! saga and are not reported.

use crate::{roles::PROCESSOR, Settings};
use anyhow::Context;
use sqlx::{mysql::MySqlPoolOptions, postgres::PgPoolOptions};
use std::{collections::HashMap, fmt, time::Duration};
use uuid::Uuid;

/// How long a step of the saga may take before a state still in progress counts as stuck.
pub const SETTLING: Duration = Duration::from_secs(60);

/// The invariants the audit checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Invariant {
    /// Stock on hand equals the sum of its movements; 0 ≤ reserved ≤ on hand.
    StockMatchesMovements,
    /// Reserved equals what held reservations hold.
    ReservedMatchesReservations,
    /// No reservation is held past its hold (plus [`SETTLING`]), with or without an order.
    NoReservationHeldForever,
    /// No order waits for payment past its hold (plus [`SETTLING`]).
    EveryOrderAnswered,
    /// Per order, charged − refunded is the total of a paid, not cancelled order, else 0.
    MoneyMatchesOrders,
    /// No payment stays half way (charging, voiding, refunding).
    PaymentsSettled,
    /// The card processor's books agree with payment's, order by order.
    ProcessorAgrees,
    /// Paid, not cancelled orders have a delivery under way; ended orders have none.
    DeliveriesMatchOrders,
    /// Each customer-facing fact has exactly one message.
    OneMessagePerFact,
    /// The read models agree with the contexts.
    ViewAgrees,
    /// No message is parked.
    NothingParked,
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words = match self {
            Self::StockMatchesMovements => "stock on hand = its movements",
            Self::ReservedMatchesReservations => "reserved = held reservations",
            Self::NoReservationHeldForever => "no reservation held past its hold",
            Self::EveryOrderAnswered => "every order answered within its hold",
            Self::MoneyMatchesOrders => "charged − refunded = what paid orders cost",
            Self::PaymentsSettled => "no payment left half way",
            Self::ProcessorAgrees => "the card processor agrees with payment",
            Self::DeliveriesMatchOrders => "deliveries match paid orders",
            Self::OneMessagePerFact => "one message per customer-facing fact",
            Self::ViewAgrees => "the view agrees with the contexts",
            Self::NothingParked => "nothing parked",
        };
        f.write_str(words)
    }
}

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub invariant: Invariant,
    /// What is wrong, with the ids involved.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.invariant, self.detail)
    }
}

/// The statuses of an order that mean it is paid and not cancelled.
const PAID: &[&str] = &["paid", "preparing", "out_for_delivery", "delivered"];
/// Customer-facing facts as the view's timeline names them (each gets one message).
const FACTS: &[&str] = &[
    "placed",
    "payment_approved",
    "rejected",
    "cancelled",
    "refunded",
    "preparing",
    "out_for_delivery",
    "delivered",
];

/// Audits the shop `settings` point at; an empty list means every invariant holds.
pub async fn run(settings: &Settings) -> anyhow::Result<Vec<Violation>> {
    let connect = |context: &str| {
        let url = settings.database_url(context);
        let context = context.to_owned();
        async move {
            PgPoolOptions::new()
                .max_connections(1)
                .connect(&url)
                .await
                .with_context(|| format!("reading the {context} database"))
        }
    };
    let inventory = connect("inventory").await?;
    let order = connect("order").await?;
    let payment = connect("payment").await?;
    let delivery = connect("delivery").await?;
    let view = connect("view").await?;
    let notification = MySqlPoolOptions::new()
        .max_connections(1)
        .connect(&settings.database_url(notification::CONTEXT))
        .await
        .context("reading the notification database")?;
    let processor = connect(PROCESSOR).await.ok();

    let mut found = Vec::new();
    let mut report = |invariant: Invariant, detail: String| {
        found.push(Violation { invariant, detail });
    };
    let stale = chrono::Duration::from_std(settings.reservation_hold + SETTLING)?;
    let settling = chrono::Duration::from_std(SETTLING)?;
    let now = chrono::Utc::now();

    // Stock.
    let products: Vec<(String, i32, i32, i64, i64)> = sqlx::query_as(
        "SELECT p.slug, p.on_hand, p.reserved,
                (SELECT COALESCE(sum(delta), 0) FROM stock_movements m WHERE m.product_id = p.id)::BIGINT,
                (SELECT COALESCE(sum(l.quantity), 0) FROM reservation_lines l
                   JOIN reservations r USING (order_id)
                  WHERE l.product_id = p.id AND r.status = 'held')::BIGINT
         FROM products p ORDER BY p.slug",
    )
    .fetch_all(&inventory)
    .await?;
    for (slug, on_hand, reserved, moved, held) in &products {
        if *on_hand < 0 || *reserved < 0 || reserved > on_hand {
            report(
                Invariant::StockMatchesMovements,
                format!("{slug}: {on_hand} on hand, {reserved} reserved"),
            );
        }
        if i64::from(*on_hand) != *moved {
            report(
                Invariant::StockMatchesMovements,
                format!("{slug}: {on_hand} on hand but its movements add up to {moved}"),
            );
        }
        if i64::from(*reserved) != *held {
            report(
                Invariant::ReservedMatchesReservations,
                format!("{slug}: {reserved} reserved but held reservations hold {held}"),
            );
        }
    }
    let held_too_long: Vec<Uuid> = sqlx::query_scalar(
        "SELECT order_id FROM reservations WHERE status = 'held' AND expires_at < $1
         ORDER BY order_id",
    )
    .bind(now - settling)
    .fetch_all(&inventory)
    .await?;
    for order_id in held_too_long {
        report(
            Invariant::NoReservationHeldForever,
            format!("order {order_id}: stock still held past its hold"),
        );
    }

    // Orders, money, deliveries.
    let orders: HashMap<Uuid, (String, i64, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as::<_, (Uuid, String, i64, chrono::DateTime<chrono::Utc>)>(
            "SELECT id, status, total_won, placed_at FROM orders",
        )
        .fetch_all(&order)
        .await?
        .into_iter()
        .map(|(id, status, total, placed_at)| (id, (status, total, placed_at)))
        .collect();
    for (id, (status, _, placed_at)) in &orders {
        if status == "placed" && *placed_at < now - stale {
            report(
                Invariant::EveryOrderAnswered,
                format!("order {id}: still waiting for payment since {placed_at}"),
            );
        }
    }
    let payments: HashMap<Uuid, (String, i64, i64, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as::<_, (Uuid, String, i64, i64, chrono::DateTime<chrono::Utc>)>(
            "SELECT p.order_id, p.status,
                    CASE WHEN p.status IN ('approved', 'refunding', 'refunded')
                         THEN p.amount_won ELSE 0 END,
                    COALESCE((SELECT sum(r.amount_won) FROM refunds r
                               WHERE r.order_id = p.order_id), 0)::BIGINT,
                    p.updated_at
             FROM payments p",
        )
        .fetch_all(&payment)
        .await?
        .into_iter()
        .map(|(id, status, charged, refunded, at)| (id, (status, charged, refunded, at)))
        .collect();
    for (id, (status, _, _, at)) in &payments {
        if matches!(status.as_str(), "charging" | "voiding" | "refunding") && *at < now - settling {
            report(
                Invariant::PaymentsSettled,
                format!("order {id}: payment {status} since {at}"),
            );
        }
    }
    let mut ids: Vec<&Uuid> = orders.keys().chain(payments.keys()).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let owed = match orders.get(id) {
            Some((status, total, _)) if PAID.contains(&status.as_str()) => *total,
            _ => 0,
        };
        let (charged, refunded) = payments
            .get(id)
            .map_or((0, 0), |(_, charged, refunded, _)| (*charged, *refunded));
        let settled = payments.get(id).is_none_or(|(status, ..)| {
            !matches!(status.as_str(), "charging" | "voiding" | "refunding")
        });
        if settled && charged - refunded != owed {
            report(
                Invariant::MoneyMatchesOrders,
                format!(
                    "order {id}: charged {charged} − refunded {refunded} but it owes {owed} ({})",
                    orders.get(id).map_or("never stored", |(s, ..)| s.as_str())
                ),
            );
        }
    }
    if let Some(processor) = &processor {
        let ledger: Vec<(String, i64)> = sqlx::query_as(
            "SELECT c.key,
                    (CASE WHEN c.outcome = 'approved' THEN c.amount_won ELSE 0 END)
                    - COALESCE((SELECT sum(r.amount_won) FROM processor_refunds r
                                 WHERE r.key = 'refund-' || c.key), 0)::BIGINT
             FROM processor_charges c",
        )
        .fetch_all(processor)
        .await
        .unwrap_or_default();
        for (key, net) in ledger {
            let Ok(id) = key.parse::<Uuid>() else {
                continue;
            };
            let (status, charged, refunded) = payments
                .get(&id)
                .map_or(("none", 0, 0), |(s, c, r, _)| (s.as_str(), *c, *r));
            if matches!(status, "charging" | "voiding" | "refunding") {
                continue;
            }
            if net != charged - refunded {
                report(
                    Invariant::ProcessorAgrees,
                    format!(
                        "order {id}: the processor kept {net} but payment records {} ({status})",
                        charged - refunded
                    ),
                );
            }
        }
    }
    let deliveries: HashMap<Uuid, String> =
        sqlx::query_as::<_, (Uuid, String)>("SELECT order_id, status FROM deliveries")
            .fetch_all(&delivery)
            .await?
            .into_iter()
            .collect();
    let live = |id: &Uuid| {
        deliveries
            .get(id)
            .is_some_and(|s| matches!(s.as_str(), "preparing" | "out_for_delivery" | "delivered"))
    };
    for (id, (status, _, _)) in &orders {
        let paid = PAID.contains(&status.as_str());
        if paid && status != "paid" && !live(id) {
            report(
                Invariant::DeliveriesMatchOrders,
                format!(
                    "order {id} is {status} but its delivery is {:?}",
                    deliveries.get(id)
                ),
            );
        }
        if matches!(status.as_str(), "cancelled" | "rejected") && live(id) {
            report(
                Invariant::DeliveriesMatchOrders,
                format!(
                    "order {id} is {status} but its delivery is {:?}",
                    deliveries.get(id)
                ),
            );
        }
    }

    // Messages: one per customer-facing fact, order by order.
    let facts: HashMap<Uuid, i64> = sqlx::query_as::<_, (Uuid, i64)>(
        "SELECT order_id, count(*) FROM order_timeline WHERE step = ANY($1) GROUP BY order_id",
    )
    .bind(FACTS)
    .fetch_all(&view)
    .await?
    .into_iter()
    .collect();
    let messages: HashMap<Uuid, i64> = sqlx::query_as::<_, (Uuid, i64)>(
        "SELECT order_id, COUNT(*) FROM messages WHERE order_id IS NOT NULL GROUP BY order_id",
    )
    .fetch_all(&notification)
    .await?
    .into_iter()
    .collect();
    let mut with_facts: Vec<&Uuid> = facts.keys().chain(messages.keys()).collect();
    with_facts.sort();
    with_facts.dedup();
    for id in with_facts {
        let (f, m) = (
            facts.get(id).copied().unwrap_or(0),
            messages.get(id).copied().unwrap_or(0),
        );
        if f != m {
            report(
                Invariant::OneMessagePerFact,
                format!("order {id}: {f} customer-facing facts but {m} messages"),
            );
        }
    }

    // The view against the contexts.
    let histories: Vec<(Uuid, String, String, String)> = sqlx::query_as(
        "SELECT order_id, status, payment_status, delivery_status FROM order_histories",
    )
    .fetch_all(&view)
    .await?;
    for (id, status, payment_status, delivery_status) in &histories {
        match orders.get(id) {
            None => report(
                Invariant::ViewAgrees,
                format!("order {id} is in the view but order never stored it"),
            ),
            Some((truth, ..)) if !view_status_agrees(truth, status) => report(
                Invariant::ViewAgrees,
                format!("order {id}: the view says {status}, order says {truth}"),
            ),
            Some(_) => {}
        }
        if let Some(truth) = deliveries.get(id) {
            if truth == "cancelled" && delivery_status != "cancelled" {
                report(
                    Invariant::ViewAgrees,
                    format!("order {id}: the view says delivery {delivery_status}, delivery says cancelled"),
                );
            }
        }
        if let Some((truth, ..)) = payments.get(id) {
            if truth == "refunded" && payment_status != "refunded" {
                report(
                    Invariant::ViewAgrees,
                    format!(
                        "order {id}: the view says payment {payment_status}, payment says refunded"
                    ),
                );
            }
        }
    }
    for id in orders.keys() {
        if !histories.iter().any(|(h, ..)| h == id) {
            report(
                Invariant::ViewAgrees,
                format!("order {id} is missing from the view"),
            );
        }
    }
    let shown: HashMap<String, i32> =
        sqlx::query_as::<_, (String, i32)>("SELECT slug, available FROM product_infos")
            .fetch_all(&view)
            .await?
            .into_iter()
            .collect();
    for (slug, on_hand, reserved, ..) in &products {
        let available = on_hand - reserved;
        if shown.get(slug) != Some(&available) {
            report(
                Invariant::ViewAgrees,
                format!(
                    "{slug}: the catalog shows {:?} available, inventory has {available}",
                    shown.get(slug)
                ),
            );
        }
    }

    // Parked messages.
    let broker = messaging::Broker::new(settings.amqp_url.as_str(), "petal audit");
    let topology = messaging::Topology::new(settings.broker_prefix.as_str());
    for subscription in contracts::subscriptions::ALL {
        let parked = messaging::parking::list(&broker, &topology, subscription.queue)
            .await?
            .len();
        if parked > 0 {
            report(
                Invariant::NothingParked,
                format!(
                    "{parked} message(s) parked in {} (see `petal parked {}`)",
                    topology.parking_queue(subscription.queue),
                    subscription.queue
                ),
            );
        }
    }
    broker.close().await;

    for pool in [inventory, order, payment, delivery, view]
        .into_iter()
        .chain(processor)
    {
        pool.close().await;
    }
    notification.close().await;
    Ok(found)
}

/// The view's order status follows order's; it may say `paid` where order moved on with the
/// delivery (the view keeps the delivery's progress in its own column).
fn view_status_agrees(order: &str, view: &str) -> bool {
    order == view || (PAID.contains(&order) && view == "paid")
}
