//! CSRF protection for every state change: a POST, PUT, PATCH or DELETE under `/api` must send
//! the CSRF token in `X-CSRF-Token`. A page on another site can make the browser send cookies,
//! but it can neither read the token (`GET /api/session` hands it out as JSON) nor send a custom
//! header without a CORS preflight, which the shop never grants.
//!
//! A signed-in person's token lives in their session. A visitor has no session (a row per
//! anonymous visit would let anyone fill the table): their token lives in a cookie of its own
//! and must come back both as that cookie and in the header (double submit), which is enough
//! for the only changes a visitor can make, signing up and signing in.

use super::{ApiError, ApiState};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method},
    middleware::Next,
    response::Response,
};
use tower_sessions::{
    cookie::{Cookie, SameSite},
    Session,
};

pub const HEADER: &str = "x-csrf-token";
pub const SESSION_KEY: &str = "csrf";
/// The visitor's token cookie over HTTPS (`__Host-`: Secure, this host only, every path).
const SECURE_COOKIE: &str = "__Host-petal_csrf";
/// Its name over plain http on one machine.
const PLAIN_COOKIE: &str = "petal_csrf";

fn cookie_name(https: bool) -> &'static str {
    if https {
        SECURE_COOKIE
    } else {
        PLAIN_COOKIE
    }
}

fn fresh() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, ApiError> {
    if let Some(token) = session.get::<String>(SESSION_KEY).await? {
        return Ok(token);
    }
    renew(session).await
}

/// A fresh token (at sign-in, with the new session id).
pub async fn renew(session: &Session) -> Result<String, ApiError> {
    let token = fresh();
    session.insert(SESSION_KEY, &token).await?;
    Ok(token)
}

/// The visitor's token from their cookie, if it is one we could have made.
fn visitor_cookie(headers: &HeaderMap, https: bool) -> Option<String> {
    let name = cookie_name(https);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| Cookie::split_parse(value.to_owned()))
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A visitor's token: the one their cookie holds, or a new one with the `Set-Cookie` that
/// gives it to them. No session row is written.
pub fn visitor_token(headers: &HeaderMap, https: bool) -> (String, Option<HeaderValue>) {
    if let Some(token) = visitor_cookie(headers, https) {
        return (token, None);
    }
    let token = fresh();
    let cookie = Cookie::build((cookie_name(https), token.clone()))
        .path("/")
        .http_only(true)
        .secure(https)
        .same_site(SameSite::Lax)
        .build();
    (token, HeaderValue::from_str(&cookie.to_string()).ok())
}

pub async fn protect(
    State(state): State<ApiState>,
    session: Session,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return Ok(next.run(request).await);
    }
    let sent = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok());
    let expected = match session.get::<String>(SESSION_KEY).await? {
        Some(token) => Some(token),
        None => visitor_cookie(request.headers(), state.secure_cookies),
    };
    match (sent, expected) {
        (Some(sent), Some(expected)) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => {
            Ok(next.run(request).await)
        }
        _ => Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "csrf",
            "missing or stale CSRF token: GET /api/session and send its csrf_token in the \
             X-CSRF-Token header",
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_keeps_the_token_their_cookie_holds_and_garbage_is_replaced() {
        let (token, set) = visitor_token(&HeaderMap::new(), true);
        let set = set
            .expect("a first visit gets the cookie")
            .to_str()
            .unwrap()
            .to_owned();
        assert!(set.starts_with("__Host-petal_csrf="), "{set}");
        assert!(set.contains("Secure") && set.contains("HttpOnly") && set.contains("Path=/"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            format!("other=1; __Host-petal_csrf={token}")
                .parse()
                .unwrap(),
        );
        assert_eq!(visitor_token(&headers, true), (token.clone(), None));
        assert_eq!(
            visitor_cookie(&headers, false),
            None,
            "plain http reads its own name"
        );
        headers.insert(
            header::COOKIE,
            "__Host-petal_csrf=x'; DROP".parse().unwrap(),
        );
        assert_ne!(visitor_token(&headers, true).0, "x'");
    }
}
