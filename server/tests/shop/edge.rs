//! The shop's edge against abuse: the headers on every answer, rate limits, sessions that cost
//! nothing until needed and end when they should, capped live streams, and slow clients.

use crate::api::{checkout, shop, Browser, Events, STAFF_EMAIL, STAFF_PASSWORD};
use crate::support::*;
use petal::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_pages_a_matching_nonce() {
    let shop = shop();
    let petal = shop.start(&[Role::Web]).await;
    let http = reqwest::Client::new();
    let page = http.get(petal.base_url() + "/").send().await.unwrap();
    let headers = page.headers().clone();
    let policy = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    // Every inline script Leptos wrote carries this response's nonce, 128 random bits.
    crate::support::nonce_and_page(&policy, &html);
    assert!(policy.contains("'wasm-unsafe-eval'") && !policy.contains("unsafe-inline"));
    assert!(policy.contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(
        headers.get("strict-transport-security").is_none(),
        "plain http on one machine"
    );

    let second = http.get(petal.base_url() + "/").send().await.unwrap();
    assert_ne!(
        second.headers()["content-security-policy"],
        headers["content-security-policy"],
        "a nonce is used once"
    );
    for path in [
        "/api/session",
        "/api/productInfos",
        "/no-such-page",
        "/api/orders/1",
    ] {
        let answer = http.get(petal.base_url() + path).send().await.unwrap();
        assert_eq!(
            answer.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert!(
            answer.headers().contains_key("content-security-policy"),
            "{path}"
        );
    }
    let session = http
        .get(petal.base_url() + "/api/session")
        .send()
        .await
        .unwrap();
    assert_eq!(
        session.headers()["cache-control"],
        "no-store",
        "it holds a CSRF token"
    );
    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn over_https_the_cookies_are_host_only_and_secure_with_hsts() {
    let shop = Shop::with(&[("PETAL_SECURE_COOKIES", "on")]);
    let petal = shop.start(&[Role::Web]).await;
    let visit = reqwest::get(petal.base_url() + "/api/session")
        .await
        .unwrap();
    assert!(visit.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
    let cookie = visit.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("__Host-petal_csrf="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("; Path=/") && !cookie.contains("Domain")
    );
    petal.stop().await;
    shop.finish().await;
}

async fn session_rows(shop: &Shop) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&shop.pool("web").await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_visitor_costs_no_session_row_until_they_sign_in() {
    let shop = shop();
    let petal = shop.start(&[Role::Web]).await;
    for _ in 0..5 {
        let visitor = Browser::open(&petal).await;
        assert_eq!(visitor.get("/api/session").await.0, StatusCode::OK);
        assert_eq!(visitor.get("/").await.0, StatusCode::OK);
    }
    assert_eq!(session_rows(&shop).await, 0, "visitors wrote session rows");

    // The visitor's token works for signing up, only with its own cookie.
    let mut visitor = Browser::open(&petal).await;
    let stranger = reqwest::Client::new();
    let forged = stranger
        .post(petal.base_url() + "/api/session")
        .header("x-csrf-token", &visitor.csrf)
        .json(&json!({"email": STAFF_EMAIL, "password": STAFF_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a token without its cookie"
    );
    visitor.sign_up("방문객").await;
    assert_eq!(session_rows(&shop).await, 1);
    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn a_staff_flag_or_a_password_change_applies_to_open_sessions_at_once() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let mut staff = Browser::open(&petal).await;
    staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    assert_eq!(staff.get("/api/products").await.0, StatusCode::OK);
    let web = shop.pool("web").await;
    sqlx::query("UPDATE accounts SET staff = false WHERE email = $1")
        .bind(STAFF_EMAIL)
        .execute(&web)
        .await
        .unwrap();
    assert_eq!(staff.get("/api/products").await.0, StatusCode::FORBIDDEN);
    let (_, session) = staff.get("/api/session").await;
    assert_eq!(session["account"]["staff"], false);

    // One customer on two devices changes the password on the first.
    let mut phone = Browser::open(&petal).await;
    let email = phone.sign_up("두 기기").await["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut laptop = Browser::open(&petal).await;
    laptop.sign_in(&email, "correct horse battery").await;
    assert_eq!(laptop.get("/api/orderHistories").await.0, StatusCode::OK);
    let (status, problem) = phone
        .send(
            reqwest::Method::PUT,
            "/api/account/password",
            json!({"current_password": "wrong horse battery", "new_password": "a new password here"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["fields"][0]["field"], "current_password");
    let (status, renewed) = phone
        .send(
            reqwest::Method::PUT,
            "/api/account/password",
            json!({"current_password": "correct horse battery", "new_password": "a new password here"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    phone.csrf = renewed["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(phone.get("/api/orderHistories").await.0, StatusCode::OK);
    assert_eq!(
        laptop.get("/api/orderHistories").await.0,
        StatusCode::UNAUTHORIZED,
        "the other device's session ended"
    );
    let mut again = Browser::open(&petal).await;
    assert_eq!(
        again.sign_in(&email, "correct horse battery").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        again.sign_in(&email, "a new password here").await.0,
        StatusCode::OK
    );

    // Signing out everywhere ends both.
    let (status, _) = again
        .send(reqwest::Method::DELETE, "/api/sessions", json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        again.get("/api/orderHistories").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        phone.get("/api/orderHistories").await.0,
        StatusCode::UNAUTHORIZED
    );
    petal.stop().await;
    shop.finish().await;
}

/// A sign-in attempt from `address` (as our proxy would forward it).
async fn sign_in_from(petal: &Running, address: &str, email: &str) -> reqwest::Response {
    let browser = Browser::open(petal).await;
    browser
        .http
        .post(petal.base_url() + "/api/session")
        .header("x-csrf-token", &browser.csrf)
        .header("x-forwarded-for", format!("6.6.6.6, {address}"))
        .json(&json!({"email": email, "password": "guessing wrongly"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn guessing_passwords_is_limited_per_address_and_per_account() {
    let shop = Shop::with(&[
        ("PETAL_RATE_LIMITS", "on"),
        ("PETAL_CLIENT_ADDRESS", "x-forwarded-for"),
    ]);
    let petal = shop.start(&[Role::Web]).await;
    // One account from many addresses: ten tries, then wait.
    for i in 0..10 {
        let answer = sign_in_from(&petal, &format!("10.0.1.{i}"), "kim@example.com").await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let held = sign_in_from(&petal, "10.0.1.99", "kim@example.com").await;
    assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = held.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = held.json().await.unwrap();
    assert_eq!(body["error"], "too_many_requests");
    assert_eq!(body["retry_after"], wait);

    // One address, many accounts: twenty tries, then wait; the first entry of
    // X-Forwarded-For (the client's own words) changes nothing.
    for i in 0..20 {
        let answer = sign_in_from(&petal, "10.0.2.1", &format!("user{i}@example.com")).await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let held = sign_in_from(&petal, "10.0.2.1", "someone@example.com").await;
    assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(held.headers().contains_key("retry-after"));
    let other = sign_in_from(&petal, "10.0.2.2", "someone@example.com").await;
    assert_eq!(
        other.status(),
        StatusCode::UNAUTHORIZED,
        "another address is not held"
    );
    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn live_streams_are_capped_refused_for_unknown_orders_and_end_at_sign_out() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let mut customer = Browser::open(&petal).await;
    customer.sign_up("열린 창").await;
    let unknown = format!("/api/orders/{}/events", Uuid::now_v7());
    assert_eq!(customer.get(&unknown).await.0, StatusCode::NOT_FOUND);

    let mut streams = Vec::new();
    for _ in 0..petal::STREAMS_PER_ACCOUNT {
        streams.push(Events::open(&customer, "/api/events", None).await);
    }
    let refused = customer.get("/api/events").await;
    assert_eq!(refused.0, StatusCode::TOO_MANY_REQUESTS, "{}", refused.1);
    drop(streams.pop());
    // The dropped stream's place frees once the server notices the closed connection.
    eventually("a closed stream frees its place", || async {
        let http = &customer.http;
        let answer = http
            .get(customer.base.clone() + "/api/events")
            .send()
            .await
            .unwrap();
        answer.status() == StatusCode::OK
    })
    .await;

    let (status, _) = customer
        .send(reqwest::Method::DELETE, "/api/session", json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for mut stream in streams {
        assert!(
            ended_within(&mut stream, Duration::from_secs(5)).await,
            "a stream stayed open after signing out"
        );
    }
    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn live_streams_on_another_instance_end_when_their_session_ends() {
    let shop = Shop::with(&[("PETAL_LIVE_RECHECK_SECS", "1")]);
    let here = shop.start(Role::ALL).await;
    let there = shop.start(&[Role::Web]).await;
    // The same browser on both instances: cookies belong to the host, not the port.
    let mut laptop = Browser::open(&here).await;
    let account = laptop.sign_up("두 대의 서버").await;
    let laptop_there = Browser {
        http: laptop.http.clone(),
        base: there.base_url(),
        csrf: laptop.csrf.clone(),
    };
    // A phone signed in to the same account, its page served by the other instance too.
    let mut phone = Browser::open(&there).await;
    let email = account["email"].as_str().unwrap();
    let (status, body) = phone.sign_in(email, "correct horse battery").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut laptop_stream = Events::open(&laptop_there, "/api/events", None).await;
    let mut phone_stream = Events::open(&phone, "/api/events", None).await;

    // Signing out here ends the laptop's stream there, and only that one.
    let (status, _) = laptop
        .send(reqwest::Method::DELETE, "/api/session", json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        ended_within(&mut laptop_stream, Duration::from_secs(10)).await,
        "the laptop's stream on the other instance stayed open after signing out"
    );
    assert!(
        !ended_within(&mut phone_stream, Duration::from_secs(3)).await,
        "the phone's stream ended though its session holds"
    );

    // Signing out everywhere (the laptop signs in again) ends the phone's stream there.
    laptop.refresh_csrf().await;
    let (status, body) = laptop.sign_in(email, "correct horse battery").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = laptop
        .send(reqwest::Method::DELETE, "/api/sessions", json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        ended_within(&mut phone_stream, Duration::from_secs(10)).await,
        "the phone's stream stayed open after signing out everywhere"
    );
    there.stop().await;
    here.stop().await;
    shop.finish().await;
}

/// Whether the server ends `stream` within `limit` (keep-alive comments are read past).
async fn ended_within(stream: &mut Events, limit: Duration) -> bool {
    tokio::time::timeout(limit, async {
        while let Ok(Some(_)) = stream.response.chunk().await {}
    })
    .await
    .is_ok()
}

/// Reads until the server closes `connection`, for at most the header deadline and 5 s more.
async fn closed_within_the_header_deadline(
    connection: &mut tokio::net::TcpStream,
) -> Result<(), tokio::time::error::Elapsed> {
    let mut buffer = [0u8; 1024];
    tokio::time::timeout(
        petal::edge::serve::HEADER_READ + Duration::from_secs(5),
        async {
            while let Ok(read) = connection.read(&mut buffer).await {
                if read == 0 {
                    return;
                }
            }
        },
    )
    .await
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let shop = shop();
    let petal = shop.start(&[Role::Web]).await;
    let address = petal.base_url().trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: shop\r\nX-Slow: ")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let closed = closed_within_the_header_deadline(&mut slow).await;
    assert!(closed.is_ok(), "the connection stayed open");
    // An idle keep-alive connection is closed the same way; a prompt client is served.
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /health/live HTTP/1.1\r\nHost: shop\r\n\r\n")
        .await
        .unwrap();
    let read = idle.read(&mut buffer).await.unwrap();
    assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 200"));
    let closed = closed_within_the_header_deadline(&mut idle).await;
    assert!(closed.is_ok(), "an idle connection stayed open");
    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn placing_orders_is_limited_per_address() {
    let shop = Shop::with(&[
        ("PETAL_RATE_LIMITS", "on"),
        ("PETAL_STAFF_EMAIL", STAFF_EMAIL),
        ("PETAL_STAFF_PASSWORD", STAFF_PASSWORD),
    ]);
    let petal = shop.start(&[Role::Web]).await;
    let mut customer = Browser::open(&petal).await;
    customer.sign_up("급한 손님").await;
    let mut statuses = Vec::new();
    // Refused for their card before anything else happens, but each counts.
    for _ in 0..31 {
        let order = checkout("pink-tulips", 1, "1234");
        statuses.push(customer.post("/api/orders", order).await.0);
    }
    assert!(
        statuses[..30]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn photos_are_served_from_memory_with_an_etag_even_while_inventory_is_down() {
    let shop = shop();
    let web = shop.start(&[Role::Web]).await;
    let contexts = shop
        .start(&[
            Role::Inventory,
            Role::Order,
            Role::Payment,
            Role::Delivery,
            Role::Notification,
        ])
        .await;
    let mut staff = Browser::open(&web).await;
    staff.sign_in(STAFF_EMAIL, STAFF_PASSWORD).await;
    let png = b"\x89PNG\r\n\x1a\n a photo of peonies";
    let photo = {
        use base64::Engine;
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        )
    };
    let flower = json!({
        "slug": "june-peonies",
        "name": {"ko": "유월 작약", "en": "June Peonies"},
        "description": {"ko": "탐스러운 작약", "en": "Lush peonies"},
        "price_won": 52000,
        "on_hand": 3,
        "photo": photo
    });
    let (status, added) = staff.post("/api/products", flower).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let http = reqwest::Client::new();
    let url = web.base_url() + "/pictures/june-peonies";
    eventually("the photo is served", || async {
        http.get(&url).send().await.unwrap().status() == StatusCode::OK
    })
    .await;

    // Inventory stops: the photo still comes, from memory; unknown ones are 404, not 503.
    contexts.stop().await;
    let served = http.get(&url).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    let etag = served.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(served.bytes().await.unwrap().as_ref(), png.as_slice());
    let again = http
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());
    for slug in ["red-rose-bouquet", "no-such-flower", "..%2F..%2Fetc"] {
        let answer = http
            .get(format!("{}/pictures/{slug}", web.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::NOT_FOUND, "{slug}");
    }
    web.stop().await;
    shop.finish().await;
}

/// A body as it came over the wire, decoded as its `Content-Encoding` says.
fn decoded(encoding: Option<&str>, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match encoding {
        Some("br") => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        None => out.extend_from_slice(body),
        Some(other) => panic!("unexpected content-encoding {other}"),
    }
    out
}

#[tokio::test]
async fn pages_and_json_travel_compressed_when_the_browser_takes_it_but_live_streams_do_not() {
    let shop = shop();
    let petal = shop.start(Role::ALL).await;
    let raw = reqwest::Client::new();
    let fetch = |path: &'static str, accept: Option<&'static str>| {
        let mut request = raw.get(petal.base_url() + path);
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "GET {path}");
            let headers = response.headers().clone();
            let body = response.bytes().await.unwrap().to_vec();
            (headers, body)
        }
    };
    let encoding = |headers: &reqwest::header::HeaderMap| {
        headers
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned())
    };

    let (plain_headers, plain) = fetch("/", None).await;
    assert_eq!(
        encoding(&plain_headers),
        None,
        "nothing asked, nothing compressed"
    );
    let (headers, body) = fetch("/", Some("br, gzip")).await;
    assert_eq!(
        encoding(&headers).as_deref(),
        Some("br"),
        "a page goes out in brotli"
    );
    assert!(headers["vary"]
        .to_str()
        .unwrap()
        .to_lowercase()
        .contains("accept-encoding"));
    let page = String::from_utf8(decoded(Some("br"), &body)).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("</html>"));
    assert!(
        body.len() * 3 < plain.len(),
        "the catalog page shrinks: {} bytes compressed, {} plain",
        body.len(),
        plain.len()
    );

    let (_, plain) = fetch("/api/productInfos", None).await;
    let (headers, body) = fetch("/api/productInfos", Some("gzip")).await;
    assert_eq!(
        encoding(&headers).as_deref(),
        Some("gzip"),
        "JSON goes out gzipped"
    );
    let json: Value = serde_json::from_slice(&decoded(Some("gzip"), &body)).unwrap();
    assert_eq!(json, serde_json::from_slice::<Value>(&plain).unwrap());

    // A live stream sends each event as it happens: never held back by a compressor.
    let mut customer = Browser::open(&petal).await;
    customer.sign_up("압축").await;
    let events = customer
        .http
        .get(petal.base_url() + "/api/events")
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    assert!(events.headers().get("content-encoding").is_none());
    drop(events);
    petal.stop().await;
    shop.finish().await;
}

#[tokio::test]
async fn the_site_files_go_precompressed_and_a_browser_that_has_them_gets_304() {
    // A site folder of its own: a style sheet with the brotli and gzip copies a release build
    // makes (`cargo xtask build`).
    let site = std::env::temp_dir().join(format!("petal-site-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    let css = "body { color: #2b2024; } ".repeat(200);
    std::fs::write(site.join("pkg/petal.css"), &css).unwrap();
    let mut br = Vec::new();
    {
        use std::io::Write;
        let mut writer = brotli::CompressorWriter::new(&mut br, 4096, 9, 22);
        writer.write_all(css.as_bytes()).unwrap();
    }
    std::fs::write(site.join("pkg/petal.css.br"), &br).unwrap();
    for name in [
        "petal.gSXdGGggQBllpctKtf_S3w.css",
        "__wasm_split.______________________.js",
    ] {
        std::fs::write(site.join("pkg").join(name), &css).unwrap();
        std::fs::write(site.join("pkg").join(format!("{name}.br")), &br).unwrap();
    }
    let site_root = site.to_str().unwrap().to_owned();
    let shop = crate::support::Shop::with(&[("LEPTOS_SITE_ROOT", site_root.as_str())]);
    let petal = shop.start(&[Role::Web]).await;
    let http = reqwest::Client::new();
    let url = petal.base_url() + "/pkg/petal.css";

    let first = http
        .get(&url)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let headers = first.headers().clone();
    assert_eq!(
        headers["content-encoding"], "br",
        "the prebuilt brotli copy"
    );
    assert!(headers["vary"]
        .to_str()
        .unwrap()
        .to_lowercase()
        .contains("accept-encoding"));
    assert_eq!(
        headers["cache-control"], "no-cache",
        "kept, and checked on each visit"
    );
    let body = first.bytes().await.unwrap();
    assert_eq!(decoded(Some("br"), &body), css.as_bytes());

    // The second visit: the browser asks whether its copy is current, and gets no body.
    let again = http
        .get(&url)
        .header("accept-encoding", "br, gzip")
        .header("if-modified-since", headers["last-modified"].clone())
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());

    // A browser that takes no compression gets the file itself.
    let plain = http.get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.text().await.unwrap(), css);

    // A file named after its content (`cargo xtask build`) never changes under that name: a
    // browser keeps it a year and never asks again. The loader's placeholder is no content name.
    let named = http
        .get(petal.base_url() + "/pkg/petal.gSXdGGggQBllpctKtf_S3w.css")
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(named.status(), StatusCode::OK);
    assert_eq!(named.headers()["content-encoding"], "br");
    assert_eq!(
        named.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let placeholder = http
        .get(petal.base_url() + "/pkg/__wasm_split.______________________.js")
        .send()
        .await
        .unwrap();
    assert_eq!(placeholder.status(), StatusCode::OK);
    assert_eq!(placeholder.headers()["cache-control"], "no-cache");
    // A name that is not there is not cached at all.
    let missing = http
        .get(petal.base_url() + "/pkg/petal.AAAAAAAAAAAAAAAAAAAAAA.css")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_ne!(
        missing
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("public, max-age=31536000, immutable")
    );
    petal.stop().await;
    shop.finish().await;
    let _ = std::fs::remove_dir_all(site);
}
