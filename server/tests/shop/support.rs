//! The test shop: every test runs its own Petal, with its own databases
//! (`petal_test_<id>_<context>`) and its own exchanges and queues (`petal_test_<id>.*`), on free
//! ports, against the real PostgreSQL and RabbitMQ.

use lapin::options::BasicPublishOptions;
use messaging::{Broker, Envelope, Topology};
use petal::{Application, Role, Settings};
use sqlx::{Connection, PgConnection, PgPool};

use std::{collections::HashMap, future::Future, net::SocketAddr, time::Duration};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use view::ReadModels;

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";
pub const DEMO_PRODUCTS: usize = 13;

/// One test's shop: settings that point at its own databases and broker names.
pub struct Shop {
    pub prefix: String,
    pub settings: Settings,
}

/// A started `petal` process (in this test's runtime).
pub struct Running {
    address: SocketAddr,
    ops: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Shop {
    pub fn new() -> Self {
        Self::with(&[])
    }

    /// A shop whose settings differ from the test defaults by `overrides`.
    pub fn with(overrides: &[(&'static str, &str)]) -> Self {
        let prefix = format!("petal_test_{}", Uuid::now_v7().simple());
        let mut vars: HashMap<&str, String> = HashMap::from([
            ("PETAL_DATABASE_PREFIX", prefix.clone()),
            ("PETAL_BROKER_PREFIX", prefix.clone()),
            ("PETAL_DB_POOL_SIZE", "3".to_owned()),
            ("LEPTOS_SITE_ADDR", "127.0.0.1:0".to_owned()),
            ("PETAL_OPS_PORT", "0".to_owned()),
            // Tests sign many people up from one address; the limits have their own tests.
            ("PETAL_RATE_LIMITS", "off".to_owned()),
        ]);
        for (name, value) in overrides {
            vars.insert(name, (*value).to_owned());
        }
        let settings = Settings::from_lookup(|name| vars.get(name).cloned()).unwrap();
        Self { prefix, settings }
    }

    pub async fn start(&self, roles: &[Role]) -> Running {
        let application = Application::build(&self.settings, roles).await.unwrap();
        let address = application.local_addr();
        let ops = application.ops_addr();
        let stop = application.shutdown_token();
        let task = tokio::spawn(application.run());
        let running = Running {
            address,
            ops,
            stop,
            task,
        };
        eventually("the process reports ready", || running.is_ready()).await;
        running
    }

    pub async fn pool(&self, context: &str) -> PgPool {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(&self.settings.database_url(context))
            .await
            .unwrap()
    }

    pub async fn read_models(&self) -> ReadModels {
        ReadModels::new(self.pool("view").await)
    }

    pub async fn inventory(&self) -> inventory::Inventory {
        inventory::Inventory::new(self.pool("inventory").await)
    }

    pub fn topology(&self) -> Topology {
        Topology::new(self.prefix.clone())
    }

    pub fn broker(&self) -> Broker {
        Broker::new(
            self.settings.amqp_url.clone(),
            format!("test {}", self.prefix),
        )
    }

    /// Publishes `envelope` straight to this shop's events exchange.
    pub async fn publish(&self, envelope: &Envelope) {
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
    pub async fn finish(self) {
        let broker = self.broker();
        let channel = broker.channel().await.unwrap();
        let contexts = contracts::subscriptions::ALL.iter().map(|s| s.queue);
        self.topology().delete(&channel, contexts).await.unwrap();
        broker.close().await;
        let mut admin = PgConnection::connect(&format!("{SERVER}/postgres"))
            .await
            .unwrap();
        let mut mariadb = sqlx::MySqlConnection::connect(&self.settings.mariadb_url)
            .await
            .expect("MariaDB answers");
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {}_{}",
            self.prefix,
            notification::CONTEXT
        ))
        .execute(&mut mariadb)
        .await
        .unwrap();
        let contexts = Role::ALL
            .iter()
            .filter(|r| **r != Role::Notification)
            .map(|r| r.context())
            .chain(["web", "processor"]);
        for context in contexts {
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
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("http://{}{path}", self.address))
            .await
            .unwrap()
    }

    /// `/health/ready` on the ops port (every role's health lives there).
    pub async fn is_ready(&self) -> bool {
        reqwest::get(format!("http://{}/health/ready", self.ops))
            .await
            .is_ok_and(|response| response.status() == reqwest::StatusCode::OK)
    }

    /// A path on the ops port.
    pub async fn get_ops(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("http://{}{path}", self.ops))
            .await
            .unwrap()
    }

    /// Stops the process the way SIGTERM does and waits until it exited.
    pub async fn stop(self) {
        self.stop.cancel();
        self.task.await.unwrap().unwrap();
    }
}

/// Waits for `condition`, giving up after fifteen seconds with `what` as the failure.
pub async fn eventually<F, Fut>(what: &str, mut condition: F)
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

/// What customers may order of `slug` now, as the storefront's read model says.
pub async fn available(read_models: &ReadModels, slug: &str) -> Option<i32> {
    read_models
        .product_info(slug)
        .await
        .unwrap()
        .map(|p| p.available)
}

/// Test cards of the fake card processor (see `payment::provider`).
pub const APPROVES: &str = "4242 4242 4242 4242";
pub const DECLINES: &str = "4000 0000 0000 0002";
pub const TIMES_OUT: &str = "4000 0000 0000 0119";
pub const CHARGES_SILENTLY: &str = "4000 0000 0000 3006";

impl Shop {
    /// The order context's API against this shop (its role must have started once, so its
    /// database exists).
    pub async fn orders(&self, breaker: order::BreakerSettings) -> order::Orders {
        let rpc = messaging::rpc::Client::new(self.broker(), self.topology());
        // Same-day cut-off at midnight: tests may order for any day.
        order::Orders::new(self.pool("order").await, rpc, breaker, 24)
    }

    /// Customers' message inboxes (MariaDB).
    pub async fn inbox(&self) -> notification::Inbox {
        let pool = sqlx::mysql::MySqlPoolOptions::new()
            .max_connections(2)
            .connect(&self.settings.database_url(notification::CONTEXT))
            .await
            .unwrap();
        notification::Inbox::new(pool)
    }

    pub async fn deliveries(&self) -> delivery::Deliveries {
        delivery::Deliveries::new(self.pool("delivery").await)
    }

    pub async fn order_status(&self, orders: &order::Orders, order_id: Uuid) -> String {
        orders.get(order_id).await.unwrap().unwrap().status
    }

    /// Checks the shop's books once the saga has settled, with `petal audit`'s library: stock,
    /// reservations, money per order (and the card processor's own books), deliveries, one
    /// message per fact, and the view against the contexts.
    pub async fn assert_books_balance(&self) {
        let mut last = String::new();
        for _ in 0..200 {
            match self.books().await {
                Ok(()) => return,
                Err(problem) => last = problem,
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the books do not balance: {last}");
    }

    /// The shop's books as `petal audit` reads them; parked messages are left to the tests
    /// that park them on purpose.
    async fn books(&self) -> Result<(), String> {
        let violations = petal::audit::run(&self.settings)
            .await
            .map_err(|error| format!("{error:#}"))?;
        let broken: Vec<String> = violations
            .iter()
            .filter(|v| v.invariant != petal::audit::Invariant::NothingParked)
            .map(ToString::to_string)
            .collect();
        if broken.is_empty() {
            Ok(())
        } else {
            Err(broken.join("\n"))
        }
    }
}

/// An order for delivery the day after tomorrow, afternoon.
pub fn place(customer_id: Uuid, lines: &[(&str, i64)], card_number: &str) -> order::PlaceOrder {
    let date = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
    order::PlaceOrder {
        order_id: Uuid::now_v7(),
        customer_id,
        form: order::domain::OrderForm {
            lines: lines.iter().map(|(s, q)| ((*s).to_owned(), *q)).collect(),
            recipient_name: "김하늘".into(),
            recipient_phone: "010-1234-5678".into(),
            address: "서울특별시 마포구 양화로 45, 3층".into(),
            delivery_date: date.format("%Y-%m-%d").to_string(),
            window: "afternoon".into(),
            card_message: Some("생일 축하해!".into()),
        },
        card: payment::tokenize(card_number, "12/30", "123", (2026, 1)).unwrap(),
    }
}

/// The nonce a response's policy allows, and the page with that nonce taken out.
pub fn nonce_and_page(policy: &str, html: &str) -> (String, String) {
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the policy names a nonce")
        .to_owned();
    assert!(nonce.len() >= 22, "128 bits: {nonce}");
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every inline script carries this response's nonce: {html}"
    );
    (nonce.clone(), html.replace(&nonce, "NONCE"))
}
