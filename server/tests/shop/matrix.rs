//! Who may call what, for every route the router serves: the route list comes from the router's
//! own table (`petal::route_list`), so a new route is in this matrix the moment it exists, with
//! the access it declares checked for a stranger, its owner, another customer and staff, and
//! every state change refused without the CSRF token.

use crate::api::{checkout, shop, Browser, STAFF_EMAIL, STAFF_PASSWORD};
use crate::support::*;
use petal::{Access, Role, RouteSpec};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Stranger,
    Owner,
    OtherCustomer,
    Staff,
}

/// Whether `status` is what `caller` should hear from a route with `access`.
fn as_expected(access: Access, caller: Caller, status: StatusCode) -> bool {
    use Caller::*;
    let let_in = !matches!(status.as_u16(), 401 | 403 | 404) && !status.is_server_error();
    match (access, caller) {
        (Access::Anyone, _) => !matches!(status.as_u16(), 401 | 403) && !status.is_server_error(),
        (_, Stranger) => status == StatusCode::UNAUTHORIZED,
        (Access::SignedIn, _) => !matches!(status.as_u16(), 401 | 403) && !status.is_server_error(),
        (Access::Owner, Owner) | (Access::OwnerOrStaff, Owner | Staff) => let_in,
        (Access::Owner | Access::OwnerOrStaff, _) => status == StatusCode::NOT_FOUND,
        (Access::Staff, Staff) => {
            !matches!(status.as_u16(), 401 | 403) && !status.is_server_error()
        }
        (Access::Staff, _) => status == StatusCode::FORBIDDEN,
    }
}

/// Signing out everywhere, then here, go last: they end the caller's session.
fn ends_the_session(spec: &RouteSpec) -> u8 {
    match (spec.method, spec.path) {
        ("DELETE", "/api/sessions") => 1,
        ("DELETE", "/api/session") => 2,
        _ => 0,
    }
}

#[tokio::test]
async fn every_route_answers_each_kind_of_caller_as_its_access_says() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let stranger = Browser::open(&petal).await;
    let mut owner = Browser::open(&petal).await;
    owner.sign_up("주인").await;
    let mut other = Browser::open(&petal).await;
    other.sign_up("남").await;
    let mut staff = Browser::open(&petal).await;
    staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;

    let (status, placed) = owner
        .post("/api/orders", checkout("pink-tulips", 1, APPROVES))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let order_id = placed["order_id"].as_str().unwrap().to_owned();
    eventually("the owner has a message about the order", || async {
        owner.get("/api/messages").await.1["messages"][0]["id"].is_string()
    })
    .await;
    let message_id = owner.get("/api/messages").await.1["messages"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    eventually("the order reaches the view", || async {
        owner.get(&format!("/api/orders/{order_id}")).await.0 == StatusCode::OK
    })
    .await;

    // Lists answer for the caller alone: the other customer sees none of the owner's.
    for path in ["/api/orderHistories", "/api/payments"] {
        assert_eq!(other.get(path).await.1, json!([]), "{path}");
    }
    eventually("the owner sees their payment", || async {
        owner
            .get("/api/payments")
            .await
            .1
            .as_array()
            .is_some_and(|p| p.len() == 1)
    })
    .await;

    let mut routes = petal::route_list();
    assert!(routes.len() > 20, "{routes:?}");
    routes.sort_by_key(ends_the_session);
    let callers = [
        (Caller::Stranger, &stranger),
        (Caller::Owner, &owner),
        (Caller::OtherCustomer, &other),
        (Caller::Staff, &staff),
    ];
    let mut wrong = Vec::new();
    for spec in &routes {
        let path = spec
            .path
            .replace("/api/messages/{id}", &format!("/api/messages/{message_id}"))
            .replace("{id}", &order_id)
            .replace("{order_id}", &order_id)
            .replace("{slug}", "pink-tulips")
            .replace("{step}", "dispatch")
            .replace("{context}", "order")
            .replace("{email}", "nobody@petal.test");
        let method = Method::from_bytes(spec.method.as_bytes()).unwrap();
        let changes = !matches!(method, Method::GET | Method::HEAD);
        for (caller, browser) in callers {
            if changes {
                // First without the token: refused, whoever asks.
                let forged = browser
                    .http
                    .request(method.clone(), format!("{}{path}", browser.base))
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                if forged.status() != StatusCode::FORBIDDEN {
                    wrong.push(format!(
                        "{} {path} without CSRF as {caller:?}: {}",
                        spec.method,
                        forged.status()
                    ));
                }
            }
            let mut request = browser
                .http
                .request(method.clone(), format!("{}{path}", browser.base));
            if changes {
                // The caller's current token (a session that ended left a visitor's).
                let session = browser.get("/api/session").await.1;
                let token = session["csrf_token"].as_str().unwrap().to_owned();
                request = request.header("x-csrf-token", token).json(&json!({}));
            }
            // Headers only: a live stream answers 200 and stays open.
            let answer = request.send().await.unwrap();
            let status = answer.status();
            if !as_expected(spec.access, caller, status) {
                let body = if path.contains("events") {
                    String::new()
                } else {
                    answer.text().await.unwrap_or_default()
                };
                wrong.push(format!(
                    "{} {path} ({:?}) as {caller:?}: {status} {body}",
                    spec.method, spec.access
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    petal.stop().await;
    shop.finish().await;
}
