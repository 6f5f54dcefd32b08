//! RabbitMQ restarted with the saga in flight loses nothing. A test binary of its own: cargo runs
//! test binaries one after another, so no other test shares the broker while it is down.

// Shared with the `shop` tests; this binary uses only part of it.
#[allow(dead_code)]
#[path = "shop/support.rs"]
mod support;

use order::BreakerSettings;
use petal::Role;
use std::process::Command;
use support::*;
use uuid::Uuid;

fn rabbitmqctl(args: &[&str]) {
    let status = Command::new("rabbitmqctl")
        .args(args)
        .status()
        .expect("rabbitmqctl runs");
    assert!(status.success(), "rabbitmqctl {args:?} failed");
}

#[tokio::test]
async fn restarting_the_broker_mid_saga_loses_no_order() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let orders = shop.orders(BreakerSettings::default()).await;

    let mut placed = Vec::new();
    for _ in 0..6 {
        let order = orders
            .place(place(Uuid::now_v7(), &[("red-rose-bouquet", 1)], APPROVES))
            .await
            .unwrap();
        placed.push(order.order_id);
    }
    // Stop the broker while those orders are being paid, prepared and told.
    rabbitmqctl(&["-q", "stop_app"]);
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    rabbitmqctl(&["-q", "start_app"]);
    rabbitmqctl(&["-q", "await_startup"]);

    eventually("the process is ready again", || petal.is_ready()).await;
    for order_id in placed {
        eventually("every order is prepared", || async {
            shop.order_status(&orders, order_id).await == "preparing"
        })
        .await;
    }
    let placed_after = orders
        .place(place(Uuid::now_v7(), &[("pink-tulips", 1)], APPROVES))
        .await
        .expect("orders flow again after the restart");
    eventually("the new order is prepared too", || async {
        shop.order_status(&orders, placed_after.order_id).await == "preparing"
    })
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}
