//! Public pages kept rendered: the catalog and each flower's page, per language, served from
//! memory until a product changes, each time with the response's own CSP nonce.
//!
//! The server renders every page as for a visitor (who is signed in is learned in the browser),
//! so a public page differs between requests only in its language and its nonce. The first
//! request for a page and language renders it and keeps the result; the next ones get a copy
//! with the old nonce replaced by their own (a 128-bit random value, so it occurs nowhere else).
//! A product change in the view (the live `product` nudge this instance hears) drops every kept
//! page, and so does a missed nudge (the channel lagged). A page rendered while a change landed
//! is not kept, and no page is kept longer than [`MAX_AGE`], in case a nudge never arrives
//! (this instance's live connection was down).
//!
//! Only `200 OK` HTML without a cookie to set is kept: a failed catalog load answers 503, an
//! unknown flower 404, and both are rendered each time.

use crate::edge::CspNonce;
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use contracts::live::Nudge;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

/// The longest a page is kept without a product change dropping it.
pub const MAX_AGE: Duration = Duration::from_secs(30);
/// At most this many pages (addresses times languages) are kept; more are rendered each time.
const MAX_PAGES: usize = 1024;
/// A rendered page larger than this is an error, not a page.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Clone, Default)]
pub struct PageCache {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    pages: RwLock<HashMap<Key, Arc<Page>>>,
    /// Moves on with every drop; a render that saw it move is not kept.
    generation: AtomicU64,
}

/// The address and the language's code.
type Key = (String, &'static str);

struct Page {
    body: Bytes,
    /// The nonce the page was rendered with.
    nonce: Option<String>,
    content_type: HeaderValue,
    rendered: Instant,
}

impl PageCache {
    fn get(&self, key: &Key) -> Option<Arc<Page>> {
        let pages = self.inner.pages.read().unwrap_or_else(|e| e.into_inner());
        pages
            .get(key)
            .filter(|page| page.rendered.elapsed() < MAX_AGE)
            .cloned()
    }

    fn keep(&self, key: Key, page: Page, generation: u64) {
        let mut pages = self.inner.pages.write().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock that `drop_all` takes: no drop slips between check and insert.
        if self.inner.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if pages.len() >= MAX_PAGES && !pages.contains_key(&key) {
            pages.retain(|_, page| page.rendered.elapsed() < MAX_AGE);
            if pages.len() >= MAX_PAGES {
                return;
            }
        }
        pages.insert(key, Arc::new(page));
    }

    /// Forgets every kept page (a product changed, or we may have missed that one did).
    pub fn drop_all(&self) {
        let mut pages = self.inner.pages.write().unwrap_or_else(|e| e.into_inner());
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        pages.clear();
        metrics::counter!("petal_page_cache_drops_total").increment(1);
    }

    /// Drops the kept pages whenever this instance hears that a product changed, until `stop`.
    pub async fn follow(
        self,
        mut nudges: broadcast::Receiver<Nudge>,
        status: messaging::WorkerStatus,
        stop: CancellationToken,
    ) -> anyhow::Result<()> {
        status.set_running(true);
        loop {
            let heard = tokio::select! {
                () = stop.cancelled() => return Ok(()),
                heard = nudges.recv() => heard,
            };
            match heard {
                Ok(Nudge::Product { .. }) | Err(RecvError::Lagged(_)) => self.drop_all(),
                Ok(_) => {}
                Err(RecvError::Closed) => return Ok(()),
            }
        }
    }
}

/// The key for a request whose page may be kept: a GET of the catalog or a flower's page,
/// without a query.
fn key_for(request: &Request) -> Option<Key> {
    let path = request.uri().path();
    let public = path == "/" || path.strip_prefix("/flower/").is_some_and(is_slug);
    if request.method() != Method::GET || request.uri().query().is_some() || !public {
        return None;
    }
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|value: &HeaderValue| value.to_str().ok())
    };
    let lang = app::i18n::Lang::negotiate(header(header::COOKIE), header(header::ACCEPT_LANGUAGE));
    Some((path.to_owned(), lang.code()))
}

/// A product's slug as the catalog writes them (bounded, so strangers cannot fill the map).
fn is_slug(slug: &str) -> bool {
    (1..=64).contains(&slug.len())
        && slug
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
}

/// The middleware, inside `edge::secure_headers` (which makes the nonce) on the page routes.
pub async fn serve(State(cache): State<PageCache>, request: Request, next: Next) -> Response {
    let Some(key) = key_for(&request) else {
        return next.run(request).await;
    };
    let nonce = request
        .extensions()
        .get::<CspNonce>()
        .map(|CspNonce(nonce)| nonce.clone());
    if let Some(page) = cache.get(&key) {
        metrics::counter!("petal_page_cache_total", "outcome" => "hit").increment(1);
        return page.answer(nonce.as_deref());
    }
    metrics::counter!("petal_page_cache_total", "outcome" => "miss").increment(1);
    let generation = cache.inner.generation.load(Ordering::SeqCst);
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .filter(|kind| kind.as_bytes().starts_with(b"text/html"))
        .cloned();
    let (Some(content_type), StatusCode::OK, false) = (
        html,
        response.status(),
        response.headers().contains_key(header::SET_COOKIE),
    ) else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, page = %key.0, "a rendered page could not be read whole");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    cache.keep(
        key,
        Page {
            body: body.clone(),
            nonce,
            content_type,
            rendered: Instant::now(),
        },
        generation,
    );
    Response::from_parts(parts, Body::from(body))
}

impl Page {
    /// A copy of the page for a response whose scripts carry `nonce`.
    fn answer(&self, nonce: Option<&str>) -> Response {
        let body = match (self.nonce.as_deref(), nonce) {
            (Some(old), Some(new)) if old != new => match std::str::from_utf8(&self.body) {
                Ok(text) => Bytes::from(text.replace(old, new)),
                Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
            },
            _ => self.body.clone(),
        };
        let mut response = Response::new(Body::from(body));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, self.content_type.clone());
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> Request {
        Request::builder()
            .uri(uri)
            .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
            .body(Body::empty())
            .unwrap()
    }

    #[test]
    fn only_the_catalog_and_flower_pages_without_a_query_are_kept() {
        assert_eq!(key_for(&request("/")), Some(("/".to_owned(), "en")));
        assert_eq!(
            key_for(&request("/flower/pink-tulips")),
            Some(("/flower/pink-tulips".to_owned(), "en"))
        );
        for uri in [
            "/?q=rose",
            "/orders",
            "/flower/",
            "/flower/Pink",
            "/flower/a/b",
            "/checkout?flower=pink-tulips",
        ] {
            assert_eq!(key_for(&request(uri)), None, "{uri}");
        }
        let mut post = request("/");
        *post.method_mut() = Method::POST;
        assert_eq!(key_for(&post), None);
    }

    #[test]
    fn a_kept_page_goes_out_with_the_nonce_of_its_response() {
        let page = Page {
            body: Bytes::from_static(b"<script nonce=\"OLD\">x</script><script nonce=\"OLD\">"),
            nonce: Some("OLD".to_owned()),
            content_type: HeaderValue::from_static("text/html; charset=utf-8"),
            rendered: Instant::now(),
        };
        let response = page.answer(Some("NEW"));
        let body = futures_util::FutureExt::now_or_never(axum::body::to_bytes(
            response.into_body(),
            usize::MAX,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(
            &body[..],
            b"<script nonce=\"NEW\">x</script><script nonce=\"NEW\">"
        );
    }

    #[test]
    fn a_page_rendered_across_a_drop_is_not_kept() {
        let cache = PageCache::default();
        let page = || Page {
            body: Bytes::from_static(b"<html>"),
            nonce: None,
            content_type: HeaderValue::from_static("text/html"),
            rendered: Instant::now(),
        };
        let key = ("/".to_owned(), "ko");
        let before = cache.inner.generation.load(Ordering::SeqCst);
        cache.drop_all();
        cache.keep(key.clone(), page(), before);
        assert!(cache.get(&key).is_none(), "rendered before the drop");
        let now = cache.inner.generation.load(Ordering::SeqCst);
        cache.keep(key.clone(), page(), now);
        assert!(cache.get(&key).is_some());
        cache.drop_all();
        assert!(cache.get(&key).is_none());
    }
}
