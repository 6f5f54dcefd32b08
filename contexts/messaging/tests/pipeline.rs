//! The messaging pipeline against the real PostgreSQL and RabbitMQ: outbox → relay → topic
//! exchange → quorum queue → consumer with inbox. Each test has its own database and its own
//! exchange and queue names.

use lapin::{
    options::{BasicGetOptions, BasicPublishOptions},
    BasicProperties,
};
use messaging::{
    outbox, Broker, Consumer, Envelope, HandleError, Handler, PgInbox, Topology, WorkerStatus,
};
use sqlx::{postgres::PgPoolOptions, Connection, PgConnection, PgPool};
use std::{
    future::Future,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";
const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
const CONTEXT: &str = "ledger";
const KIND: &str = "ledger.entry_made";

/// A test's own database and broker names, removed at the end.
struct TestBed {
    name: String,
    pool: PgPool,
    broker: Broker,
    topology: Topology,
}

impl TestBed {
    async fn new(delivery_limit: i32) -> Self {
        let name = format!("petal_test_msg_{}", Uuid::now_v7().simple());
        let mut admin = PgConnection::connect(&format!("{SERVER}/postgres"))
            .await
            .unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .connect(&format!("{SERVER}/{name}"))
            .await
            .unwrap();
        for ddl in [
            "CREATE TABLE outbox (position BIGSERIAL PRIMARY KEY, message_id UUID NOT NULL UNIQUE,
               kind TEXT NOT NULL, version INTEGER NOT NULL, occurred_at TIMESTAMPTZ NOT NULL,
               correlation_id TEXT, traceparent TEXT, body JSONB NOT NULL, published_at TIMESTAMPTZ,
               claimed_until TIMESTAMPTZ)",
            "CREATE TABLE inbox (message_id UUID PRIMARY KEY, kind TEXT NOT NULL, received_at TIMESTAMPTZ NOT NULL)",
            // A deliberately non-idempotent effect: every application adds to the balance.
            "CREATE TABLE balance (id INT PRIMARY KEY, amount BIGINT NOT NULL)",
            "INSERT INTO balance VALUES (1, 0)",
        ] {
            sqlx::query(ddl).execute(&pool).await.unwrap();
        }
        let broker = Broker::new(AMQP, format!("test {name}"));
        let topology = Topology::new(name.clone()).with_delivery_limit(delivery_limit);
        let channel = broker.channel().await.unwrap();
        topology
            .declare(&channel, [(CONTEXT, &[KIND][..])])
            .await
            .unwrap();
        Self {
            name,
            pool,
            broker,
            topology,
        }
    }

    async fn balance(&self) -> i64 {
        sqlx::query_scalar("SELECT amount FROM balance WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn unpublished(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// Publishes `envelope` straight to the events exchange (bypassing the outbox), as a broker
    /// redelivery or a relay that crashed before marking its batch sent would.
    async fn publish_raw(&self, envelope: &Envelope) {
        let channel = self.broker.channel().await.unwrap();
        channel
            .basic_publish(
                self.topology.events_exchange().into(),
                envelope.kind.as_str().into(),
                BasicPublishOptions::default(),
                &envelope.body,
                envelope.properties(),
            )
            .await
            .unwrap();
    }

    async fn parked(&self) -> Vec<Envelope> {
        let channel = self.broker.channel().await.unwrap();
        let mut parked = Vec::new();
        while let Some(message) = channel
            .basic_get(
                self.topology.parking_queue(CONTEXT).into(),
                BasicGetOptions { no_ack: true },
            )
            .await
            .unwrap()
        {
            let delivery = &message.delivery;
            parked.push(
                Envelope::from_amqp(&delivery.properties, &delivery.data).unwrap_or(Envelope {
                    id: Uuid::nil(),
                    kind: "unreadable".into(),
                    version: 0,
                    timestamp: chrono::Utc::now(),
                    correlation_id: None,
                    traceparent: None,
                    body: delivery.data.clone(),
                }),
            );
        }
        parked
    }

    /// Runs the test's outbox relay until `stop`.
    fn relay(&self, stop: &CancellationToken) -> tokio::task::JoinHandle<()> {
        let relay = outbox::Relay::new(
            CONTEXT,
            self.pool.clone(),
            self.broker.clone(),
            self.topology.clone(),
            WorkerStatus::new("test relay"),
        );
        let stop = stop.clone();
        tokio::spawn(async move { relay.run(stop).await.unwrap() })
    }

    fn consumer<H: Handler>(&self, handler: H) -> Consumer<PgInbox<H>> {
        Consumer::new(
            CONTEXT,
            self.broker.clone(),
            self.topology.clone(),
            PgInbox::new(self.pool.clone(), handler),
            WorkerStatus::new("test consumer"),
        )
    }

    async fn finish(self) {
        let channel = self.broker.channel().await.unwrap();
        self.topology.delete(&channel, [CONTEXT]).await.unwrap();
        self.broker.close().await;
        self.pool.close().await;
        let mut admin = PgConnection::connect(&format!("{SERVER}/postgres"))
            .await
            .unwrap();
        sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

/// Adds the entry's amount to the balance: applying it twice would be visible.
struct Ledger {
    calls: Arc<AtomicUsize>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    amount: i64,
}

impl Handler for Ledger {
    async fn handle(&self, tx: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let entry: Entry = envelope.decode()?;
        sqlx::query("UPDATE balance SET amount = amount + $1 WHERE id = 1")
            .bind(entry.amount)
            .execute(tx)
            .await?;
        Ok(())
    }
}

/// Fails every time, as a handler with a bug would.
struct AlwaysFails {
    calls: Arc<AtomicUsize>,
}

impl Handler for AlwaysFails {
    async fn handle(&self, _: &mut PgConnection, _: &Envelope) -> Result<(), HandleError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(HandleError::Retry(anyhow::anyhow!("the handler is broken")))
    }
}

fn entry(amount: i64) -> Envelope {
    Envelope::new(KIND, 1, &Entry { amount }, Some("test".into()))
}

/// Waits for `condition`, giving up after ten seconds with `what` as the failure.
async fn eventually<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..200 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("gave up waiting: {what}");
}

fn run<H: Handler>(
    consumer: Consumer<PgInbox<H>>,
    stop: &CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let stop = stop.clone();
    tokio::spawn(async move { consumer.run(stop).await.unwrap() })
}

#[tokio::test]
async fn a_staged_message_is_published_by_the_relay_and_applied_once() {
    let bed = TestBed::new(5).await;
    let stop = CancellationToken::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let consumer = run(
        bed.consumer(Ledger {
            calls: calls.clone(),
        }),
        &stop,
    );
    let relay_task = bed.relay(&stop);

    let mut tx = bed.pool.begin().await.unwrap();
    for amount in [10, 20, 30] {
        outbox::stage(&mut tx, &entry(amount)).await.unwrap();
    }
    tx.commit().await.unwrap();

    eventually("the balance reaches 60", || async {
        bed.balance().await == 60
    })
    .await;
    eventually("the outbox is drained", || async {
        bed.unpublished().await == 0
    })
    .await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    stop.cancel();
    consumer.await.unwrap();
    relay_task.await.unwrap();
    bed.finish().await;
}

#[tokio::test]
async fn a_rolled_back_transaction_publishes_nothing() {
    let bed = TestBed::new(5).await;
    let mut tx = bed.pool.begin().await.unwrap();
    outbox::stage(&mut tx, &entry(99)).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(bed.unpublished().await, 0);
    bed.finish().await;
}

#[tokio::test]
async fn the_same_message_delivered_twice_is_applied_once() {
    let bed = TestBed::new(5).await;
    let stop = CancellationToken::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let consumer = run(
        bed.consumer(Ledger {
            calls: calls.clone(),
        }),
        &stop,
    );

    let message = entry(25);
    bed.publish_raw(&message).await;
    bed.publish_raw(&message).await;
    // A different message afterwards tells us both copies were processed.
    bed.publish_raw(&entry(1)).await;

    eventually("the marker message is applied", || async {
        bed.balance().await >= 26
    })
    .await;
    assert_eq!(
        bed.balance().await,
        26,
        "the duplicate must not add 25 again"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the handler never sees the duplicate"
    );

    stop.cancel();
    consumer.await.unwrap();
    bed.finish().await;
}

#[tokio::test]
async fn a_message_that_always_fails_is_parked_after_the_delivery_limit() {
    let bed = TestBed::new(3).await;
    let stop = CancellationToken::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let consumer = run(
        bed.consumer(AlwaysFails {
            calls: calls.clone(),
        }),
        &stop,
    );

    let poison = entry(5);
    bed.publish_raw(&poison).await;

    let parked = std::sync::Mutex::new(Vec::new());
    eventually("the poison message is parked", || {
        let bed = &bed;
        let parked = &parked;
        async move {
            let more = bed.parked().await;
            let mut parked = parked.lock().unwrap();
            parked.extend(more);
            !parked.is_empty()
        }
    })
    .await;
    let parked = parked.into_inner().unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(
        parked[0].id, poison.id,
        "the parked message keeps its identity"
    );
    let attempts = calls.load(Ordering::SeqCst);
    assert!(
        (3..=4).contains(&attempts),
        "tried {attempts} times; the limit is 3 redeliveries"
    );
    // Parked means it stopped looping: no more attempts afterwards.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(calls.load(Ordering::SeqCst), attempts);
    assert_eq!(bed.balance().await, 0, "a failed attempt leaves no trace");

    stop.cancel();
    consumer.await.unwrap();
    bed.finish().await;
}

#[tokio::test]
async fn an_unreadable_message_is_parked_at_once_and_the_next_one_still_flows() {
    let bed = TestBed::new(10).await;
    let stop = CancellationToken::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let consumer = run(
        bed.consumer(Ledger {
            calls: calls.clone(),
        }),
        &stop,
    );

    // No message_id, no type, no version: not an envelope at all.
    let channel = bed.broker.channel().await.unwrap();
    channel
        .basic_publish(
            bed.topology.events_exchange().into(),
            KIND.into(),
            BasicPublishOptions::default(),
            b"{\"amount\": 1000}",
            BasicProperties::default(),
        )
        .await
        .unwrap();
    // A readable message with a body that breaks the contract is parked too.
    let mut broken = entry(0);
    broken.body = b"{\"amount\": \"a lot\"}".to_vec();
    bed.publish_raw(&broken).await;
    bed.publish_raw(&entry(7)).await;

    eventually("the good message is applied", || async {
        bed.balance().await == 7
    })
    .await;
    let parked = std::sync::Mutex::new(Vec::new());
    eventually("both bad messages are parked", || {
        let bed = &bed;
        let parked = &parked;
        async move {
            let more = bed.parked().await;
            let mut parked = parked.lock().unwrap();
            parked.extend(more);
            parked.len() == 2
        }
    })
    .await;
    let parked = parked.into_inner().unwrap();
    assert!(parked.iter().any(|p| p.kind == "unreadable"));
    assert!(parked.iter().any(|p| p.id == broken.id));

    stop.cancel();
    consumer.await.unwrap();
    bed.finish().await;
}

#[tokio::test]
async fn the_relay_forgets_messages_sent_more_than_a_week_ago() {
    let bed = TestBed::new(5).await;
    let mut tx = bed.pool.begin().await.unwrap();
    for amount in [1, 2] {
        outbox::stage(&mut tx, &entry(amount)).await.unwrap();
    }
    tx.commit().await.unwrap();
    sqlx::query(
        "UPDATE outbox SET published_at = now() - interval '8 days'
         WHERE position = (SELECT min(position) FROM outbox)",
    )
    .execute(&bed.pool)
    .await
    .unwrap();

    let stop = CancellationToken::new();
    let relay_task = bed.relay(&stop);
    let remaining = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM outbox")
            .fetch_one(&bed.pool)
            .await
            .unwrap()
    };
    eventually("the old message is pruned and the new one sent", || async {
        remaining().await == 1 && bed.unpublished().await == 0
    })
    .await;

    stop.cancel();
    relay_task.await.unwrap();
    bed.finish().await;
}

#[tokio::test]
async fn an_operator_sees_a_parked_message_and_re_drives_it_once_the_cause_is_fixed() {
    let bed = TestBed::new(2).await;
    let stop = CancellationToken::new();
    let broken = run(
        bed.consumer(AlwaysFails {
            calls: Arc::default(),
        }),
        &stop,
    );
    let message = entry(40);
    bed.publish_raw(&message).await;
    eventually("the message is parked", || async {
        let parked = messaging::parking::list(&bed.broker, &bed.topology, CONTEXT)
            .await
            .unwrap();
        parked.len() == 1
    })
    .await;
    let parked = messaging::parking::list(&bed.broker, &bed.topology, CONTEXT)
        .await
        .unwrap();
    assert_eq!(parked.len(), 1, "listing leaves the message parked");
    assert_eq!(parked[0].envelope.as_ref().unwrap().id, message.id);
    stop.cancel();
    broken.await.unwrap();

    // The handler is fixed (deployed again); the operator re-drives.
    let stop = CancellationToken::new();
    let fixed = run(
        bed.consumer(Ledger {
            calls: Arc::default(),
        }),
        &stop,
    );
    let moved = messaging::parking::redrive(&bed.broker, &bed.topology, CONTEXT)
        .await
        .unwrap();
    assert_eq!(moved, 1);
    eventually("the re-driven message is applied", || async {
        bed.balance().await == 40
    })
    .await;
    assert!(
        messaging::parking::list(&bed.broker, &bed.topology, CONTEXT)
            .await
            .unwrap()
            .is_empty()
    );

    stop.cancel();
    fixed.await.unwrap();
    bed.finish().await;
}

/// Loses its database connection the first `outages` times, as a handler does while its
/// database restarts, then applies the entry.
struct DatabaseAway {
    outages: usize,
    calls: Arc<AtomicUsize>,
}

impl Handler for DatabaseAway {
    async fn handle(&self, tx: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) < self.outages {
            // The server ends this very connection: SQLSTATE 57P01, then a closed socket.
            sqlx::query("SELECT pg_terminate_backend(pg_backend_pid())")
                .execute(&mut *tx)
                .await?;
        }
        Ledger {
            calls: Arc::default(),
        }
        .handle(tx, envelope)
        .await
    }
}

#[tokio::test]
async fn an_outage_longer_than_the_delivery_limit_parks_nothing_and_loses_nothing() {
    let bed = TestBed::new(2).await;
    let stop = CancellationToken::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let consumer = run(
        bed.consumer(DatabaseAway {
            outages: 5,
            calls: calls.clone(),
        }),
        &stop,
    );

    bed.publish_raw(&entry(40)).await;

    eventually("the entry is applied once the database is back", || async {
        bed.balance().await == 40
    })
    .await;
    assert!(
        calls.load(Ordering::SeqCst) > 5,
        "the outage outlasted the delivery limit of 2"
    );
    assert!(bed.parked().await.is_empty(), "an outage is not poison");

    stop.cancel();
    consumer.await.unwrap();
    bed.finish().await;
}

/// Panics on every message, as a handler with a bug would.
struct Panics;

impl Handler for Panics {
    async fn handle(&self, _: &mut PgConnection, envelope: &Envelope) -> Result<(), HandleError> {
        let entry: Entry = envelope.decode()?;
        if entry.amount == 13 {
            panic!("unlucky entry");
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_message_that_panics_its_handler_is_parked_and_the_consumer_goes_on() {
    let bed = TestBed::new(2).await;
    let stop = CancellationToken::new();
    let status = WorkerStatus::new("test consumer");
    let consumer = Consumer::new(
        CONTEXT,
        bed.broker.clone(),
        bed.topology.clone(),
        PgInbox::new(bed.pool.clone(), Panics),
        status.clone(),
    );
    let consumer = {
        let stop = stop.clone();
        tokio::spawn(async move { consumer.run(stop).await.unwrap() })
    };

    let unlucky = entry(13);
    bed.publish_raw(&unlucky).await;
    let parked = std::sync::Mutex::new(Vec::new());
    eventually("the message that panics is parked", || async {
        let more = bed.parked().await;
        let mut parked = parked.lock().unwrap();
        parked.extend(more);
        !parked.is_empty()
    })
    .await;
    assert_eq!(parked.into_inner().unwrap()[0].id, unlucky.id);
    assert!(status.is_running(), "the consumer survived the panics");
    let fine = entry(1);
    bed.publish_raw(&fine).await;
    eventually("the next message is applied", || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM inbox WHERE message_id = $1")
            .bind(fine.id)
            .fetch_one(&bed.pool)
            .await
            .unwrap()
            == 1
    })
    .await;

    stop.cancel();
    consumer.await.unwrap();
    bed.finish().await;
}

#[tokio::test]
async fn a_worker_that_panics_is_not_ready_and_is_started_again() {
    let bed = TestBed::new(2).await;
    let stop = CancellationToken::new();
    let status = WorkerStatus::new("test worker");
    let runs = Arc::new(AtomicUsize::new(0));
    let supervised = {
        let (broker, status, stop, runs) = (
            bed.broker.clone(),
            status.clone(),
            stop.clone(),
            runs.clone(),
        );
        tokio::spawn(async move {
            broker
                .supervise(status.clone(), stop.clone(), || {
                    let (status, stop, runs) = (status.clone(), stop.clone(), runs.clone());
                    async move {
                        status.set_running(true);
                        if runs.fetch_add(1, Ordering::SeqCst) == 0 {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            panic!("a bug in the worker");
                        }
                        stop.cancelled().await;
                        Ok::<(), anyhow::Error>(())
                    }
                })
                .await;
        })
    };

    eventually("the worker panicked once and runs again", || async {
        runs.load(Ordering::SeqCst) == 2 && status.is_running()
    })
    .await;
    stop.cancel();
    supervised
        .await
        .expect("the supervisor itself never panics");
    bed.finish().await;
}

#[tokio::test]
async fn a_batch_claimed_by_a_relay_that_died_is_sent_once_its_claim_runs_out() {
    let bed = TestBed::new(5).await;
    let stop = CancellationToken::new();
    let consumer = run(
        bed.consumer(Ledger {
            calls: Arc::default(),
        }),
        &stop,
    );
    let mut tx = bed.pool.begin().await.unwrap();
    outbox::stage(&mut tx, &entry(7)).await.unwrap();
    tx.commit().await.unwrap();
    // A relay claims the message and dies before publishing it.
    let claimed = outbox::claim(&bed.pool, 10, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(
        outbox::claim(&bed.pool, 10, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty(),
        "a claimed message is nobody else's while the claim lasts"
    );

    let relay_task = bed.relay(&stop);
    eventually("another relay sends it after the claim ran out", || async {
        bed.balance().await == 7
    })
    .await;
    assert_eq!(bed.unpublished().await, 0);

    stop.cancel();
    consumer.await.unwrap();
    relay_task.await.unwrap();
    bed.finish().await;
}

#[tokio::test]
async fn an_rpc_call_to_a_broker_that_never_answers_ends_at_its_deadline() {
    // A "broker" that accepts connections and then says nothing, as a blocked one does.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut connections = Vec::new();
        while let Ok((connection, _)) = silent.accept().await {
            connections.push(connection);
        }
    });
    let broker = Broker::new(
        format!("amqp://guest:guest@{address}/%2f"),
        "test silent broker",
    );
    let client = messaging::rpc::Client::new(broker, Topology::new("petal_test_silent"));
    let request = Envelope::new("ledger.balance", 1, &Entry { amount: 1 }, None);

    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        client.call("ledger", &request, Duration::from_millis(300)),
    )
    .await
    .expect("the call ends at its own deadline, not never");
    assert!(
        matches!(outcome, Err(messaging::rpc::RpcError::Timeout(..))),
        "{outcome:?}"
    );
    held.abort();
}
