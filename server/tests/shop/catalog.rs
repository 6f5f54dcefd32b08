//! The catalog through the whole stack: inventory's database → outbox → RabbitMQ → the view
//! context's productInfos → the storefront.

use crate::support::*;
use contracts::{inventory::ProductChanged, Event, Localized, Won};
use messaging::Envelope;
use petal::{Role, Settings};
use uuid::Uuid;

#[tokio::test]
async fn the_demo_catalog_reaches_the_storefront_and_a_restock_shows_without_a_restart() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let read_models = shop.read_models().await;
    eventually("every demo product is projected", || async {
        read_models.product_infos().await.unwrap().len() == DEMO_PRODUCTS
    })
    .await;

    let page = petal.get("/").await;
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("빨간 장미 꽃다발"),
        "the page lists the roses"
    );
    assert!(html.contains("₩69,000"), "with their price in won");
    assert!(html.contains("재고 12개"), "and their stock");

    let restock = inventory::Restock::parse(5, "Monday delivery from the market").unwrap();
    shop.inventory()
        .await
        .restock("red-rose-bouquet", &restock, "test", None)
        .await
        .unwrap();
    eventually("the restock reaches productInfos", || async {
        available(&read_models, "red-rose-bouquet").await == Some(17)
    })
    .await;
    // The page reuses a catalog read for up to a second; the change's nudge drops it sooner.
    eventually("the page shows the new stock", || async {
        petal
            .get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains("재고 17개")
    })
    .await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn many_pages_rendered_at_once_all_come_out_whole() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let read_models = shop.read_models().await;
    eventually("every demo product is projected", || async {
        read_models.product_infos().await.unwrap().len() == DEMO_PRODUCTS
    })
    .await;
    let client = reqwest::Client::new();
    let base = petal.base_url();
    let pages = [
        "/",
        "/flower/pink-tulips",
        "/signin",
        "/orders",
        "/no-such-page",
    ];
    let requests = (0..200).map(|i| {
        let (client, url) = (client.clone(), format!("{base}{}", pages[i % pages.len()]));
        async move {
            let response = client
                .get(&url)
                .header("accept-language", if i % 2 == 0 { "ko" } else { "en" })
                .send()
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            let status = response.status();
            let body = response
                .text()
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}"));
            (url, status, body)
        }
    });
    for (url, status, body) in futures_util::future::join_all(requests).await {
        assert!(status.is_success() || status == 404, "{url}: {status}");
        // A render that panics cuts the stream: the body fails to arrive whole (above) or lacks
        // the document's end.
        assert!(body.contains("</html>"), "{url} was cut short");
        assert!(body.contains("<title>"), "{url} has a title");
    }

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn restarting_does_not_load_the_demo_catalog_twice() {
    let shop = Shop::new();
    shop.start(&[Role::Inventory]).await.stop().await;
    shop.start(&[Role::Inventory]).await.stop().await;

    let inventory = shop.inventory().await;
    assert_eq!(inventory.products().await.unwrap().len(), DEMO_PRODUCTS);
    let movements: i64 = sqlx::query_scalar("SELECT count(*) FROM stock_movements")
        .fetch_one(inventory.pool())
        .await
        .unwrap();
    assert_eq!(
        movements, DEMO_PRODUCTS as i64,
        "one first-stock movement each"
    );
    shop.finish().await;
}

fn tulips(revision: i64, available: i32) -> ProductChanged {
    ProductChanged {
        product_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
        slug: "test-tulips".into(),
        name: Localized {
            ko: "시험 튤립".into(),
            en: "Test Tulips".into(),
        },
        description: Localized {
            ko: "시험용".into(),
            en: "For tests".into(),
        },
        price: Won(10_000),
        on_hand: available,
        available,
        picture: "/flowers/pink-tulips.svg".into(),
        revision,
    }
}

fn envelope(event: &ProductChanged) -> Envelope {
    Envelope::new(
        ProductChanged::ROUTING_KEY,
        ProductChanged::VERSION,
        event,
        None,
    )
}

#[tokio::test]
async fn the_same_event_delivered_twice_changes_the_read_model_once() {
    let shop = Shop::new();
    let petal = shop.start(&[Role::Web]).await;
    let read_models = shop.read_models().await;

    let first = envelope(&tulips(1, 4));
    shop.publish(&first).await;
    shop.publish(&first).await;
    // Sent after the duplicate: once it shows, both copies were handled.
    shop.publish(&envelope(&tulips(2, 9))).await;
    eventually("revision 2 is projected", || async {
        available(&read_models, "test-tulips").await == Some(9)
    })
    .await;

    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox WHERE message_id = $1")
        .bind(first.id)
        .fetch_one(read_models.pool())
        .await
        .unwrap();
    assert_eq!(seen, 1, "the duplicate was recognised, not applied again");
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox")
        .fetch_one(read_models.pool())
        .await
        .unwrap();
    assert_eq!(applied, 2);

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn an_older_fact_arriving_late_does_not_overwrite_a_newer_one() {
    let shop = Shop::new();
    let petal = shop.start(&[Role::Web]).await;
    let read_models = shop.read_models().await;

    shop.publish(&envelope(&tulips(5, 2))).await;
    eventually("revision 5 is projected", || async {
        available(&read_models, "test-tulips").await == Some(2)
    })
    .await;
    shop.publish(&envelope(&tulips(4, 30))).await;
    let marker = envelope(&ProductChanged {
        product_id: Uuid::now_v7(),
        slug: "marker".into(),
        ..tulips(1, 1)
    });
    shop.publish(&marker).await;
    eventually("the marker is projected", || async {
        available(&read_models, "marker").await.is_some()
    })
    .await;
    assert_eq!(available(&read_models, "test-tulips").await, Some(2));

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn an_event_published_while_the_view_is_stopped_is_projected_when_it_starts_again() {
    let shop = Shop::new();
    let inventory_role = shop.start(&[Role::Inventory]).await;
    let web = shop.start(&[Role::Web]).await;
    let read_models = shop.read_models().await;
    eventually("the catalog is projected", || async {
        read_models.product_infos().await.unwrap().len() == DEMO_PRODUCTS
    })
    .await;
    web.stop().await;

    let inventory = shop.inventory().await;
    let restock = inventory::Restock::parse(3, "late delivery").unwrap();
    inventory
        .restock("peony-bouquet", &restock, "test", None)
        .await
        .unwrap();
    eventually("the relay published the restock", || async {
        let unpublished: i64 =
            sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                .fetch_one(inventory.pool())
                .await
                .unwrap();
        unpublished == 0
    })
    .await;
    assert_eq!(available(&read_models, "peony-bouquet").await, Some(6));

    let web = shop.start(&[Role::Web]).await;
    eventually("the restock is projected after the restart", || async {
        available(&read_models, "peony-bouquet").await == Some(9)
    })
    .await;

    web.stop().await;
    inventory_role.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn health_reports_live_and_ready_and_a_lone_role_serves_it_on_its_own_port() {
    let shop = Shop::new();
    let inventory_role = shop.start(&[Role::Inventory]).await;
    let live = inventory_role.get("/health/live").await;
    assert_eq!(live.status(), reqwest::StatusCode::OK);
    let ready: serde_json::Value = inventory_role
        .get("/health/ready")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["databases"][0]["name"], "inventory");
    assert_eq!(ready["workers"][0]["name"], "inventory.outbox");
    // A lone inventory role serves no storefront.
    assert_eq!(
        inventory_role.get("/").await.status(),
        reqwest::StatusCode::NOT_FOUND
    );
    inventory_role.stop().await;

    // The web role: the storefront's port answers liveness only; detail is on the ops port.
    let web = shop.start(&[Role::Web]).await;
    assert_eq!(
        web.get("/health/live").await.status(),
        reqwest::StatusCode::OK
    );
    assert_eq!(
        web.get("/health/ready").await.status(),
        reqwest::StatusCode::NOT_FOUND
    );
    let ready: serde_json::Value = web.get_ops("/health/ready").await.json().await.unwrap();
    assert_eq!(ready["ready"], true);
    web.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn where_petal_may_not_create_databases_it_says_which_one_is_missing() {
    let shop = Shop::with(&[("PETAL_CREATE_DATABASES", "off")]);
    let error = match petal::Application::build(&shop.settings, &[Role::Delivery]).await {
        Ok(_) => panic!("started without its database"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("delivery database"), "{error}");

    // An operator creates the database and a role that owns it but may not create databases;
    // petal, connected as that role, migrates it and runs.
    let role = format!("{}_delivery_owner", shop.prefix);
    let database = format!("{}_delivery", shop.prefix);
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
    .await
    .unwrap();
    for statement in [
        format!("CREATE ROLE {role} LOGIN NOCREATEDB NOSUPERUSER"),
        format!("CREATE DATABASE {database} OWNER {role}"),
    ] {
        sqlx::query(&statement).execute(&mut admin).await.unwrap();
    }
    let url = format!("postgres://{role}@127.0.0.1:5432/{database}");
    let restricted = Shop {
        prefix: shop.prefix.clone(),
        settings: Settings {
            database_overrides: vec![("delivery".into(), url)],
            ..shop.settings.clone()
        },
    };
    let delivery = restricted.start(&[Role::Delivery]).await;
    delivery.stop().await;
    shop.finish().await;
    sqlx::query(&format!("DROP ROLE {role}"))
        .execute(&mut admin)
        .await
        .unwrap();
}

#[tokio::test]
async fn replicas_starting_at_once_migrate_one_database_safely() {
    let shop = Shop::new();
    let (first, second, third) = tokio::join!(
        shop.start(&[Role::Order]),
        shop.start(&[Role::Order]),
        shop.start(&[Role::Notification]),
    );
    let pool = shop.pool("order").await;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(applied as usize, order::MIGRATOR.iter().count());
    pool.close().await;
    first.stop().await;
    second.stop().await;
    third.stop().await;
    shop.finish().await;
}

/// Closes this shop's broker connections from the broker side, as a broker restart would.
fn drop_broker_connections(prefix: &str) -> usize {
    let output = std::process::Command::new("rabbitmqctl")
        .args(["-q", "list_connections", "pid", "client_properties"])
        .output()
        .expect("rabbitmqctl runs");
    let listing = String::from_utf8_lossy(&output.stdout);
    let mut closed = 0;
    for line in listing
        .lines()
        .filter(|line| line.contains(&format!("[{prefix}]")))
    {
        let pid = line.split_whitespace().next().unwrap();
        let status = std::process::Command::new("rabbitmqctl")
            .args([
                "-q",
                "close_connection",
                pid,
                "test: simulated broker failure",
            ])
            .status()
            .unwrap();
        assert!(status.success());
        closed += 1;
    }
    closed
}

#[tokio::test]
async fn the_shop_reconnects_by_itself_when_the_broker_drops_its_connection() {
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let read_models = shop.read_models().await;
    eventually("the catalog is projected", || async {
        read_models.product_infos().await.unwrap().len() == DEMO_PRODUCTS
    })
    .await;

    assert_eq!(
        drop_broker_connections(&shop.prefix),
        1,
        "one named connection per process"
    );
    // Staged while the connection is down or coming back: it must still arrive.
    let restock = inventory::Restock::parse(4, "arrived during the outage").unwrap();
    shop.inventory()
        .await
        .restock("gerbera-bouquet", &restock, "test", None)
        .await
        .unwrap();
    eventually("the restock is projected after reconnecting", || async {
        available(&read_models, "gerbera-bouquet").await == Some(20)
    })
    .await;
    eventually("the process is ready again", || petal.is_ready()).await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn public_pages_are_kept_rendered_each_with_its_own_nonce_until_a_product_changes() {
    use crate::operations::{sample, scrape};
    let shop = Shop::new();
    let petal = shop.start(Role::ALL).await;
    let read_models = shop.read_models().await;
    eventually("every demo product is projected", || async {
        read_models.product_infos().await.unwrap().len() == DEMO_PRODUCTS
    })
    .await;
    let http = reqwest::Client::new();
    let fetch = |path: &'static str, lang: &'static str| {
        let (http, url) = (http.clone(), petal.base_url() + path);
        async move {
            let answer = http
                .get(url)
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), reqwest::StatusCode::OK);
            let headers = answer.headers().clone();
            let policy = headers["content-security-policy"]
                .to_str()
                .unwrap()
                .to_owned();
            (
                headers,
                nonce_and_page(&policy, &answer.text().await.unwrap()),
            )
        }
    };
    // Wait until a product change from loading the demo catalog has come and gone.
    eventually("the catalog page lists every flower", || async {
        fetch("/", "ko")
            .await
            .1
             .1
            .contains(&format!("꽃 {DEMO_PRODUCTS}종"))
    })
    .await;

    let hits = |scraped: &str| sample(scraped, "petal_page_cache_total", &[("outcome", "hit")]);
    let before = scrape(&petal).await;
    let (first_headers, (first_nonce, first)) = fetch("/", "ko").await;
    let (second_headers, (second_nonce, second)) = fetch("/", "ko").await;
    assert_ne!(
        first_nonce, second_nonce,
        "a nonce is used once, kept page or not"
    );
    assert_eq!(first, second, "the same page but for its nonce");
    for name in ["content-type", "cache-control", "x-frame-options"] {
        assert_eq!(first_headers[name], second_headers[name], "{name}");
    }
    let (_, (_, english)) = fetch("/", "en").await;
    assert!(english.contains("Today's flowers") && !english.contains("오늘의 꽃"));
    let (_, (_, flower)) = fetch("/flower/red-rose-bouquet", "ko").await;
    assert!(flower.contains("빨간 장미 꽃다발"));
    let (_, (_, flower_again)) = fetch("/flower/red-rose-bouquet", "ko").await;
    assert_eq!(flower, flower_again);
    let after = scrape(&petal).await;
    assert!(
        hits(&after).unwrap_or(0.0) >= hits(&before).unwrap_or(0.0) + 2.0,
        "the second catalog and flower pages came from memory:\n{after}"
    );

    // A restock: the kept pages are dropped when the view has the change, well before they
    // would age out.
    let drops = |scraped: &str| sample(scraped, "petal_page_cache_drops_total", &[]);
    let drops_before = drops(&after).unwrap_or(0.0);
    assert!(first.contains("재고 12개"), "{first}");
    let restock = inventory::Restock::parse(3, "a second delivery from the market").unwrap();
    shop.inventory()
        .await
        .restock("red-rose-bouquet", &restock, "test", None)
        .await
        .unwrap();
    eventually("the kept pages show the new stock", || async {
        fetch("/", "ko").await.1 .1.contains("재고 15개")
            && fetch("/flower/red-rose-bouquet", "ko")
                .await
                .1
                 .1
                .contains("재고 15개")
    })
    .await;
    assert!(drops(&scrape(&petal).await).unwrap_or(0.0) > drops_before);

    petal.stop().await;
    shop.finish().await;
}
