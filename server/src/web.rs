//! The web role's HTTP surface: the server-rendered, hydrated storefront and its static files,
//! and the server-side sessions (PostgreSQL, so several web instances share them).

use crate::edge::CspNonce;
use app::{shell, App};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use view::ReadModels;

/// The Leptos options for the built site under `site_root` (see `cargo leptos build`).
pub fn leptos_options(settings: &crate::config::Settings) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("petal")
        .site_root(settings.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(settings.site_addr)
        .build()
}

/// What pages and server functions find in their context.
#[derive(Clone)]
pub struct PageContext {
    pub read_models: ReadModels,
    pub same_day_cutoff_hour: u32,
}

impl PageContext {
    fn provide(&self) {
        provide_context(self.read_models.clone());
        provide_context(app::checkout::SameDayCutoff(self.same_day_cutoff_hour));
        provide_nonce();
    }
}

/// Hands this response's CSP nonce (see `edge::headers`) to Leptos, which puts it on the
/// hydration and streaming scripts it writes into the page.
fn provide_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// Pages, and the read-only server functions under `/fn` (GET; they change nothing).
pub fn routes(options: LeptosOptions, context: PageContext) -> Router {
    let paths = generate_route_list(App);
    let for_pages = context.clone();
    let server_fns = move |request: axum::extract::Request| {
        let context = context.clone();
        async move {
            leptos_axum::handle_server_fns_with_context(move || context.provide(), request).await
        }
    };
    Router::new()
        .nest_service("/pkg", pkg_files(&options))
        .route("/fn/{*name}", axum::routing::get(server_fns))
        .leptos_routes_with_context(&options, paths, move || for_pages.provide(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context(
            provide_nonce,
            shell,
        ))
        .with_state(options)
}

/// The built script, WASM chunks and style under `/pkg`: the brotli or gzip copy a release
/// build made (`--precompress`) when the browser takes it, `304 Not Modified` when the
/// browser's copy is current, kept but checked on every visit (`no-cache`: the names stay
/// the same from one build to the next), and `Vary: Accept-Encoding` so no cache hands a
/// compressed copy to a browser that cannot read it.
fn pkg_files(options: &LeptosOptions) -> Router {
    use axum::http::{header, HeaderValue};
    use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};
    let files = ServeDir::new(format!("{}/{}", options.site_root, options.site_pkg_dir))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::overriding(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}

/// The web role's own database, holding accounts and sessions.
pub const ACCOUNTS: &str = "web";

/// The web role's migrations.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/web");

/// The session cookie's name over HTTPS: `__Host-` makes browsers refuse it unless it is
/// Secure, set by this host itself (no `Domain`) for every path, so neither plain http nor a
/// sibling subdomain can plant or overwrite it.
pub const SECURE_COOKIE: &str = "__Host-petal_session";
/// Its name over plain http on one machine (browsers refuse `__Host-` there).
pub const PLAIN_COOKIE: &str = "petal_session";

/// Server-side sessions in PostgreSQL: an opaque, HTTP-only, SameSite=Lax cookie, Secure over
/// HTTPS, dropped after a week without use.
pub async fn sessions(
    settings: &crate::config::Settings,
    store: tower_sessions_sqlx_store::PostgresStore,
) -> anyhow::Result<tower_sessions::SessionManagerLayer<tower_sessions_sqlx_store::PostgresStore>> {
    use tower_sessions::{cookie::SameSite, Expiry};
    store.migrate().await?;
    Ok(tower_sessions::SessionManagerLayer::new(store)
        .with_name(if settings.secure_cookies {
            SECURE_COOKIE
        } else {
            PLAIN_COOKIE
        })
        .with_path("/")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::days(7),
        )))
}

/// Deletes expired sessions every `every` until `shutdown` (the store keeps them otherwise).
pub async fn sweep_sessions(
    store: tower_sessions_sqlx_store::PostgresStore,
    every: std::time::Duration,
    status: messaging::WorkerStatus,
    shutdown: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    use tower_sessions::session_store::ExpiredDeletion;
    status.set_running(true);
    loop {
        store
            .delete_expired()
            .await
            .map_err(|error| anyhow::anyhow!("deleting expired sessions: {error}"))?;
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(every) => {}
        }
    }
}
