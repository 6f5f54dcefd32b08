//! The JSON API: the order life cycle as a browser or curl drives it, who may do what, and
//! answers to bad input.

use crate::support::*;
use petal::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const STAFF_EMAIL: &str = "staff@petal.test";
const STAFF_PASSWORD: &str = "a staff password for tests";

fn shop() -> Shop {
    Shop::with(&[
        ("PETAL_STAFF_EMAIL", STAFF_EMAIL),
        ("PETAL_STAFF_PASSWORD", STAFF_PASSWORD),
    ])
}

/// One browser: its own cookie jar and CSRF token.
struct Browser {
    http: reqwest::Client,
    base: String,
    csrf: String,
}

impl Browser {
    async fn open(petal: &Running) -> Self {
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

    async fn refresh_csrf(&mut self) {
        let session: Value = self.get("/api/session").await.1;
        self.csrf = session["csrf_token"].as_str().unwrap().to_owned();
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn sign_up(&mut self, name: &str) -> Value {
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

    async fn sign_in(&mut self, email: &str, password: &str) -> (StatusCode, Value) {
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

fn checkout(slug: &str, quantity: i64, card: &str) -> Value {
    let date = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
    json!({
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
    let (_, mine) = customer.get("/api/orderHistories").await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
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

    let (status, restocked) = staff
        .post(
            "/api/products/red-rose-bouquet/restock",
            json!({"quantity": 5, "reason": "Monday market"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{restocked}");
    assert_eq!(restocked["on_hand"], 15);
    let (status, refused) = staff
        .post(
            "/api/products/red-rose-bouquet/restock",
            json!({"quantity": 0, "reason": "typo"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"][0]["field"], "quantity");
    shop.assert_books_balance().await;

    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn each_route_answers_only_those_it_should() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let anonymous = Browser::open(&petal).await;
    let mut owner = Browser::open(&petal).await;
    owner.sign_up("주인").await;
    let mut stranger = Browser::open(&petal).await;
    stranger.sign_up("남").await;
    let mut staff = Browser::open(&petal).await;
    staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;

    let (status, placed) = owner
        .post("/api/orders", checkout("pink-tulips", 1, APPROVES))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let order = format!("/api/orders/{}", placed["order_id"].as_str().unwrap());
    eventually("the order reaches orderHistories", || async {
        owner.get(&order).await.0 == StatusCode::OK
    })
    .await;

    for browser in [&anonymous, &owner, &stranger, &staff] {
        assert_eq!(browser.get("/api/productInfos").await.0, StatusCode::OK);
        assert_eq!(browser.get("/api/session").await.0, StatusCode::OK);
    }
    let read_cases = [
        (&anonymous, order.as_str(), StatusCode::UNAUTHORIZED),
        (&stranger, order.as_str(), StatusCode::NOT_FOUND),
        (&owner, order.as_str(), StatusCode::OK),
        (&staff, order.as_str(), StatusCode::OK),
        (&anonymous, "/api/orderHistories", StatusCode::UNAUTHORIZED),
        (&anonymous, "/api/messages", StatusCode::UNAUTHORIZED),
        (&stranger, "/api/messages", StatusCode::OK),
    ];
    for (browser, path, expected) in read_cases {
        assert_eq!(browser.get(path).await.0, expected, "GET {path}");
    }
    let (_, strangers) = stranger.get("/api/orderHistories").await;
    assert_eq!(
        strangers,
        json!([]),
        "a customer sees only their own orders"
    );

    let cancel = format!("{order}/cancel");
    let dispatch = format!(
        "/api/deliveries/{}/dispatch",
        placed["order_id"].as_str().unwrap()
    );
    let restock = "/api/products/pink-tulips/restock";
    let write_cases = [
        (&anonymous, "/api/orders", StatusCode::UNAUTHORIZED),
        (&anonymous, cancel.as_str(), StatusCode::UNAUTHORIZED),
        (&stranger, cancel.as_str(), StatusCode::NOT_FOUND),
        (&anonymous, dispatch.as_str(), StatusCode::UNAUTHORIZED),
        (&owner, dispatch.as_str(), StatusCode::FORBIDDEN),
        (&stranger, dispatch.as_str(), StatusCode::FORBIDDEN),
        (&anonymous, restock, StatusCode::UNAUTHORIZED),
        (&owner, restock, StatusCode::FORBIDDEN),
    ];
    for (browser, path, expected) in write_cases {
        let body = match path {
            "/api/orders" => checkout("pink-tulips", 1, APPROVES),
            _ if path == restock => json!({"quantity": 1, "reason": "test"}),
            _ => json!({}),
        };
        assert_eq!(browser.post(path, body).await.0, expected, "POST {path}");
    }

    // Without the CSRF token nothing changes, whoever asks.
    let forged = owner
        .http
        .post(format!("{}{cancel}", owner.base))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["error"], "csrf");
    assert_eq!(
        owner.post(&cancel, json!({})).await.0,
        StatusCode::NO_CONTENT
    );

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
