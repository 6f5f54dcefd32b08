//! The JSON API: the order life cycle as a browser or curl drives it, who may do what, and
//! answers to bad input.

use crate::support::*;
use petal::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

pub const STAFF_EMAIL: &str = "staff@petal.test";
pub const STAFF_PASSWORD: &str = "a staff password for tests";

pub fn shop() -> Shop {
    Shop::with(&[
        ("PETAL_STAFF_EMAIL", STAFF_EMAIL),
        ("PETAL_STAFF_PASSWORD", STAFF_PASSWORD),
    ])
}

/// One browser: its own cookie jar and CSRF token.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

impl Browser {
    pub async fn open(petal: &Running) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let mut browser = Self {
            http,
            base: petal.base_url(),
            csrf: String::new(),
        };
        browser.refresh_csrf().await;
        browser
    }

    pub async fn refresh_csrf(&mut self) {
        let session: Value = self.get("/api/session").await.1;
        self.csrf = session["csrf_token"].as_str().unwrap().to_owned();
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, body).await
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn sign_up(&mut self, name: &str) -> Value {
        let email = format!("{}@example.com", Uuid::now_v7().simple());
        let (status, body) = self
            .post(
                "/api/accounts",
                json!({"email": email, "name": name, "password": "correct horse battery"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.csrf = body["csrf_token"].as_str().unwrap().to_owned();
        body["account"].clone()
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> (StatusCode, Value) {
        let (status, body) = self
            .post(
                "/api/session",
                json!({"email": email, "password": password}),
            )
            .await;
        if status == StatusCode::OK {
            self.csrf = body["csrf_token"].as_str().unwrap().to_owned();
        }
        (status, body)
    }
}

/// A server-sent event stream, read one event at a time.
pub struct Events {
    pub response: reqwest::Response,
    buffer: String,
}

/// One server-sent event: its name, id and data.
#[derive(Debug)]
pub struct Event {
    pub name: String,
    pub id: Option<String>,
    pub data: String,
}

impl Events {
    pub async fn open(browser: &Browser, path: &str, last_event_id: Option<&str>) -> Self {
        let mut request = browser.http.get(format!("{}{path}", browser.base));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "GET {path}"
        );
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped), waiting at most ten seconds.
    pub async fn next(&mut self) -> Event {
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let mut event = Event {
                        name: "message".into(),
                        id: None,
                        data: String::new(),
                    };
                    for line in block.lines() {
                        if let Some(name) = line.strip_prefix("event:") {
                            event.name = name.trim().into();
                        } else if let Some(id) = line.strip_prefix("id:") {
                            event.id = Some(id.trim().into());
                        } else if let Some(data) = line.strip_prefix("data:") {
                            event.data.push_str(data.trim_start());
                        }
                    }
                    if !event.data.is_empty() || event.id.is_some() {
                        return event;
                    }
                    continue;
                }
                let chunk = self.response.chunk().await.unwrap().expect("stream open");
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .expect("an event within ten seconds")
    }

    /// Events until one satisfies `wanted`.
    pub async fn until(&mut self, wanted: impl Fn(&Event) -> bool) -> Event {
        loop {
            let event = self.next().await;
            if wanted(&event) {
                return event;
            }
        }
    }
}

pub fn checkout(slug: &str, quantity: i64, card: &str) -> Value {
    let date = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
    json!({
        "order_id": Uuid::now_v7(),
        "lines": [{"slug": slug, "quantity": quantity}],
        "recipient_name": "김하늘",
        "recipient_phone": "010-1234-5678",
        "address": "서울특별시 마포구 양화로 45, 3층",
        "delivery_date": date.format("%Y-%m-%d").to_string(),
        "window": "afternoon",
        "card_message": "생일 축하해!",
        "card_number": card,
        "card_expiry": "12/30",
        "card_cvc": "123"
    })
}

async fn order_field(browser: &Browser, order_id: &str, field: &str) -> String {
    let (_, order) = browser.get(&format!("/api/orders/{order_id}")).await;
    order[field].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_customer_orders_and_staff_deliver_through_the_api() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let mut customer = Browser::open(&petal).await;
    customer.sign_up("김하늘").await;

    let (status, placed) = customer
        .post("/api/orders", checkout("red-rose-bouquet", 2, APPROVES))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    assert_eq!(placed["total_won"], 138_000);
    let order_id = placed["order_id"].as_str().unwrap().to_owned();
    eventually("the order is being prepared", || async {
        order_field(&customer, &order_id, "delivery_status").await == "preparing"
    })
    .await;

    let mut staff = Browser::open(&petal).await;
    assert_eq!(
        staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await.0,
        StatusCode::OK
    );
    let (status, advanced) = staff
        .post(&format!("/api/deliveries/{order_id}/dispatch"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{advanced}");
    assert_eq!(advanced["status"], "out_for_delivery");
    eventually("the customer sees it on its way", || async {
        order_field(&customer, &order_id, "delivery_status").await == "out_for_delivery"
    })
    .await;

    let (status, refused) = customer
        .post(&format!("/api/orders/{order_id}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["message"], "the flowers have already left the shop");

    staff
        .post(&format!("/api/deliveries/{order_id}/deliver"), json!({}))
        .await;
    eventually("the customer sees it delivered", || async {
        order_field(&customer, &order_id, "delivery_status").await == "delivered"
    })
    .await;
    eventually("the customer has that one order", || async {
        let (_, mine) = customer.get("/api/orderHistories").await;
        mine.as_array().unwrap().len() == 1
    })
    .await;
    eventually("the customer has a message for each step", || async {
        customer.get("/api/messages").await.1["messages"]
            .as_array()
            .is_some_and(|m| m.len() == 5)
    })
    .await;
    let (_, inbox) = customer.get("/api/messages").await;
    assert_eq!(inbox["unread"], 5);
    assert_eq!(inbox["messages"][0]["fact"], "delivery.delivered");
    let newest = inbox["messages"][0]["id"].as_str().unwrap();
    let (status, inbox) = customer
        .post(&format!("/api/messages/{newest}/read"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(inbox["unread"], 4);

    let monday = Uuid::now_v7();
    let (status, restocked) = staff
        .post(
            "/api/products/red-rose-bouquet/restock",
            json!({"quantity": 5, "reason": "Monday market", "request_id": monday}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{restocked}");
    assert_eq!(restocked["on_hand"], 15);
    // The reply was lost; the staff's browser sends the same restock again.
    let (status, again) = staff
        .post(
            "/api/products/red-rose-bouquet/restock",
            json!({"quantity": 5, "reason": "Monday market", "request_id": monday}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(
        again["on_hand"], 15,
        "a retried restock adds the stock once"
    );
    let (status, keyless) = staff
        .post(
            "/api/products/red-rose-bouquet/restock",
            json!({"quantity": 5, "reason": "Monday market"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(keyless["fields"][0]["field"], "request_id");
    let (status, refused) = staff
        .post(
            "/api/products/red-rose-bouquet/restock",
            json!({"quantity": 0, "reason": "typo", "request_id": Uuid::now_v7()}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"][0]["field"], "quantity");
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn staff_look_after_the_catalog_and_see_the_schedule_customers_see_their_payments() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let mut staff = Browser::open(&petal).await;
    staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    let mut customer = Browser::open(&petal).await;
    customer.sign_up("이수진").await;

    let (status, placed) = customer
        .post("/api/orders", checkout("white-lily-bouquet", 2, APPROVES))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let order_id = placed["order_id"].as_str().unwrap().to_owned();

    // The schedule shows who gets what, where and when, once the order is paid.
    eventually("the paid order is on the delivery schedule", || async {
        let (_, schedule) = staff.get("/api/deliveries").await;
        schedule
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["order_id"] == order_id.as_str() && d["status"] == "preparing")
    })
    .await;
    let (_, schedule) = staff.get("/api/deliveries").await;
    let delivery = &schedule[0];
    assert_eq!(delivery["recipient_name"], "김하늘");
    assert_eq!(delivery["window"], "afternoon");
    assert_eq!(delivery["card_message"], "생일 축하해!");
    let (status, bad) = staff.get("/api/deliveries?from=tomorrow").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["fields"][0]["field"], "from");

    // The customer sees the charge with the card's last four digits, never the number.
    let (_, payments) = customer.get("/api/payments").await;
    assert_eq!(payments[0]["order_id"], order_id.as_str());
    assert_eq!(payments[0]["status"], "approved");
    assert_eq!(payments[0]["last4"], "4242");
    assert!(!payments.to_string().contains("4242424242424242"));

    // Stock levels: sold items leave the shelf; nothing is held once the order is paid.
    let (status, products) = staff.get("/api/products").await;
    assert_eq!(status, StatusCode::OK);
    let lily = products
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "white-lily-bouquet")
        .unwrap()
        .clone();
    assert_eq!(lily["reserved"], 0);
    assert_eq!(lily["available"], lily["on_hand"]);

    let (status, changed) = staff
        .patch(
            "/api/products/white-lily-bouquet",
            json!({"price_won": 61000, "reason": "winter lilies cost more"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["price"], 61000);
    let (status, refused) = staff
        .patch(
            "/api/products/white-lily-bouquet",
            json!({"price_won": 0, "reason": "oops"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"][0]["field"], "price_won");
    staff
        .post(
            "/api/products/white-lily-bouquet/restock",
            json!({"quantity": 4, "reason": "Tuesday market", "request_id": Uuid::now_v7()}),
        )
        .await;
    let (_, history) = staff.get("/api/products/white-lily-bouquet/history").await;
    let reasons: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons[0], "Tuesday market", "newest first: {history}");
    assert!(reasons.contains(&"winter lilies cost more"));
    assert!(reasons.contains(&"first stock"));
    let price_change = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["reason"] == "winter lilies cost more")
        .unwrap();
    assert_eq!(price_change["actor"], STAFF_EMAIL);
    assert_eq!(price_change["price_after"], 61000);
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["stock_delta"] == -2 && h["order_id"] == order_id.as_str()),
        "the sale is in the history: {history}"
    );

    let flower = json!({
        "slug": "winter-camellia",
        "name": {"ko": "겨울 동백", "en": "Winter Camellia"},
        "description": {"ko": "붉은 동백 다섯 송이", "en": "Five red camellias"},
        "price_won": 38000,
        "on_hand": 6,
        "picture": "/flowers/red-rose-bouquet.svg"
    });
    let (status, added) = staff.post("/api/products", flower.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["available"], 6);
    let (status, taken) = staff.post("/api/products", flower.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(taken["fields"][0]["code"], "taken");
    let mut bad = flower;
    bad["slug"] = json!("another-flower");
    bad["picture"] = json!("https://elsewhere.example/flower.jpg");
    let (status, refused) = staff.post("/api/products", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"][0]["field"], "picture");

    // A flower with its own photo: PNG or JPEG only, served from /pictures/<slug>.
    let png = b"\x89PNG\r\n\x1a\n a tiny picture";
    let as_data_url = |bytes: &[u8]| {
        use base64::Engine;
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    };
    let photographed = json!({
        "slug": "spring-ranunculus",
        "name": {"ko": "봄 라넌큘러스", "en": "Spring Ranunculus"},
        "description": {"ko": "겹겹의 꽃잎", "en": "Layer upon layer of petals"},
        "price_won": 42000,
        "on_hand": 4,
        "photo": as_data_url(png)
    });
    let (status, added) = staff.post("/api/products", photographed.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["picture"], "/pictures/spring-ranunculus");
    // Served once the storefront's catalog has the new flower.
    eventually("the photo is served", || async {
        customer.get("/pictures/spring-ranunculus").await.0 == StatusCode::OK
    })
    .await;
    let picture = customer
        .http
        .get(format!("{}/pictures/spring-ranunculus", customer.base))
        .send()
        .await
        .unwrap();
    assert_eq!(picture.status(), StatusCode::OK);
    assert_eq!(picture.headers()["content-type"], "image/png");
    assert_eq!(picture.headers()["x-content-type-options"], "nosniff");
    assert_eq!(picture.bytes().await.unwrap().as_ref(), png.as_slice());
    let mut script = photographed;
    script["slug"] = json!("not-a-picture");
    script["photo"] = json!(as_data_url(b"<svg onload=\"alert(1)\"/>"));
    let (status, refused) = staff.post("/api/products", script).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"][0]["field"], "photo");
    assert_eq!(
        customer.get("/pictures/not-a-picture").await.0,
        StatusCode::NOT_FOUND
    );

    eventually(
        "the storefront shows the new flower and the new price",
        || async {
            let (_, catalog) = customer.get("/api/productInfos").await;
            let catalog = catalog.as_array().unwrap().clone();
            catalog.iter().any(|p| p["slug"] == "winter-camellia")
                && catalog
                    .iter()
                    .any(|p| p["slug"] == "white-lily-bouquet" && p["price_won"] == 61000)
        },
    )
    .await;
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn pages_follow_an_order_and_the_inbox_live_over_server_sent_events() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let mut customer = Browser::open(&petal).await;
    customer.sign_up("윤실시간").await;
    let mut staff = Browser::open(&petal).await;
    staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    let mut stranger = Browser::open(&petal).await;
    stranger.sign_up("남").await;

    let mut mine = Events::open(&customer, "/api/events", None).await;
    let mut staff_events = Events::open(&staff, "/api/events", None).await;
    let order_id = Uuid::now_v7();
    let mut body = checkout("sunflower-bouquet", 1, APPROVES);
    body["order_id"] = json!(order_id);
    let (status, placed) = customer.post("/api/orders", body).await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    // Opened at once, as the page does after placing: the stream waits the moment the view
    // may still need to hear of the new order (an order that never comes is a 404).
    let mut order_stream =
        Events::open(&customer, &format!("/api/orders/{order_id}/events"), None).await;

    let preparing = order_stream
        .until(|e| {
            let order: Value = serde_json::from_str(&e.data).unwrap();
            order["delivery_status"] == "preparing"
        })
        .await;
    assert_eq!(preparing.name, "order");
    let seen = preparing.id.clone().expect("events carry an id");
    let order: Value = serde_json::from_str(&preparing.data).unwrap();
    assert!(order["timeline"].as_array().unwrap().len() >= 3);

    // My nudges: my order changed, and my unread count grew.
    let changed = mine.until(|e| e.name == "orders").await;
    assert_eq!(changed.data, order_id.to_string());
    let unread = mine.until(|e| e.name == "messages").await;
    assert!(unread.data.parse::<i64>().unwrap() >= 1);
    // Staff hear that a delivery changed.
    staff_events.until(|e| e.name == "deliveries").await;

    // Reconnecting with the last id seen sends nothing until the order moves on...
    let mut resumed = Events::open(
        &customer,
        &format!("/api/orders/{order_id}/events"),
        Some(&seen),
    )
    .await;
    staff
        .post(&format!("/api/deliveries/{order_id}/dispatch"), json!({}))
        .await;
    let next = resumed.next().await;
    let order: Value = serde_json::from_str(&next.data).unwrap();
    assert_eq!(order["delivery_status"], "out_for_delivery");
    // ...while a fresh connection gets the current state at once.
    let mut fresh = Events::open(&customer, &format!("/api/orders/{order_id}/events"), None).await;
    let now: Value = serde_json::from_str(&fresh.next().await.data).unwrap();
    assert_eq!(now["order_id"], order_id.to_string());

    // Nobody else can follow it.
    let response = stranger
        .http
        .get(format!("{}/api/orders/{order_id}/events", stranger.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let anonymous = Browser::open(&petal).await;
    assert_eq!(
        anonymous.get("/api/events").await.0,
        StatusCode::UNAUTHORIZED
    );

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn staff_see_an_orders_parked_messages_and_send_them_back() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let mut staff = Browser::open(&petal).await;
    staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    let mut customer = Browser::open(&petal).await;
    customer.sign_up("고객").await;

    // A delivery fact about an order whose body breaks its contract: the view parks it.
    let order_id = Uuid::now_v7();
    let mut poison = messaging::Envelope::new(
        <contracts::delivery::DeliveryDispatched as contracts::Event>::ROUTING_KEY,
        1,
        &json!({}),
        Some(order_id.to_string()),
    );
    poison.body = b"{\"order_id\": 42}".to_vec();
    shop.publish(&poison).await;
    let path = format!("/api/parked?order_id={order_id}");
    eventually("the view parks it", || async {
        let (_, parked) = staff.get(&path).await;
        parked
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["context"] == "view")
    })
    .await;
    let (_, parked) = staff.get(&path).await;
    let view = parked
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["context"] == "view")
        .unwrap();
    assert_eq!(view["kind"], "delivery.dispatched");
    assert_eq!(view["message_id"], poison.id.to_string());
    let (_, others) = staff
        .get(&format!("/api/parked?order_id={}", Uuid::now_v7()))
        .await;
    assert_eq!(others, json!([]), "another order has nothing parked");

    assert_eq!(customer.get(&path).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        customer.post("/api/parked/view/redrive", json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        staff.post("/api/parked/nowhere/redrive", json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, moved) = staff.post("/api/parked/view/redrive", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["moved"], 1);
    // Still broken, so the view parks it again: nothing is lost either way.
    eventually("the re-driven message is parked again", || async {
        let (_, parked) = staff.get(&path).await;
        parked
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["context"] == "view")
    })
    .await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn bad_input_gets_a_4xx_naming_the_field_and_the_problem() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let mut customer = Browser::open(&petal).await;

    let (status, body) = customer
        .post(
            "/api/accounts",
            json!({"email": "not-an-email", "name": "", "password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "name", "password"]);

    let (status, body) = customer.post("/api/accounts", json!({"email": 3})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_json");

    let account = customer.sign_up("김하늘").await;
    let (status, body) = customer
        .sign_in(account["email"].as_str().unwrap(), "a wrong password!")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "the email or the password is wrong");

    let (status, body) = customer
        .post(
            "/api/orders",
            checkout("red-rose-bouquet", 1, "4242 4242 4242 4241"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"][0]["field"], "card_number");

    let mut late = checkout("red-rose-bouquet", 1, APPROVES);
    late["delivery_date"] = json!("2020-01-01");
    late["recipient_phone"] = json!("12345");
    let (status, body) = customer.post("/api/orders", late).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["recipient_phone", "delivery_date"]);

    // Without an order id or an Idempotency-Key a retry could place a second order.
    let mut nameless = checkout("red-rose-bouquet", 1, APPROVES);
    nameless.as_object_mut().unwrap().remove("order_id");
    let (status, body) = customer.post("/api/orders", nameless.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"][0]["field"], "order_id");
    // With a key, sending the same order again (a timeout, a retry) places it once.
    let key = Uuid::now_v7().to_string();
    let mut placed = Vec::new();
    for _ in 0..2 {
        let response = customer
            .http
            .post(format!("{}/api/orders", customer.base))
            .header("x-csrf-token", &customer.csrf)
            .header("idempotency-key", &key)
            .json(&nameless)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        placed.push(response.json::<Value>().await.unwrap()["order_id"].clone());
    }
    assert_eq!(placed[0], placed[1], "one order for one key");
    eventually("the customer has that one order", || async {
        let (_, mine) = customer.get("/api/orderHistories").await;
        mine.as_array().unwrap().len() == 1
    })
    .await;

    // Invisible control characters: named, refused before any stock is held.
    let mut nul = checkout("celebration-wreath", 3, APPROVES);
    nul["recipient_name"] = json!("a\u{0}");
    let (status, body) = customer.post("/api/orders", nul).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["field"], "recipient_name");
    assert_eq!(body["fields"][0]["code"], "control_character");
    let (_, wreath) = customer.get("/api/productInfos").await;
    let wreath = wreath
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "celebration-wreath")
        .unwrap()
        .clone();
    assert_eq!(wreath["available"], 3, "a refused order holds nothing");

    let (status, body) = customer
        .post("/api/orders", checkout("celebration-wreath", 4, APPROVES))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"][0]["code"], "out_of_stock");
    assert!(body["fields"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("only 3"));

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn a_customer_never_becomes_staff_because_the_staff_email_is_theirs() {
    let shop = Shop::new();
    let petal = shop.start(&[Role::Web]).await;
    let mut customer = Browser::open(&petal).await;
    let account = customer.sign_up("김하늘").await;
    let email = account["email"].as_str().unwrap().to_owned();
    petal.stop().await;

    // The shop is (mis)configured with the customer's email as the staff account.
    let settings = petal::Settings {
        staff: Some((email.clone(), STAFF_PASSWORD.to_owned())),
        ..shop.settings.clone()
    };
    let error = match petal::Application::build(&settings, &[Role::Web]).await {
        Ok(_) => panic!("a customer's email was taken for staff"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains("belongs to a customer"), "{error}");

    let petal = shop.start(&[Role::Web]).await;
    let mut customer = Browser::open(&petal).await;
    let (status, _) = customer.sign_in(&email, STAFF_PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the staff password opens nothing"
    );
    let (status, _) = customer.sign_in(&email, "correct horse battery").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = customer.get("/api/products").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "still a customer");

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn signing_in_gives_the_browser_a_new_session_id() {
    let shop = shop();
    let petal = shop.start(&[Role::Web]).await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    let base: reqwest::Url = petal.base_url().parse().unwrap();
    let session: Value = http
        .get(base.join("/api/session").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    use reqwest::cookie::CookieStore;
    let before = jar.cookies(&base).unwrap();
    let signed_in = http
        .post(base.join("/api/session").unwrap())
        .header("x-csrf-token", session["csrf_token"].as_str().unwrap())
        .json(&json!({"email": STAFF_EMAIL, "password": STAFF_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("petal_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let after = jar.cookies(&base).unwrap();
    assert_ne!(before, after, "the session id changes at sign-in");

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn expired_sessions_are_deleted_and_live_ones_kept() {
    let shop = Shop::with(&[("PETAL_SESSION_SWEEP_SECS", "1")]);
    let petal = shop.start(&[Role::Web]).await;
    let mut customer = Browser::open(&petal).await;
    customer.sign_up("김하늘").await;
    let web = shop.pool("web").await;
    sqlx::query(
        "INSERT INTO tower_sessions.session (id, data, expiry_date)
         VALUES ('expired-long-ago', '\\x00', now() - interval '1 day')",
    )
    .execute(&web)
    .await
    .unwrap();
    eventually("the expired session is gone", || async {
        let expired: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM tower_sessions.session WHERE id = 'expired-long-ago'",
        )
        .fetch_one(&web)
        .await
        .unwrap();
        expired == 0
    })
    .await;
    let (status, session) = customer.get("/api/session").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        session["account"].is_object(),
        "the live session stays signed in"
    );
    web.close().await;
    petal.stop().await;
    shop.finish().await;
}
