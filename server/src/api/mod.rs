//! The JSON API under `/api`, named after the original service paths. Handlers are thin: they
//! check who is asking, turn JSON into a command for a context (over RPC) or a read-model
//! query, and turn the outcome into a status and a JSON body.
//!
//! Every error is `{"error": code, "message": text, "fields": [...]}` with a 4xx naming what to
//! fix, or a 5xx that says to try again and logs the cause (never shown).

mod accounts;
mod csrf;
mod florist;
mod live;
mod orders;
mod photos;
pub use photos::Photos;
mod staff;

pub use accounts::{bootstrap_staff, Accounts, CurrentAccount};
pub use live::{recheck_streams, Hub, STREAMS_PER_ACCOUNT};

use crate::edge::{self, Limits};
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{delete, get, patch, post, put},
    Json, Router,
};
use contracts::order::FieldProblem;
use serde::Serialize;

/// What the API's handlers need.
#[derive(Clone)]
pub struct ApiState {
    pub accounts: Accounts,
    pub read_models: view::ReadModels,
    pub rpc: messaging::rpc::Client,
    /// Live nudges for the server-sent event streams.
    pub live: Hub,
    /// For staff looking at parked messages.
    pub broker: messaging::Broker,
    pub topology: messaging::Topology,
    /// Cancelled when the process stops: open event streams end.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// What one client may ask for.
    pub limits: Limits,
    /// Whether the shop is served over HTTPS (cookie names and flags).
    pub secure_cookies: bool,
    /// Flower photos, kept in memory once served.
    pub photos: Photos,
}

/// Who may call a route. Every route names one, and a test asks every route as each kind of
/// caller (a stranger, a customer, another customer, staff) whether it answers accordingly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Anyone,
    /// A signed-in person, about themselves: 401 for strangers.
    SignedIn,
    /// The signed-in customer whose order or message the path names; 404 for anyone else.
    Owner,
    /// That customer, or staff; 404 for other customers.
    OwnerOrStaff,
    /// Shop staff: 401 for strangers, 403 for customers.
    Staff,
}

/// A route as the router serves it: method, path and who may call it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

type Handler = axum::routing::MethodRouter<ApiState>;

/// Every route under `/api` (and the public `/pictures`), with who may call it and its
/// handler, limited per client address where `limits` say.
fn table(limits: &Limits) -> Vec<(RouteSpec, Handler)> {
    use edge::limits::{ORDERS_PER_ADDRESS, SIGN_IN_PER_ADDRESS, SIGN_UP_PER_ADDRESS};
    use Access::*;
    let limited = |handler: Handler, budget| match limits.per_address(budget) {
        Some(layer) => handler.route_layer(layer),
        None => handler,
    };
    let route = |method, path, access, handler| {
        (
            RouteSpec {
                method,
                path,
                access,
            },
            handler,
        )
    };
    vec![
        route(
            "POST",
            "/api/accounts",
            Anyone,
            limited(post(accounts::sign_up), SIGN_UP_PER_ADDRESS),
        ),
        route("GET", "/api/session", Anyone, get(accounts::who_am_i)),
        route(
            "POST",
            "/api/session",
            Anyone,
            limited(post(accounts::sign_in), SIGN_IN_PER_ADDRESS),
        ),
        route("DELETE", "/api/session", Anyone, delete(accounts::sign_out)),
        route(
            "DELETE",
            "/api/sessions",
            SignedIn,
            delete(accounts::sign_out_everywhere),
        ),
        route(
            "PUT",
            "/api/account/password",
            SignedIn,
            put(accounts::change_password),
        ),
        route(
            "GET",
            "/api/productInfos",
            Anyone,
            get(orders::product_infos),
        ),
        route("GET", "/pictures/{slug}", Anyone, get(photos::photo)),
        route("GET", "/api/openapi.json", Anyone, get(openapi)),
        route(
            "POST",
            "/api/orders",
            SignedIn,
            limited(post(orders::place), ORDERS_PER_ADDRESS),
        ),
        route(
            "GET",
            "/api/orders/{id}",
            OwnerOrStaff,
            get(orders::get_one),
        ),
        route(
            "POST",
            "/api/orders/{id}/cancel",
            Owner,
            post(orders::cancel),
        ),
        route(
            "GET",
            "/api/orders/{id}/events",
            OwnerOrStaff,
            get(live::order_events),
        ),
        route("GET", "/api/events", SignedIn, get(live::my_events)),
        route(
            "GET",
            "/api/orderHistories",
            SignedIn,
            get(orders::my_orders),
        ),
        route("GET", "/api/payments", SignedIn, get(orders::payments)),
        route("GET", "/api/messages", SignedIn, get(orders::messages)),
        // Marks the caller's own message; anyone else's is out of its reach.
        route(
            "POST",
            "/api/messages/{id}/read",
            SignedIn,
            post(orders::mark_read),
        ),
        route(
            "POST",
            "/api/deliveries/{order_id}/{step}",
            Staff,
            post(staff::advance_delivery),
        ),
        route("GET", "/api/deliveries", Staff, get(staff::deliveries)),
        route("GET", "/api/orders", Staff, get(florist::find_orders)),
        route("GET", "/api/daySummary", Staff, get(florist::day_summary)),
        route("GET", "/api/preparation", Staff, get(florist::preparation)),
        route(
            "GET",
            "/api/staffAccounts",
            Staff,
            get(accounts::staff_accounts),
        ),
        route(
            "POST",
            "/api/staffAccounts",
            Staff,
            post(accounts::add_staff),
        ),
        route(
            "DELETE",
            "/api/staffAccounts/{email}",
            Staff,
            delete(accounts::remove_staff),
        ),
        route("GET", "/api/products", Staff, get(staff::products)),
        route("POST", "/api/products", Staff, post(staff::add_product)),
        route(
            "PATCH",
            "/api/products/{slug}",
            Staff,
            patch(staff::change_price),
        ),
        route(
            "GET",
            "/api/products/{slug}/history",
            Staff,
            get(staff::history),
        ),
        route(
            "POST",
            "/api/products/{slug}/restock",
            Staff,
            post(staff::restock),
        ),
        route("GET", "/api/parked", Staff, get(staff::parked)),
        route(
            "POST",
            "/api/parked/{context}/redrive",
            Staff,
            post(staff::redrive),
        ),
    ]
}

/// The routes the API serves, with who may call each (for tests and the OpenAPI check).
pub fn route_list() -> Vec<RouteSpec> {
    table(&Limits::new(false, edge::ClientAddress::Peer))
        .into_iter()
        .map(|(spec, _)| spec)
        .collect()
}

/// The `/api` routes, CSRF-protected; sessions come from the layer around them.
pub fn routes(state: ApiState) -> Router {
    let mut router = Router::new();
    for (spec, handler) in table(&state.limits) {
        router = router.route(spec.path, handler);
    }
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            csrf::protect,
        ))
        .with_state(state)
}

/// The OpenAPI 3.1 document of these routes (`GET /api/openapi.json`); a test checks that
/// it names exactly the routes above.
const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
}

/// An API error: its status, a stable code, words for a person, and the fields at fault.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldProblem>,
    /// Seconds to wait before asking again (429, 503): a `Retry-After` header, and in the body
    /// for pages that show it.
    retry_after: Option<u64>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    fields: &'a [FieldProblem],
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    /// Tells the client to wait `seconds` before asking again.
    pub fn retry_after(self, seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..self
        }
    }

    /// 422 naming each field and what is wrong with it.
    pub fn invalid(fields: Vec<FieldProblem>) -> Self {
        Self {
            fields,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "some fields need fixing",
            )
        }
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldProblem {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }])
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "sign_in_required",
            "sign in first",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "staff_only",
            "this is for shop staff only",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("there is no such {what}"),
        )
    }

    /// Something we did not expect: logged here, once; the client only hears to retry.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; please try again",
        )
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "try_again_shortly",
            message,
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code,
            message: &self.message,
            fields: &self.fields,
            retry_after: self.retry_after,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<ApiError> for Response {
    fn from(error: ApiError) -> Self {
        error.into_response()
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(error)
    }
}

impl From<tower_sessions::session::Error> for ApiError {
    fn from(error: tower_sessions::session::Error) -> Self {
        Self::internal(error)
    }
}

/// A JSON body, with a malformed body answered as our own 400/422 error, not axum's text.
/// Text holding control characters (NUL, escape, …; line breaks and tabs are fine) or
/// bidirectional overrides is refused with a 422 naming the field: no database takes NUL, and
/// none of it is meant for people.
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let bad_json = |detail: String| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_json",
                format!("the request body is not what this route takes: {detail}"),
            )
        };
        let value = match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(value)) => value,
            Err(rejection) => return Err(bad_json(rejection.body_text())),
        };
        if let Some(field) = field_with_control_character(&value, String::new()) {
            return Err(ApiError::field(
                &field,
                "control_character",
                "remove the invisible control characters from this text",
            ));
        }
        serde_json::from_value(value)
            .map(Self)
            .map_err(|error| bad_json(error.to_string()))
    }
}

/// An extractor of axum's whose rejection is answered as our own 400, in the API's error shape
/// with a code and words, not axum's plain text.
macro_rules! with_api_rejection {
    ($(#[$doc:meta])* $name:ident wraps $inner:ident, $code:literal, $words:literal) => {
        $(#[$doc])*
        pub struct $name<T>(pub T);

        impl<T, S> axum::extract::FromRequestParts<S> for $name<T>
        where
            T: serde::de::DeserializeOwned + Send,
            S: Send + Sync,
        {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &S,
            ) -> Result<Self, ApiError> {
                axum::extract::$inner::<T>::from_request_parts(parts, state)
                    .await
                    .map(|axum::extract::$inner(value)| Self(value))
                    .map_err(|rejection| {
                        ApiError::new(
                            StatusCode::BAD_REQUEST,
                            $code,
                            format!(concat!($words, ": {}"), rejection.body_text()),
                        )
                    })
            }
        }
    };
}

with_api_rejection!(
    /// Path parameters (an order id that is no UUID is a 400 naming the problem).
    PathParams wraps Path, "bad_path", "this address is not one the route takes"
);
with_api_rejection!(
    /// A query string.
    QueryParams wraps Query, "bad_query", "the query string is not what this route takes"
);

/// The request id a client's `Idempotency-Key` header names, scoped to `scope` (the account),
/// so that a retry of the same request is recognized and done once: the same key from the same
/// account always gives the same id. `None` without the header.
pub(super) fn idempotency_key(
    headers: &axum::http::HeaderMap,
    scope: uuid::Uuid,
) -> Result<Option<uuid::Uuid>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|key| (1..=255).contains(&key.len()) && key.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::field(
                "Idempotency-Key",
                "invalid",
                "use 1 to 255 visible ASCII characters, one key per request you mean once",
            )
        })?;
    Ok(Some(uuid::Uuid::new_v5(&scope, key.as_bytes())))
}

/// The path (`recipient_name`, `lines[0].slug`) of the first string in `value` that holds a
/// control character other than a line break or a tab.
fn field_with_control_character(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let is_control = |c: char| order::domain::is_hidden(c) && !matches!(c, '\n' | '\r' | '\t');
    match value {
        Value::String(text) => text.chars().any(is_control).then_some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| field_with_control_character(item, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(name, item)| {
            if name.chars().any(is_control) {
                return Some(path.clone());
            }
            let path = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            field_with_control_character(item, path)
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// `(method, path)` of every route the router serves, in the OpenAPI document's spelling.
    fn routes_in_code() -> BTreeSet<(String, String)> {
        super::route_list()
            .into_iter()
            .map(|spec| (spec.method.to_lowercase(), spec.path.to_owned()))
            .collect()
    }

    #[test]
    fn control_characters_are_found_with_the_path_of_their_field() {
        let find =
            |json: serde_json::Value| super::field_with_control_character(&json, String::new());
        assert_eq!(
            find(serde_json::json!({"recipient_name": "a\u{0}"})).as_deref(),
            Some("recipient_name")
        );
        assert_eq!(
            find(serde_json::json!({"lines": [{"slug": "rose"}, {"slug": "x\u{1b}[31m"}]}))
                .as_deref(),
            Some("lines[1].slug")
        );
        assert_eq!(
            find(serde_json::json!({"name": "Kim \u{202E}gnahc"})).as_deref(),
            Some("name"),
            "a bidi override reorders what people read"
        );
        assert_eq!(
            find(serde_json::json!({"card_message": "생일 축하해!\n사랑해\t♥", "n": 3})),
            None,
            "line breaks, tabs and Korean are text"
        );
    }

    #[test]
    fn the_openapi_document_names_exactly_the_routes_we_serve() {
        let document: serde_json::Value = serde_json::from_str(super::OPENAPI).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        let mut documented = BTreeSet::new();
        for (path, operations) in document["paths"].as_object().unwrap() {
            for method in operations.as_object().unwrap().keys() {
                documented.insert((method.clone(), path.clone()));
            }
        }
        let served = routes_in_code();
        assert!(served.len() > 20, "the route scan found only {served:?}");
        assert_eq!(documented, served);
    }

    #[test]
    fn the_document_lists_exactly_the_words_the_contracts_know() {
        use contracts::{order::TimeWindow, progress::*};
        let document: serde_json::Value = serde_json::from_str(super::OPENAPI).unwrap();
        let schemas = &document["components"]["schemas"];
        let words = |schema: &str, field: &str| -> Vec<String> {
            let property = &schemas[schema]["properties"][field];
            let listed = property["enum"].as_array().or_else(|| {
                // An optional field: {"anyOf": [{…enum…}, {"type": "null"}]}.
                property["anyOf"][0]["enum"].as_array()
            });
            let listed = listed.unwrap_or_else(|| panic!("{schema}.{field} lists no words"));
            listed
                .iter()
                .map(|w| w.as_str().unwrap().to_owned())
                .collect()
        };
        let known = |all: Vec<&str>| all.into_iter().map(str::to_owned).collect::<Vec<_>>();
        let windows = known(TimeWindow::ALL.iter().map(|w| w.as_str()).collect());
        assert_eq!(words("OrderHistory", "time_window"), windows);
        assert_eq!(words("ScheduledDelivery", "window"), windows);
        assert_eq!(words("Checkout", "window"), windows);
        assert_eq!(
            words("OrderHistory", "status"),
            known(OrderStatus::ALL.iter().map(|w| w.as_str()).collect())
        );
        assert_eq!(
            words("OrderHistory", "payment_status"),
            known(PaymentStatus::ALL.iter().map(|w| w.as_str()).collect())
        );
        assert_eq!(
            words("OrderHistory", "delivery_status"),
            known(DeliveryStatus::ALL.iter().map(|w| w.as_str()).collect())
        );
        assert_eq!(
            words("TimelineStep", "step"),
            known(Step::ALL.iter().map(|w| w.as_str()).collect())
        );
    }

    #[test]
    fn every_schema_the_document_refers_to_exists() {
        let document: serde_json::Value = serde_json::from_str(super::OPENAPI).unwrap();
        let text = super::OPENAPI;
        for reference in text.split("\"$ref\": \"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(
                document["components"]["schemas"][name].is_object(),
                "{name} is referred to but not defined"
            );
        }
    }
}
