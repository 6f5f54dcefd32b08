//! The order saga across inventory, order and payment, over the real RabbitMQ and PostgreSQL:
//! place, pay or decline, cancel, run out of stock, race for the last bouquet, lose a context
//! mid-saga, let a reservation expire, and lose inventory altogether.
//! After each test the books must balance (see `Shop::assert_books_balance`).

use crate::support::*;
use contracts::{Event, Won};
use order::{BreakerSettings, CancelError, InventoryUnavailable, PlaceError};
use petal::Role;
use std::time::Duration;
use uuid::Uuid;

const WREATH: &str = "celebration-wreath"; // 3 on hand in the demo catalog
const ROSES: &str = "red-rose-bouquet"; // 12 on hand, ₩69,000

async fn stock(shop: &Shop, slug: &str) -> (i32, i32) {
    let product = shop.inventory().await.product(slug).await.unwrap().unwrap();
    (product.on_hand, product.reserved)
}

#[tokio::test]
async fn a_paid_order_sells_its_stock() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;

    let placed = orders
        .place(place(Uuid::now_v7(), &[(ROSES, 2)], APPROVES))
        .await
        .unwrap();
    assert_eq!(
        placed.total,
        Won(138_000),
        "priced by inventory, not the caller"
    );
    eventually("the order is paid", || async {
        matches!(
            shop.order_status(&orders, placed.order_id).await.as_str(),
            "paid" | "preparing"
        )
    })
    .await;
    eventually("two roses are sold", || async {
        stock(&shop, ROSES).await == (10, 0)
    })
    .await;
    let read_models = shop.read_models().await;
    eventually("the storefront shows ten roses", || async {
        available(&read_models, ROSES).await == Some(10)
    })
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn a_paid_order_is_prepared_sent_out_and_delivered_and_then_cannot_be_cancelled() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;
    let deliveries = shop.deliveries().await;
    let customer = Uuid::now_v7();

    let placed = orders
        .place(place(customer, &[(ROSES, 1)], APPROVES))
        .await
        .unwrap();
    eventually("the florist starts preparing", || async {
        shop.order_status(&orders, placed.order_id).await == "preparing"
    })
    .await;
    let delivery = deliveries.get(placed.order_id).await.unwrap().unwrap();
    assert_eq!(delivery.recipient_name.as_deref(), Some("김하늘"));
    assert_eq!(delivery.card_message.as_deref(), Some("생일 축하해!"));
    assert!(
        matches!(
            deliveries
                .advance(placed.order_id, delivery::Step::Deliver, "staff")
                .await,
            Err(delivery::AdvanceError::Refused(_))
        ),
        "not delivered before it left"
    );

    deliveries
        .advance(placed.order_id, delivery::Step::Dispatch, "staff")
        .await
        .unwrap();
    eventually("the order is out for delivery", || async {
        shop.order_status(&orders, placed.order_id).await == "out_for_delivery"
    })
    .await;
    match orders.cancel(placed.order_id, customer).await {
        Err(CancelError::Refused(reason)) => {
            assert_eq!(reason.to_string(), "the flowers have already left the shop")
        }
        other => panic!("cancelling after dispatch must be refused, got {other:?}"),
    }
    deliveries
        .advance(placed.order_id, delivery::Step::Deliver, "staff")
        .await
        .unwrap();
    eventually("the order is delivered", || async {
        shop.order_status(&orders, placed.order_id).await == "delivered"
    })
    .await;
    shop.assert_books_balance().await;

    let read_models = shop.read_models().await;
    eventually("orderHistories shows the delivery", || async {
        read_models
            .order_history(placed.order_id)
            .await
            .unwrap()
            .is_some_and(|(order, _)| {
                order.delivery_status == contracts::progress::DeliveryStatus::Delivered
            })
    })
    .await;
    let (order, timeline) = read_models
        .order_history(placed.order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (order.status.as_str(), order.payment_status.as_str()),
        ("paid", "approved"),
        "the order's own status stays paid; delivery progress has its own column"
    );
    let steps: Vec<&str> = timeline.iter().map(|s| s.step.as_str()).collect();
    for step in [
        "placed",
        "payment_approved",
        "paid",
        "preparing",
        "out_for_delivery",
        "delivered",
    ] {
        assert!(steps.contains(&step), "{step} missing from {steps:?}");
    }
    assert_eq!(steps.len(), 6, "one step per fact: {steps:?}");
    let inbox = shop.inbox().await;
    eventually("the customer heard of every step", || async {
        inbox.messages(customer).await.unwrap().len() == 5
    })
    .await;
    let messages = inbox.messages(customer).await.unwrap();
    let facts: Vec<&str> = messages.iter().map(|m| m.fact.as_str()).collect();
    assert_eq!(
        facts,
        [
            "delivery.delivered",
            "delivery.dispatched",
            "delivery.preparing",
            "payment.approved",
            "order.placed"
        ],
        "newest first, one per fact"
    );
    assert!(messages[0].title_ko.contains("배송 완료"));
    assert_eq!(inbox.unread(customer).await.unwrap(), 5);
    assert!(inbox.mark_read(customer, messages[0].id).await.unwrap());
    assert!(
        !inbox
            .mark_read(Uuid::now_v7(), messages[1].id)
            .await
            .unwrap(),
        "not someone else's"
    );
    assert_eq!(inbox.unread(customer).await.unwrap(), 4);
    assert!(inbox.messages(Uuid::now_v7()).await.unwrap().is_empty());
    let mine = read_models.order_histories(customer).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(read_models
        .order_histories(Uuid::now_v7())
        .await
        .unwrap()
        .is_empty());

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn a_declined_card_rejects_the_order_and_frees_the_stock() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;

    let placed = orders
        .place(place(Uuid::now_v7(), &[(ROSES, 3)], DECLINES))
        .await
        .unwrap();
    eventually("the order is rejected", || async {
        shop.order_status(&orders, placed.order_id).await == "rejected"
    })
    .await;
    let order = orders.get(placed.order_id).await.unwrap().unwrap();
    assert_eq!(
        order.rejection_reason.as_deref(),
        Some("the card was declined by its bank")
    );
    eventually("the roses are free again", || async {
        stock(&shop, ROSES).await == (12, 0)
    })
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn ordering_more_than_is_left_is_refused_with_what_is_left() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;

    let command = place(Uuid::now_v7(), &[(WREATH, 4)], APPROVES);
    let order_id = command.order_id;
    match orders.place(command).await {
        Err(PlaceError::OutOfStock {
            slug,
            requested,
            available,
            ..
        }) => assert_eq!((slug.as_str(), requested, available), (WREATH, 4, 3)),
        other => panic!("expected out of stock, got {other:?}"),
    }
    assert!(
        orders.get(order_id).await.unwrap().is_none(),
        "nothing stored"
    );
    assert_eq!(stock(&shop, WREATH).await, (3, 0), "nothing held");

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn two_customers_racing_for_the_last_wreath_one_wins() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;
    orders
        .place(place(Uuid::now_v7(), &[(WREATH, 2)], APPROVES))
        .await
        .unwrap();

    let (first, second) = tokio::join!(
        orders.place(place(Uuid::now_v7(), &[(WREATH, 1)], APPROVES)),
        orders.place(place(Uuid::now_v7(), &[(WREATH, 1)], APPROVES)),
    );
    let outcomes = [first, second];
    let winners = outcomes.iter().filter(|o| o.is_ok()).count();
    assert_eq!(winners, 1, "{outcomes:?}");
    assert!(outcomes
        .iter()
        .any(|o| matches!(o, Err(PlaceError::OutOfStock { available: 0, .. }))));
    eventually("all three wreaths are sold", || async {
        stock(&shop, WREATH).await == (0, 0)
    })
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn placing_the_same_order_twice_places_it_once() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;

    let command = place(Uuid::now_v7(), &[(ROSES, 1)], APPROVES);
    let first = orders.place(command.clone()).await.unwrap();
    let again = orders.place(command.clone()).await.unwrap();
    assert_eq!(first.order_id, again.order_id);
    let stranger = order::PlaceOrder {
        customer_id: Uuid::now_v7(),
        ..command
    };
    assert!(matches!(
        orders.place(stranger).await,
        Err(PlaceError::NotYours)
    ));
    eventually("one rose is sold", || async {
        stock(&shop, ROSES).await == (11, 0)
    })
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn cancelling_a_paid_order_refunds_it_and_puts_the_flowers_back() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;
    let customer = Uuid::now_v7();

    let placed = orders
        .place(place(customer, &[(ROSES, 2)], APPROVES))
        .await
        .unwrap();
    eventually("the order is being prepared", || async {
        shop.order_status(&orders, placed.order_id).await == "preparing"
    })
    .await;
    assert!(
        matches!(
            orders.cancel(placed.order_id, Uuid::now_v7()).await,
            Err(CancelError::NotFound)
        ),
        "another customer cannot cancel it"
    );
    orders.cancel(placed.order_id, customer).await.unwrap();

    let payments = shop.pool("payment").await;
    eventually("the payment is refunded", || async {
        let status: String = sqlx::query_scalar("SELECT status FROM payments WHERE order_id = $1")
            .bind(placed.order_id)
            .fetch_one(&payments)
            .await
            .unwrap();
        status == "refunded"
    })
    .await;
    eventually("the roses are back", || async {
        stock(&shop, ROSES).await == (12, 0)
    })
    .await;
    assert_eq!(
        orders.cancel(placed.order_id, customer).await.ok(),
        Some(order::domain::Status::Cancelled),
        "cancelling again (a retry) finds it done, and changes nothing"
    );
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn an_order_cancelled_before_the_charge_went_through_is_never_charged() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;
    let customer = Uuid::now_v7();

    // The processor does not answer this card, so the charge is still being retried.
    let placed = orders
        .place(place(customer, &[(ROSES, 1)], TIMES_OUT))
        .await
        .unwrap();
    orders.cancel(placed.order_id, customer).await.unwrap();

    let payments = shop.pool("payment").await;
    eventually("payment settles without a charge", || async {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM payments WHERE order_id = $1")
                .bind(placed.order_id)
                .fetch_optional(&payments)
                .await
                .unwrap();
        matches!(status.as_deref(), Some("cancelled" | "declined"))
    })
    .await;
    eventually("the rose is free again", || async {
        stock(&shop, ROSES).await == (12, 0)
    })
    .await;
    assert_eq!(
        shop.order_status(&orders, placed.order_id).await,
        "cancelled"
    );
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn the_saga_completes_when_payment_was_down_while_the_order_was_placed() {
    let shop = Shop::new();
    let without_payment = shop
        .start(&[
            Role::Inventory,
            Role::Order,
            Role::Delivery,
            Role::Notification,
            Role::Web,
        ])
        .await;
    // Payment's database and queue exist from an earlier life.
    shop.start(&[Role::Payment]).await.stop().await;
    let orders = shop.orders(BreakerSettings::default()).await;

    let placed = orders
        .place(place(Uuid::now_v7(), &[(ROSES, 1)], APPROVES))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shop.order_status(&orders, placed.order_id).await, "placed");

    let payment = shop.start(&[Role::Payment]).await;
    eventually("the order is paid once payment is back", || async {
        matches!(
            shop.order_status(&orders, placed.order_id).await.as_str(),
            "paid" | "preparing"
        )
    })
    .await;
    shop.assert_books_balance().await;

    payment.stop().await;
    without_payment.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn an_unpaid_reservation_expires_and_the_order_is_rejected() {
    let shop = Shop::with(&[("PETAL_RESERVATION_HOLD_SECS", "1")]);
    // No payment role: nobody pays.
    let petal = shop
        .start(&[
            Role::Inventory,
            Role::Order,
            Role::Delivery,
            Role::Notification,
            Role::Web,
        ])
        .await;
    let orders = shop.orders(BreakerSettings::default()).await;

    let placed = orders
        .place(place(Uuid::now_v7(), &[(WREATH, 3)], APPROVES))
        .await
        .unwrap();
    assert_eq!(stock(&shop, WREATH).await, (3, 3));
    eventually("the order is rejected when the hold runs out", || async {
        shop.order_status(&orders, placed.order_id).await == "rejected"
    })
    .await;
    eventually("the order's rejection frees the wreaths", || async {
        stock(&shop, WREATH).await == (3, 0)
    })
    .await;
    let read_models = shop.read_models().await;
    eventually("the storefront offers the wreaths again", || async {
        available(&read_models, WREATH).await == Some(3)
    })
    .await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn without_inventory_orders_are_refused_at_once_and_the_breaker_recovers() {
    let shop = Shop::new();
    let rest = shop
        .start(&[
            Role::Order,
            Role::Payment,
            Role::Delivery,
            Role::Notification,
            Role::Web,
        ])
        .await;
    let breaker = BreakerSettings {
        deadline: Duration::from_secs(2),
        failures: 2,
        cool_down: Duration::from_millis(500),
    };
    let orders = shop.orders(breaker).await;
    let attempt = || orders.place(place(Uuid::now_v7(), &[(ROSES, 1)], APPROVES));

    for _ in 0..2 {
        // Refused because nobody listens, not after waiting out the deadline.
        match attempt().await {
            Err(PlaceError::TryAgainShortly(InventoryUnavailable::Rpc(
                messaging::rpc::RpcError::Unavailable(_),
            ))) => {}
            other => panic!("expected inventory unavailable, got {other:?}"),
        }
    }
    assert!(
        !orders.inventory().is_call_permitted(),
        "the breaker opened"
    );
    assert!(matches!(
        attempt().await,
        Err(PlaceError::TryAgainShortly(
            InventoryUnavailable::BreakerOpen
        ))
    ));

    let inventory = shop.start(&[Role::Inventory]).await;
    eventually("the breaker lets a probe through", || async {
        orders.inventory().is_call_permitted()
    })
    .await;
    attempt()
        .await
        .expect("the probe succeeds and closes the breaker");
    attempt().await.expect("and orders flow again");
    shop.assert_books_balance().await;

    inventory.stop().await;
    rest.stop().await;
    shop.finish().await;
}

/// A message a context's outbox sent.
#[derive(sqlx::FromRow)]
struct SentRow {
    message_id: Uuid,
    kind: String,
    version: i32,
    occurred_at: chrono::DateTime<chrono::Utc>,
    correlation_id: Option<String>,
    body: String,
}

/// Publishes every message every context has sent so far a second time, as a relay that
/// crashed after publishing but before marking its batch sent would.
async fn send_everything_again(shop: &Shop) -> usize {
    let broker = shop.broker();
    let channel = broker.channel().await.unwrap();
    let mut sent = 0;
    for context in ["inventory", "order", "payment", "delivery"] {
        let pool = shop.pool(context).await;
        let rows: Vec<SentRow> = sqlx::query_as(
            "SELECT message_id, kind, version, occurred_at, correlation_id, body::text AS body
             FROM outbox WHERE published_at IS NOT NULL ORDER BY position",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        for row in rows {
            let envelope = messaging::Envelope {
                id: row.message_id,
                kind: row.kind,
                version: row.version as u16,
                timestamp: row.occurred_at,
                correlation_id: row.correlation_id,
                traceparent: None,
                body: row.body.into_bytes(),
            };
            channel
                .basic_publish(
                    shop.topology().events_exchange().into(),
                    envelope.kind.as_str().into(),
                    Default::default(),
                    &envelope.body,
                    envelope.properties(),
                )
                .await
                .unwrap();
            sent += 1;
        }
        pool.close().await;
    }
    broker.close().await;
    sent
}

#[tokio::test]
async fn every_event_delivered_twice_has_one_effect() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;
    let customer = Uuid::now_v7();

    let paid = orders
        .place(place(customer, &[(ROSES, 2)], APPROVES))
        .await
        .unwrap();
    let declined = orders
        .place(place(customer, &[(WREATH, 1)], DECLINES))
        .await
        .unwrap();
    let cancelled = orders
        .place(place(customer, &[(ROSES, 1)], APPROVES))
        .await
        .unwrap();
    eventually("the third order is being prepared", || async {
        shop.order_status(&orders, cancelled.order_id).await == "preparing"
    })
    .await;
    orders.cancel(cancelled.order_id, customer).await.unwrap();
    eventually("all three orders settle", || async {
        shop.order_status(&orders, paid.order_id).await == "preparing"
            && shop.order_status(&orders, declined.order_id).await == "rejected"
            && stock(&shop, ROSES).await == (10, 0)
    })
    .await;
    shop.assert_books_balance().await;
    let inbox = shop.inbox().await;
    let messages_before = inbox.messages(customer).await.unwrap().len();

    let resent = send_everything_again(&shop).await;
    assert!(resent > 20, "only {resent} messages were sent again");
    // A fresh fact after the copies: once it is applied, the copies were handled too.
    let marker = orders
        .place(place(Uuid::now_v7(), &[(WREATH, 1)], APPROVES))
        .await
        .unwrap();
    eventually("the marker order is prepared", || async {
        shop.order_status(&orders, marker.order_id).await == "preparing"
    })
    .await;

    assert_eq!(
        stock(&shop, ROSES).await,
        (10, 0),
        "no rose sold or restored twice"
    );
    assert_eq!(stock(&shop, WREATH).await, (2, 0));
    assert_eq!(
        inbox.messages(customer).await.unwrap().len(),
        messages_before
    );
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn a_poison_message_is_parked_and_the_saga_goes_on() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;

    // A payment.approved whose body breaks its contract: every subscriber parks it.
    let mut poison = messaging::Envelope::new(
        contracts::payment::PaymentApproved::ROUTING_KEY,
        1,
        &serde_json::json!({"order_id": "not a uuid"}),
        None,
    );
    poison.body = b"{\"order_id\": 42}".to_vec();
    shop.publish(&poison).await;

    let placed = orders
        .place(place(Uuid::now_v7(), &[(ROSES, 1)], APPROVES))
        .await
        .unwrap();
    eventually("the saga goes on beside the poison", || async {
        shop.order_status(&orders, placed.order_id).await == "preparing"
    })
    .await;
    let broker = shop.broker();
    for context in ["order", "inventory", "notification", "view"] {
        let parked = messaging::parking::list(&broker, &shop.topology(), context)
            .await
            .unwrap();
        assert_eq!(parked.len(), 1, "{context} parked the poison");
        assert_eq!(parked[0].envelope.as_ref().unwrap().id, poison.id);
    }
    broker.close().await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn stock_reserved_for_an_order_that_never_came_to_exist_is_freed() {
    let shop = Shop::with(&[("PETAL_RESERVATION_HOLD_SECS", "1")]);
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;

    // Inventory reserved and committed, but the reply never reached anyone who stored the
    // order, and nobody asks again with that order id.
    let lost = Uuid::now_v7();
    let reply = orders
        .inventory()
        .reserve(&contracts::inventory::ReserveStock {
            order_id: lost,
            lines: vec![contracts::inventory::StockRequest {
                slug: WREATH.into(),
                quantity: 3,
            }],
        })
        .await
        .unwrap();
    assert!(matches!(
        reply,
        contracts::inventory::ReserveStockReply::Reserved { .. }
    ));
    assert_eq!(stock(&shop, WREATH).await, (3, 3));
    eventually("the wreaths are free once the hold ran out", || async {
        stock(&shop, WREATH).await == (3, 0)
    })
    .await;
    // The order id is given up for good: placing it now would sell stock it no longer holds.
    let mut late = place(Uuid::now_v7(), &[(WREATH, 1)], APPROVES);
    late.order_id = lost;
    assert!(matches!(
        orders.place(late).await,
        Err(PlaceError::Abandoned)
    ));
    assert_eq!(stock(&shop, WREATH).await, (3, 0));
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn an_order_whose_reserve_reply_came_too_late_holds_no_stock() {
    let shop = Shop::with(&[
        ("PETAL_RESERVATION_HOLD_SECS", "2"),
        ("PETAL_FAULT_LATE_REPLIES", "inventory.reserve=1"),
        ("PETAL_FAULT_LATE_REPLY_SECS", "3"),
    ]);
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;

    let attempt = place(Uuid::now_v7(), &[(WREATH, 2)], APPROVES);
    assert!(matches!(
        orders.place(attempt.clone()).await,
        Err(PlaceError::TryAgainShortly(_))
    ));
    assert!(orders.get(attempt.order_id).await.unwrap().is_none());
    eventually("the wreaths held for it are free again", || async {
        stock(&shop, WREATH).await == (3, 0)
    })
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

/// What the fake card processor (standing for the world outside) did under an order's key.
async fn processor_outcome(shop: &Shop, order_id: Uuid) -> Option<String> {
    let processor = shop.pool("processor").await;
    let outcome = sqlx::query_scalar("SELECT outcome FROM processor_charges WHERE key = $1")
        .bind(order_id.to_string())
        .fetch_optional(&processor)
        .await
        .unwrap();
    processor.close().await;
    outcome
}

#[tokio::test]
async fn a_charge_whose_answer_was_lost_is_voided_and_the_order_declined() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;

    let placed = orders
        .place(place(Uuid::now_v7(), &[(ROSES, 1)], CHARGES_SILENTLY))
        .await
        .unwrap();
    eventually("the order is declined", || async {
        shop.order_status(&orders, placed.order_id).await == "rejected"
    })
    .await;
    assert_eq!(
        processor_outcome(&shop, placed.order_id).await.as_deref(),
        Some("voided"),
        "the charge that went through unseen is voided, not kept"
    );
    eventually("the rose is free again", || async {
        stock(&shop, ROSES).await == (12, 0)
    })
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn an_order_cancelled_while_its_charge_is_in_flight_keeps_no_money() {
    // The processor takes a second to answer, so the cancellation lands mid-charge.
    let shop = Shop::with(&[("PETAL_FAKE_PROCESSOR_LATENCY_MS", "1000")]);
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;
    let customer = Uuid::now_v7();

    let placed = orders
        .place(place(customer, &[(ROSES, 1)], APPROVES))
        .await
        .unwrap();
    let payments = shop.pool("payment").await;
    eventually("the charge is under way", || async {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM payments WHERE order_id = $1")
                .bind(placed.order_id)
                .fetch_optional(&payments)
                .await
                .unwrap();
        status.as_deref() == Some("charging")
    })
    .await;
    orders.cancel(placed.order_id, customer).await.unwrap();

    eventually("the payment settles", || async {
        let status: String = sqlx::query_scalar("SELECT status FROM payments WHERE order_id = $1")
            .bind(placed.order_id)
            .fetch_one(&payments)
            .await
            .unwrap();
        matches!(status.as_str(), "cancelled" | "refunded")
    })
    .await;
    assert_ne!(
        processor_outcome(&shop, placed.order_id).await.as_deref(),
        Some("approved"),
        "a charge that went through was voided"
    );
    assert_eq!(
        shop.order_status(&orders, placed.order_id).await,
        "cancelled"
    );
    eventually("the rose is back", || async {
        stock(&shop, ROSES).await == (12, 0)
    })
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn a_cancel_whose_answer_from_delivery_was_lost_still_completes() {
    let shop = Shop::with(&[
        ("PETAL_FAULT_LATE_REPLIES", "delivery.cancel=1"),
        ("PETAL_FAULT_LATE_REPLY_SECS", "3"),
    ]);
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;
    let customer = Uuid::now_v7();

    let placed = orders
        .place(place(customer, &[(ROSES, 2)], APPROVES))
        .await
        .unwrap();
    eventually("the order is being prepared", || async {
        shop.order_status(&orders, placed.order_id).await == "preparing"
    })
    .await;
    assert!(matches!(
        orders.cancel(placed.order_id, customer).await,
        Err(CancelError::TryAgainShortly(_))
    ));

    eventually("the order is cancelled all the same", || async {
        shop.order_status(&orders, placed.order_id).await == "cancelled"
    })
    .await;
    eventually("the roses are back on the shelf", || async {
        stock(&shop, ROSES).await == (12, 0)
    })
    .await;
    let read_models = shop.read_models().await;
    eventually(
        "the customer's page says refunded and delivery stopped",
        || async {
            let (order, _) = read_models
                .order_history(placed.order_id)
                .await
                .unwrap()
                .unwrap();
            (
                order.status.as_str(),
                order.payment_status.as_str(),
                order.delivery_status.as_str(),
            ) == ("cancelled", "refunded", "cancelled")
        },
    )
    .await;
    // The customer, told to try again, does: it is already done.
    assert_eq!(
        orders.cancel(placed.order_id, customer).await.ok(),
        Some(order::domain::Status::Cancelled)
    );
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn the_audit_names_each_broken_invariant_with_its_ids() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;
    let customer = Uuid::now_v7();
    let placed = orders
        .place(place(customer, &[(ROSES, 1)], APPROVES))
        .await
        .unwrap();
    eventually("the order is being prepared", || async {
        shop.order_status(&orders, placed.order_id).await == "preparing"
    })
    .await;
    shop.assert_books_balance().await;
    petal.stop().await;

    // Break the books behind the shop's back, one invariant at a time.
    let inventory = shop.pool("inventory").await;
    sqlx::query("UPDATE products SET on_hand = on_hand + 1 WHERE slug = $1")
        .bind(WREATH)
        .execute(&inventory)
        .await
        .unwrap();
    let payments = shop.pool("payment").await;
    sqlx::query("UPDATE payments SET amount_won = amount_won + 1000 WHERE order_id = $1")
        .bind(placed.order_id)
        .execute(&payments)
        .await
        .unwrap();
    let deliveries = shop.pool("delivery").await;
    sqlx::query("UPDATE deliveries SET status = 'cancelled' WHERE order_id = $1")
        .bind(placed.order_id)
        .execute(&deliveries)
        .await
        .unwrap();

    let found = petal::audit::run(&shop.settings).await.unwrap();
    let said = |invariant: petal::audit::Invariant, id: &str| {
        found
            .iter()
            .any(|v| v.invariant == invariant && v.detail.contains(id))
    };
    use petal::audit::Invariant::*;
    let order = placed.order_id.to_string();
    assert!(said(StockMatchesMovements, WREATH), "{found:#?}");
    assert!(said(MoneyMatchesOrders, &order), "{found:#?}");
    assert!(said(ProcessorAgrees, &order), "{found:#?}");
    assert!(said(DeliveriesMatchOrders, &order), "{found:#?}");
    assert!(said(ViewAgrees, WREATH), "{found:#?}");

    shop.finish().await;
}

#[tokio::test]
async fn a_slow_card_processor_holds_no_database_connection_while_it_thinks() {
    // Three connections per context in tests; six charges wait three seconds each.
    let shop = Shop::with(&[("PETAL_FAKE_PROCESSOR_LATENCY_MS", "3000")]);
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;
    let customer = Uuid::now_v7();
    for _ in 0..6 {
        orders
            .place(place(customer, &[(ROSES, 1)], APPROVES))
            .await
            .unwrap();
    }
    let payments = shop.pool("payment").await;
    eventually("six charges wait on the processor", || async {
        let charging: i64 =
            sqlx::query_scalar("SELECT count(*) FROM payments WHERE status = 'charging'")
                .fetch_one(&payments)
                .await
                .unwrap();
        charging == 6
    })
    .await;

    // Payment still answers its customers meanwhile: its pool is not held by the charges.
    let rpc = messaging::rpc::Client::new(shop.broker(), shop.topology());
    let request = contracts::payment::ListPayments {
        customer_id: customer,
    };
    let listed = rpc
        .ask(&request, None, Duration::from_secs(2))
        .await
        .expect("payment answers while charges are in flight");
    assert_eq!(listed.payments.len(), 6);
    eventually("every order is paid", || async {
        let charged: i64 =
            sqlx::query_scalar("SELECT count(*) FROM payments WHERE status = 'approved'")
                .fetch_one(&payments)
                .await
                .unwrap();
        charged == 6
    })
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}
