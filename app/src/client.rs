//! The browser's side of the JSON API under `/api`: typed requests, the session's CSRF token on
//! every change, and errors as the API states them (a code, words, and the fields at fault).
//!
//! Only the hydrated app calls these (from `LocalResource`s and event handlers); on the server
//! they answer "only in the browser" so the same components compile for both.

use contracts::order::FieldProblem;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// An error the API answered, or the network failing on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Failure {
    #[serde(skip)]
    pub status: u16,
    pub error: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<FieldProblem>,
    /// With 429 and 503: seconds to wait before trying again.
    #[serde(default)]
    pub retry_after: Option<u64>,
}

impl Failure {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn network() -> Self {
        Self {
            error: "network".into(),
            message: "the shop could not be reached; check the connection and try again".into(),
            ..Self::default()
        }
    }

    /// The problem with `field`, if the API named it.
    pub fn field(&self, field: &str) -> Option<&FieldProblem> {
        self.fields.iter().find(|problem| problem.field == field)
    }

    pub fn is_sign_in_required(&self) -> bool {
        self.status == 401
    }
}

/// `GET path`, decoded.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, Failure> {
    imp::request::<(), T>("GET", path, None).await
}

/// A state change (`POST`, `PUT`, `PATCH`, `DELETE`) with a JSON body; `()` decodes a 204.
pub async fn send<B: Serialize, T: DeserializeOwned>(
    method: &'static str,
    path: &str,
    body: &B,
) -> Result<T, Failure> {
    imp::request(method, path, Some(body)).await
}

/// A fresh id for one form: sending the form again (a retry after a timeout) is then
/// recognized by the API as the same request and done once. Empty on the server.
pub fn new_request_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        // Random bytes, not `randomUUID`: that one exists only in secure contexts (HTTPS or
        // localhost), and a shop behind plain HTTP must still name its requests.
        if let Ok(crypto) = leptos::prelude::window().crypto() {
            let mut bytes = [0u8; 16];
            if crypto.get_random_values_with_u8_array(&mut bytes).is_ok() {
                return uuid::Builder::from_random_bytes(bytes)
                    .into_uuid()
                    .to_string();
            }
        }
    }
    String::new()
}

/// Remembers the CSRF token the API handed out with a new session (sign in, sign up).
pub fn remember_csrf(token: String) {
    imp::set_csrf(Some(token));
}

#[cfg(feature = "hydrate")]
mod imp {
    use super::Failure;
    use gloo_net::http::{Request, RequestBuilder};
    use serde::{de::DeserializeOwned, Deserialize, Serialize};
    use std::cell::RefCell;

    thread_local! {
        static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    pub fn set_csrf(token: Option<String>) {
        CSRF.with(|csrf| *csrf.borrow_mut() = token);
    }

    async fn csrf() -> Result<String, Failure> {
        if let Some(token) = CSRF.with(|csrf| csrf.borrow().clone()) {
            return Ok(token);
        }
        #[derive(Deserialize)]
        struct Session {
            csrf_token: String,
        }
        let session: Session = Request::get("/api/session")
            .send()
            .await
            .map_err(|_| Failure::network())?
            .json()
            .await
            .map_err(|_| Failure::network())?;
        set_csrf(Some(session.csrf_token.clone()));
        Ok(session.csrf_token)
    }

    fn builder(method: &str, path: &str) -> RequestBuilder {
        match method {
            "POST" => Request::post(path),
            "PUT" => Request::put(path),
            "PATCH" => Request::patch(path),
            "DELETE" => Request::delete(path),
            _ => Request::get(path),
        }
    }

    pub async fn request<B: Serialize, T: DeserializeOwned>(
        method: &str,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, Failure> {
        let mut retried = false;
        loop {
            let mut builder = builder(method, path).header("accept", "application/json");
            if method != "GET" {
                builder = builder.header("x-csrf-token", &csrf().await?);
            }
            let request = match body {
                Some(body) => builder.json(body),
                None => builder.build(),
            }
            .map_err(|_| Failure::network())?;
            let response = request.send().await.map_err(|_| Failure::network())?;
            let status = response.status();
            let text = response.text().await.map_err(|_| Failure::network())?;
            if (200..300).contains(&status) {
                let text = if text.is_empty() { "null" } else { &text };
                return serde_json::from_str(text).map_err(|_| Failure::network());
            }
            let mut failure: Failure = serde_json::from_str(&text).unwrap_or_else(|_| Failure {
                error: "unexpected".into(),
                message: "something went wrong; please try again".into(),
                ..Failure::default()
            });
            failure.status = status;
            // A token from before a sign-in elsewhere: fetch the current one, once.
            if failure.error == "csrf" && !retried {
                retried = true;
                set_csrf(None);
                continue;
            }
            return Err(failure);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use super::Failure;
    use serde::{de::DeserializeOwned, Serialize};

    pub fn set_csrf(_: Option<String>) {}

    pub async fn request<B: Serialize, T: DeserializeOwned>(
        _: &str,
        _: &str,
        _: Option<&B>,
    ) -> Result<T, Failure> {
        Err(Failure {
            error: "browser_only".into(),
            message: "this is loaded in the browser".into(),
            ..Failure::default()
        })
    }
}
