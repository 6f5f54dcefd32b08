//! The catalog through the whole stack, against the real PostgreSQL and RabbitMQ: inventory's
//! database → outbox → RabbitMQ → the view context's productInfos → the storefront.
//!
//! Every test runs its own shop: its own databases (`petal_test_<id>_<context>`) and its own
//! exchanges and queues (`petal_test_<id>.*`), on free ports.

use contracts::{inventory::ProductChanged, Event, Localized, Won};
use lapin::options::BasicPublishOptions;
use messaging::{Broker, Envelope, Topology};
use petal::{Application, Role, Settings};
use sqlx::{Connection, PgConnection, PgPool};
use std::{collections::HashMap, future::Future, net::SocketAddr, time::Duration};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use view::ReadModels;

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";
const DEMO_PRODUCTS: usize = 13;

/// One test's shop: settings that point at its own databases and broker names.
struct Shop {
    prefix: String,
    settings: Settings,
}

/// A started `petal` process (in this test's runtime).
struct Running {
    address: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Shop {
    fn new() -> Self {
        let prefix = format!("petal_test_{}", Uuid::now_v7().simple());
        let vars: HashMap<&str, String> = HashMap::from([
            ("PETAL_DATABASE_PREFIX", prefix.clone()),
            ("PETAL_BROKER_PREFIX", prefix.clone()),
            ("PETAL_DB_POOL_SIZE", "3".to_owned()),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_owned()),
            ("PETAL_OPS_PORT", "0".to_owned()),
        ]);
        let settings = Settings::from_lookup(|name| vars.get(name).cloned()).unwrap();
        Self { prefix, settings }
    }

    async fn start(&self, roles: &[Role]) -> Running {
        let application = Application::build(&self.settings, roles).await.unwrap();
        let address = application.local_addr();
        let stop = application.shutdown_token();
        let task = tokio::spawn(application.run());
        let running = Running {
            address,
            stop,
            task,
        };
        eventually("the process reports ready", || running.is_ready()).await;
        running
    }

    async fn pool(&self, context: &str) -> PgPool {
        PgPool::connect(&self.settings.database_url(context))
            .await
            .unwrap()
    }

    async fn read_models(&self) -> ReadModels {
        ReadModels::new(self.pool("view").await)
    }

    async fn inventory(&self) -> inventory::Inventory {
        inventory::Inventory::new(self.pool("inventory").await)
    }

    fn topology(&self) -> Topology {
        Topology::new(self.prefix.clone())
    }

    fn broker(&self) -> Broker {
        Broker::new(
            self.settings.amqp_url.clone(),
            format!("test {}", self.prefix),
        )
    }

    /// Publishes `envelope` straight to this shop's events exchange.
    async fn publish(&self, envelope: &Envelope) {
        let broker = self.broker();
        let channel = broker.channel().await.unwrap();
        let confirm = channel
            .basic_publish(
                self.topology().events_exchange().into(),
                envelope.kind.as_str().into(),
                BasicPublishOptions::default(),
                &envelope.body,
                envelope.properties(),
            )
            .await
            .unwrap();
        confirm.await.unwrap();
        broker.close().await;
    }

    /// Removes the shop's queues, exchanges and databases.
    async fn finish(self) {
        let broker = self.broker();
        let channel = broker.channel().await.unwrap();
        let contexts = contracts::subscriptions::ALL.iter().map(|s| s.queue);
        self.topology().delete(&channel, contexts).await.unwrap();
        broker.close().await;
        let mut admin = PgConnection::connect(&format!("{SERVER}/postgres"))
            .await
            .unwrap();
        for role in Role::ALL {
            let context = role.context();
            sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {}_{context} WITH (FORCE)",
                self.prefix
            ))
            .execute(&mut admin)
            .await
            .unwrap();
        }
    }
}

impl Running {
    async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("http://{}{path}", self.address))
            .await
            .unwrap()
    }

    async fn is_ready(&self) -> bool {
        self.get("/health/ready").await.status() == reqwest::StatusCode::OK
    }

    /// Stops the process the way SIGTERM does and waits until it exited.
    async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap().unwrap();
    }
}

/// Waits for `condition`, giving up after fifteen seconds with `what` as the failure.
async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..300 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("gave up waiting: {what}");
}

async fn available(read_models: &ReadModels, slug: &str) -> Option<i32> {
    read_models
        .product_info(slug)
        .await
        .unwrap()
        .map(|p| p.available)
}

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
        .restock("red-rose-bouquet", &restock, "test")
        .await
        .unwrap();
    eventually("the restock reaches productInfos", || async {
        available(&read_models, "red-rose-bouquet").await == Some(17)
    })
    .await;
    assert!(petal
        .get("/")
        .await
        .text()
        .await
        .unwrap()
        .contains("재고 17개"));

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
        .restock("peony-bouquet", &restock, "test")
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
        .restock("gerbera-bouquet", &restock, "test")
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
