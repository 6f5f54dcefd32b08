//! CSRF protection for every state change: a POST, PUT, PATCH or DELETE under `/api` must send
//! the session's token in `X-CSRF-Token`. A page on another site can make the browser send the
//! session cookie, but it cannot read the token (`GET /api/session` hands it out as JSON).

use super::ApiError;
use axum::{extract::Request, http::Method, middleware::Next, response::Response};
use tower_sessions::Session;

pub const HEADER: &str = "x-csrf-token";
pub const SESSION_KEY: &str = "csrf";

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, ApiError> {
    if let Some(token) = session.get::<String>(SESSION_KEY).await? {
        return Ok(token);
    }
    renew(session).await
}

/// A fresh token (at sign-in and sign-out, with the new session id).
pub async fn renew(session: &Session) -> Result<String, ApiError> {
    let token = uuid::Uuid::new_v4().simple().to_string();
    session.insert(SESSION_KEY, &token).await?;
    Ok(token)
}

pub async fn protect(session: Session, request: Request, next: Next) -> Result<Response, ApiError> {
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
    let expected = session.get::<String>(SESSION_KEY).await?;
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
