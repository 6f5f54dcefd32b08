//! `loadgen`: places orders against a running Petal at a steady rate, through order's RPC
//! command (the path the web role takes), and measures how long each order takes from placing
//! to `delivery.preparing` — the whole saga: reservation, order, payment, sale, delivery start.
//!
//! ```sh
//! loadgen --rate 200 --seconds 20          # same PETAL_* environment as the shop
//! loadgen --rate 8 --seconds 40 --cancel-share 0.25 --retries 3     # the chaos run's customers
//! ```
//! It restocks every product generously first (as staff would), so stock never runs out. With
//! `--cancel-share`, that share of customers cancels at a random moment within two seconds of
//! placing; with `--retries`, a customer told "try again shortly" sends the same order (same
//! order id) again, up to that many times, as the storefront's checkout form does.

use contracts::{
    inventory::{CatalogCommand, CatalogReply, CatalogRequest},
    order::{PlaceOrderReply, PlaceOrderRequest, WantedLine},
};
use futures_util::StreamExt;
use lapin::{
    options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions},
    types::FieldTable,
};
use messaging::{rpc, Broker, Envelope, Topology};
use petal::Settings;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use uuid::Uuid;

const SLUGS: &[&str] = &[
    "red-rose-bouquet",
    "pink-tulips",
    "sunflower-bouquet",
    "carnation-basket",
    "white-lily-bouquet",
    "blue-hydrangea",
    "babys-breath",
    "peony-bouquet",
    "phalaenopsis-orchid",
    "dried-lavender",
    "freesia-bouquet",
    "gerbera-bouquet",
    "celebration-wreath",
];

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

use messaging::random_fraction as draw;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rate: u64 = arg("--rate", 100);
    let seconds: u64 = arg("--seconds", 20);
    let cancel_share: f64 = arg("--cancel-share", 0.0);
    let retries: u32 = arg("--retries", 0);
    let settings = Settings::from_env()?;
    let broker = Broker::new(settings.amqp_url.as_str(), "petal loadgen");
    let topology = Topology::new(settings.broker_prefix.as_str());
    let client = rpc::Client::new(broker.clone(), topology.clone());

    for slug in SLUGS {
        let restock = CatalogRequest {
            actor: "loadgen".into(),
            command: CatalogCommand::Restock {
                slug: (*slug).into(),
                quantity: 90_000,
                reason: "load test".into(),
                request_id: None,
            },
        };
        // Refused as too much stock when an earlier run already stocked it: fine either way.
        let _: CatalogReply = client.ask(&restock, None, Duration::from_secs(5)).await?;
    }

    // Watch delivery.preparing on a queue of our own.
    let started: Arc<Mutex<HashMap<Uuid, Instant>>> = Arc::default();
    let latencies: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let channel = broker.channel().await?;
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            queue.name().clone(),
            topology.events_exchange().into(),
            "delivery.preparing".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let mut preparing = channel
        .basic_consume(
            queue.name().clone(),
            "loadgen".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await?;
    {
        let started = started.clone();
        let latencies = latencies.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = preparing.next().await {
                let Ok(envelope) = Envelope::from_amqp(&delivery.properties, &delivery.data) else {
                    continue;
                };
                let Ok(event) = envelope.decode::<contracts::delivery::DeliveryPreparing>() else {
                    continue;
                };
                if let Some(at) = started.lock().unwrap().remove(&event.order_id) {
                    latencies.lock().unwrap().push(at.elapsed());
                }
            }
        });
    }

    let card = payment::tokenize("4242424242424242", "12/30", "123", (2026, 1))?;
    let date = (chrono::Utc::now() + chrono::Duration::days(2))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let refused: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let cancels: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let total = rate * seconds;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let begin = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    println!("placing {total} orders at {rate}/s for {seconds}s");
    for n in 0..total {
        let due = begin + interval * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let request = PlaceOrderRequest {
            order_id: Uuid::now_v7(),
            customer_id: Uuid::now_v7(),
            lines: vec![WantedLine {
                slug: SLUGS[n as usize % SLUGS.len()].into(),
                quantity: 1,
            }],
            recipient_name: "부하 시험".into(),
            recipient_phone: "01012345678".into(),
            address: "서울특별시 마포구 양화로 45".into(),
            delivery_date: date.clone(),
            window: "afternoon".into(),
            card_message: None,
            card: card.clone(),
        };
        let (client, started, refused, cancels) = (
            client.clone(),
            started.clone(),
            refused.clone(),
            cancels.clone(),
        );
        tasks.push(tokio::spawn(async move {
            started
                .lock()
                .unwrap()
                .insert(request.order_id, Instant::now());
            let mut attempt = 0;
            let reply = loop {
                let reply = client.ask(&request, None, Duration::from_secs(10)).await;
                let try_again = match &reply {
                    Ok(reply) => matches!(reply, PlaceOrderReply::TryAgainShortly { .. }),
                    Err(_) => true,
                };
                if !try_again || attempt >= retries {
                    break reply;
                }
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
            };
            let outcome = match reply {
                Ok(reply) => match reply {
                    PlaceOrderReply::Placed { .. } => {
                        if draw() < cancel_share {
                            started.lock().unwrap().remove(&request.order_id);
                            tokio::time::sleep(Duration::from_secs_f64(2.0 * draw())).await;
                            let cancel = contracts::order::CancelOrderRequest {
                                order_id: request.order_id,
                                customer_id: request.customer_id,
                            };
                            let said =
                                match client.ask(&cancel, None, Duration::from_secs(10)).await {
                                    Ok(reply) => format!("{reply:?}")
                                        .split([' ', '{'])
                                        .next()
                                        .unwrap_or("?")
                                        .to_owned(),
                                    Err(error) => error.to_string(),
                                };
                            *cancels.lock().unwrap().entry(said).or_default() += 1;
                        }
                        None
                    }
                    other => Some(
                        format!("{other:?}")
                            .split([' ', '{'])
                            .next()
                            .unwrap_or("?")
                            .to_owned(),
                    ),
                },
                Err(error) => Some(error.to_string()),
            };
            if let Some(reason) = outcome {
                started.lock().unwrap().remove(&request.order_id);
                *refused.lock().unwrap().entry(reason).or_default() += 1;
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let placing_took = begin.elapsed();
    // Wait for the saga to finish what was placed.
    let drain = Instant::now();
    while !started.lock().unwrap().is_empty() && drain.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = begin.elapsed();

    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let completed = latencies.len();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i].as_secs_f64() * 1000.0
    };
    println!(
        "placed in {:.1}s; saga completed for {completed}/{total} orders in {:.1}s",
        placing_took.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    println!(
        "throughput: {:.1} orders/s reached delivery preparing",
        completed as f64 / elapsed.as_secs_f64()
    );
    println!(
        "placing → preparing: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    let refused = refused.lock().unwrap().clone();
    if !refused.is_empty() {
        println!("refused or failed: {refused:?}");
    }
    let cancels = cancels.lock().unwrap().clone();
    if !cancels.is_empty() {
        println!("customers cancelling were told: {cancels:?}");
    }
    let unfinished = started.lock().unwrap().len();
    if unfinished > 0 {
        println!(
            "{unfinished} placed orders did not reach preparing within 30 s after the last one"
        );
    }
    broker.close().await;
    Ok(())
}
