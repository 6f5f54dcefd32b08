//! The florist's day through the API: find an order by number, phone or email; a day at a
//! glance; what the coming days' orders need; and staff adding staff, each named in the history.

use crate::api::{checkout, shop, Browser, STAFF_EMAIL, STAFF_PASSWORD};
use crate::support::*;
use petal::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn order(browser: &Browser, order_id: &str) -> Value {
    browser.get(&format!("/api/orders/{order_id}")).await.1
}

/// Waits until the order's three statuses read as given.
async fn settled(browser: &Browser, order_id: &str, status: &str, payment: &str) {
    eventually(
        &format!("order {order_id} is {status} / {payment}"),
        || async {
            let order = order(browser, order_id).await;
            order["status"] == status && order["payment_status"] == payment
        },
    )
    .await;
}

fn ids(found: &Value) -> Vec<&str> {
    found
        .as_array()
        .expect("a list")
        .iter()
        .map(|o| o["order_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_florist_finds_orders_sees_the_day_and_what_to_prepare() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let mut staff = Browser::open(&petal).await;
    staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    let mut customer = Browser::open(&petal).await;
    let email = customer.sign_up("이수진").await["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut other = Browser::open(&petal).await;
    other.sign_up("남").await;

    // Three orders: one paid, one paid then cancelled (refunded), one declined.
    let mut placed = Vec::new();
    for card in [APPROVES, APPROVES, DECLINES] {
        let (status, body) = customer
            .post("/api/orders", checkout("white-lily-bouquet", 2, card))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        placed.push(body["order_id"].as_str().unwrap().to_owned());
    }
    let (kept, cancelled, declined) = (&placed[0], &placed[1], &placed[2]);
    settled(&staff, kept, "paid", "approved").await;
    settled(&staff, cancelled, "paid", "approved").await;
    let (status, body) = customer
        .post(&format!("/api/orders/{cancelled}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    settled(&staff, cancelled, "cancelled", "refunded").await;
    settled(&staff, declined, "rejected", "declined").await;

    // By the short number customers see, however it is typed.
    let short = &kept.replace('-', "")[24..];
    // `%23` is a `#`, as a browser sends it in a query.
    for typed in [short.to_uppercase(), format!("%23{short}")] {
        let (status, found) = staff.get(&format!("/api/orders?q={typed}")).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(ids(&found), [kept.as_str()], "searching {typed}");
    }
    // By the recipient's phone, written any usual way; the number comes back as digits.
    let (_, found) = staff.get("/api/orders?q=010-1234-5678").await;
    let found_ids = ids(&found);
    for id in &placed {
        assert!(found_ids.contains(&id.as_str()), "{id} found by phone");
    }
    assert_eq!(found[0]["recipient_phone"], "01012345678");
    // By the customer's email: theirs only; staff and strangers' emails find nothing.
    let (_, found) = staff
        .get(&format!("/api/orders?q={}", email.to_uppercase()))
        .await;
    assert_eq!(ids(&found).len(), 3);
    for nobody in [STAFF_EMAIL, "nobody@example.com"] {
        let (_, found) = staff.get(&format!("/api/orders?q={nobody}")).await;
        assert_eq!(ids(&found).len(), 0, "{nobody}");
    }
    // A search that is none of them says what to write.
    for bad in ["roses", "12", &"9".repeat(300)] {
        let (status, problem) = staff.get(&format!("/api/orders?q={bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(problem["fields"][0]["field"], "q");
        assert!(problem["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("B1E11036"));
    }
    // Customers may not search.
    let (status, _) = other.get(&format!("/api/orders?q={short}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // What to prepare: the kept order's flowers on its day; cancelled and declined need none.
    let kept_order = order(&staff, kept).await;
    let day = kept_order["delivery_date"].as_str().unwrap();
    let (status, plan) = staff
        .get(&format!("/api/preparation?from={day}&days=1"))
        .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(plan.as_array().unwrap().len(), 1, "{plan}");
    assert_eq!(plan[0]["day"], day);
    let lily = &plan[0]["flowers"][0];
    assert_eq!(lily["slug"], "white-lily-bouquet");
    assert_eq!(
        (lily["needed"].as_i64(), lily["orders"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(lily["name"]["ko"], kept_order["lines"][0]["name"]["ko"]);
    let (_, products) = staff.get("/api/products").await;
    let stock = products
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "white-lily-bouquet")
        .unwrap();
    eventually("the view has the stock inventory has", || async {
        let (_, plan) = staff
            .get(&format!("/api/preparation?from={day}&days=1"))
            .await;
        plan[0]["flowers"][0]["available"] == stock["available"]
            && plan[0]["flowers"][0]["on_hand"] == stock["on_hand"]
    })
    .await;
    let available = stock["available"].as_i64().unwrap();
    let (_, plan) = staff
        .get(&format!("/api/preparation?from={day}&days=1"))
        .await;
    assert_eq!(plan[0]["flowers"][0]["restock"], (2 - available).max(0));
    for bad in [
        "days=0",
        "days=15",
        "from=soon",
        "from=-5000-01-01",
        "from=99999-01-01",
    ] {
        let (status, problem) = staff.get(&format!("/api/preparation?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
    }

    // Once the flowers leave, the day no longer needs them; the day's totals follow.
    for step in ["dispatch", "deliver"] {
        let (status, body) = staff
            .post(&format!("/api/deliveries/{kept}/{step}"), json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{step}: {body}");
    }
    eventually("a delivered order needs nothing more", || async {
        let (_, plan) = staff
            .get(&format!("/api/preparation?from={day}&days=1"))
            .await;
        plan.as_array().unwrap().is_empty()
    })
    .await;
    let placed_at: chrono::DateTime<chrono::Utc> =
        kept_order["placed_at"].as_str().unwrap().parse().unwrap();
    let seoul_day = (placed_at + chrono::Duration::hours(9)).date_naive();
    let total = kept_order["total_won"].as_i64().unwrap();
    eventually("the day at a glance counts every step", || async {
        let (_, today) = staff.get(&format!("/api/daySummary?day={seoul_day}")).await;
        today["delivered"] == 1
    })
    .await;
    let (status, today) = staff.get(&format!("/api/daySummary?day={seoul_day}")).await;
    assert_eq!(status, StatusCode::OK);
    let counts: Vec<i64> = [
        "placed",
        "paid",
        "declined",
        "cancelled",
        "refunded",
        "delivered",
    ]
    .iter()
    .map(|k| today[k].as_i64().unwrap())
    .collect();
    assert_eq!(counts, [3, 2, 1, 1, 1, 1], "{today}");
    assert_eq!(today["paid_won"], 2 * total);
    assert_eq!(today["refunded_won"], total);
    assert_eq!(today["revenue_won"], total);
    let (_, yesterday) = staff
        .get(&format!(
            "/api/daySummary?day={}",
            seoul_day.pred_opt().unwrap()
        ))
        .await;
    assert_eq!(yesterday["placed"], 0);
    for bad in ["25-11-2026", "-5000-01-01", "262143-01-01"] {
        let (status, _) = staff.get(&format!("/api/daySummary?day={bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let (status, _) = staff.get(&format!("/api/deliveries?from={bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn staff_add_a_colleague_whose_changes_carry_their_name() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let mut staff = Browser::open(&petal).await;
    staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    let mut customer = Browser::open(&petal).await;
    let customer_email = customer.sign_up("손님").await["email"]
        .as_str()
        .unwrap()
        .to_owned();

    let colleague = json!({"email": "Jimin@Petal.test", "name": "박지민", "password": "a colleague's password"});
    let (status, added) = staff.post("/api/staffAccounts", colleague.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["email"], "jimin@petal.test");
    assert_eq!(added["added_by"], STAFF_EMAIL);
    let (status, again) = staff.post("/api/staffAccounts", colleague).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
    assert_eq!(again["fields"][0]["code"], "taken");

    // A customer's account never becomes staff; mistakes are named together.
    let (status, taken) = staff
        .post(
            "/api/staffAccounts",
            json!({"email": customer_email, "name": "x", "password": "long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{taken}");
    let (status, bad) = staff
        .post(
            "/api/staffAccounts",
            json!({"email": "not an email", "name": "", "password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["fields"].as_array().unwrap().len(), 3, "{bad}");
    // Customers can neither list nor add staff.
    let (status, _) = customer
        .post(
            "/api/staffAccounts",
            json!({"email": "me@example.com", "name": "me", "password": "long enough password"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = customer.get("/api/staffAccounts").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, list) = staff.get("/api/staffAccounts").await;
    let emails: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, [STAFF_EMAIL, "jimin@petal.test"]);
    assert_eq!(list[0]["added_by"], Value::Null);

    // The colleague signs in as staff, and their restock names them in the history.
    let mut jimin = Browser::open(&petal).await;
    let (status, session) = jimin
        .sign_in("jimin@petal.test", "a colleague's password")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(session["account"]["staff"], true);
    let (status, body) = jimin
        .post(
            "/api/products/pink-tulips/restock",
            json!({"quantity": 4, "reason": "월요일 꽃시장", "request_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, history) = staff.get("/api/products/pink-tulips/history").await;
    assert_eq!(history[0]["actor"], "jimin@petal.test", "{history}");
    assert_eq!(history[0]["reason"], "월요일 꽃시장");

    // Sending an order out names them on its timeline, for staff eyes only.
    let (status, placed) = customer
        .post("/api/orders", checkout("pink-tulips", 1, APPROVES))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let order_id = placed["order_id"].as_str().unwrap().to_owned();
    settled(&customer, &order_id, "paid", "approved").await;
    eventually("delivery is preparing the order", || async {
        order(&customer, &order_id).await["delivery_status"] == "preparing"
    })
    .await;
    let (status, body) = jimin
        .post(&format!("/api/deliveries/{order_id}/dispatch"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sent_out = |order: Value| {
        order["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == "out_for_delivery")
            .cloned()
    };
    eventually("the timeline shows the order sent out", || async {
        sent_out(order(&staff, &order_id).await).is_some()
    })
    .await;
    let step = sent_out(order(&staff, &order_id).await).unwrap();
    assert_eq!(step["by"], "jimin@petal.test", "{step}");
    let step = sent_out(order(&customer, &order_id).await).unwrap();
    assert!(
        step.get("by").is_none(),
        "a customer is not told who: {step}"
    );

    // Removing a colleague: not oneself, not the configured account, not by a customer.
    let remove = |email: &str| format!("/api/staffAccounts/{email}");
    for (who, email, expected) in [
        (&staff, STAFF_EMAIL, StatusCode::CONFLICT),
        (&jimin, STAFF_EMAIL, StatusCode::CONFLICT),
        (&jimin, "jimin@petal.test", StatusCode::CONFLICT),
        (&staff, "nobody@petal.test", StatusCode::NOT_FOUND),
        (&staff, customer_email.as_str(), StatusCode::NOT_FOUND),
        (&customer, "jimin@petal.test", StatusCode::FORBIDDEN),
    ] {
        let (status, body) = who
            .send(reqwest::Method::DELETE, &remove(email), json!({}))
            .await;
        assert_eq!(status, expected, "removing {email}: {body}");
    }
    let (status, body) = staff
        .send(
            reqwest::Method::DELETE,
            &remove("Jimin@Petal.test"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // Their open session ends at once, they cannot sign in again, and the list forgets them;
    // what they did keeps their name.
    let (status, _) = jimin.get("/api/deliveries").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let mut again = Browser::open(&petal).await;
    let (status, _) = again
        .sign_in("jimin@petal.test", "a colleague's password")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, list) = staff.get("/api/staffAccounts").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (_, history) = staff.get("/api/products/pink-tulips/history").await;
    assert!(history.to_string().contains("jimin@petal.test"));
    petal.stop().await;
    shop.finish().await;
}
