//! What an operator sees of a running shop: the Prometheus metrics on the ops port.

use crate::api::{checkout, shop, Browser, Events};
use crate::support::*;
use petal::Role;
use reqwest::StatusCode;

/// The sum of every sample of `name` whose labels include all of `labels`.
pub(crate) fn sample(scraped: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let samples: Vec<f64> = scraped
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, ""));
            let wanted = metric == name
                && labels
                    .iter()
                    .all(|(key, value)| rest.contains(&format!("{key}=\"{value}\"")));
            wanted.then(|| value.parse::<f64>().ok()).flatten()
        })
        .collect();
    (!samples.is_empty()).then(|| samples.iter().sum())
}

pub(crate) async fn scrape(petal: &Running) -> String {
    let answer = petal.get_ops("/metrics").await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    answer.text().await.unwrap()
}

#[tokio::test]
async fn the_metrics_follow_a_saga_and_show_every_level() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let before = scrape(&petal).await;
    let moved = |after: &str, name: &str, labels: &[(&str, &str)]| {
        let then = sample(&before, name, labels).unwrap_or(0.0);
        let now = sample(after, name, labels).unwrap_or(0.0);
        assert!(
            now > then,
            "{name} {labels:?} did not move ({then} → {now}):\n{after}"
        );
    };

    let mut customer = Browser::open(&petal).await;
    customer.sign_up("계측").await;
    let _stream = Events::open(&customer, "/api/events", None).await;
    let (status, placed) = customer
        .post("/api/orders", checkout("red-rose-bouquet", 1, APPROVES))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let order = format!("/api/orders/{}", placed["order_id"].as_str().unwrap());
    eventually("the order is being prepared", || async {
        customer.get(&order).await.1["delivery_status"] == "preparing"
    })
    .await;

    // Any token is a method to HTTP; made-up ones must not each become a series.
    let odd = reqwest::Method::from_bytes(b"FLOWERS1").unwrap();
    reqwest::Client::new()
        .request(odd, petal.base_url() + "/api/products")
        .send()
        .await
        .unwrap();

    let after = scrape(&petal).await;
    assert!(
        !after.contains("FLOWERS1"),
        "a made-up method became a label"
    );
    moved(&after, "petal_http_requests_total", &[("method", "other")]);
    // HTTP, by the route's pattern and never the raw path.
    moved(
        &after,
        "petal_http_requests_total",
        &[
            ("method", "POST"),
            ("route", "/api/orders"),
            ("status", "201"),
        ],
    );
    moved(
        &after,
        "petal_http_requests_total",
        &[("route", "/api/orders/{id}"), ("status", "200")],
    );
    assert!(
        !after.contains(&format!("route=\"{order}\"")),
        "a raw path became a label"
    );
    moved(
        &after,
        "petal_http_request_seconds_count",
        &[("route", "/api/orders")],
    );
    // The saga's messages, relays and the order → inventory call.
    for queue in ["payment", "delivery", "view", "order", "notification"] {
        moved(
            &after,
            "petal_messages_handled_total",
            &[("queue", queue), ("outcome", "done")],
        );
    }
    moved(
        &after,
        "petal_message_handling_seconds_count",
        &[("queue", "payment")],
    );
    for context in ["order", "payment", "delivery"] {
        moved(
            &after,
            "petal_outbox_published_total",
            &[("context", context)],
        );
    }
    moved(
        &after,
        "petal_rpc_call_seconds_count",
        &[("context", "inventory"), ("outcome", "answered")],
    );
    assert_eq!(
        sample(&after, "petal_breaker_open", &[("callee", "inventory")]),
        Some(0.0)
    );
    // Levels read at the scrape.
    assert!(sample(&after, "petal_live_streams", &[]).unwrap_or(0.0) >= 1.0);
    for context in ["inventory", "order", "payment", "delivery"] {
        assert!(
            sample(&after, "petal_outbox_backlog", &[("context", context)]).is_some(),
            "no outbox backlog for {context}:\n{after}"
        );
        assert!(sample(
            &after,
            "petal_outbox_oldest_seconds",
            &[("context", context)]
        )
        .is_some());
    }
    for context in contracts::subscriptions::ALL.iter().map(|s| s.queue) {
        assert_eq!(
            sample(&after, "petal_parked_messages", &[("context", context)]),
            Some(0.0),
            "parked messages of {context}:\n{after}"
        );
    }
    for database in [
        "inventory",
        "order",
        "payment",
        "delivery",
        "notification",
        "view",
        "web",
    ] {
        assert!(
            sample(
                &after,
                "petal_db_connections",
                &[("database", database), ("state", "idle")]
            )
            .is_some(),
            "no pool usage for {database}"
        );
    }
    petal.stop().await;
    shop.finish().await;
}
