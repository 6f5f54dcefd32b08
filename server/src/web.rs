//! The web role's HTTP surface: the server-rendered, hydrated storefront and its static files,
//! and the server-side sessions (PostgreSQL, so several web instances share them).

use crate::edge::CspNonce;
use crate::page_cache::{self, PageCache};
use app::{shell, App};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use view::ReadModels;

/// What the build names the script, the WASM and the style (`petal.js`, or `petal.<hash>.js`).
const OUTPUT_NAME: &str = "petal";

/// The Leptos options for the built site under `site_root` (see `cargo xtask build`).
pub fn leptos_options(settings: &crate::config::Settings) -> LeptosOptions {
    let pkg = std::path::Path::new(&settings.site_root).join("pkg");
    LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(settings.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(settings.site_addr)
        .hash_files(has_content_names(&pkg))
        .build()
}

/// Whether the site's files carry content names. `cargo xtask build` names every file of `pkg`
/// after its content (`petal.<hash>.wasm`, see xtask/src/names.rs) and leaves their list,
/// `hash.txt`, beside the server binary, where Leptos reads it. A list that names a script the
/// site lacks (a later `cargo leptos build` left it behind) is ignored, with a warning, and the
/// pages ask for plain names.
fn has_content_names(pkg: &std::path::Path) -> bool {
    let Some(list) = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join("hash.txt")))
    else {
        return false;
    };
    let Ok(text) = std::fs::read_to_string(&list) else {
        return false;
    };
    let script = text
        .lines()
        .find_map(|line| line.strip_prefix("js:"))
        .map(str::trim);
    match script {
        Some(hash) if pkg.join(format!("{OUTPUT_NAME}.{hash}.js")).is_file() => true,
        _ => {
            tracing::warn!(
                list = %list.display(),
                pkg = %pkg.display(),
                "the name list beside the server does not match the site; the pages ask for plain names"
            );
            false
        }
    }
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

/// Pages, and the read-only server functions under `/fn` (GET; they change nothing). The
/// catalog and the flower pages are kept rendered in `pages`.
pub fn routes(options: LeptosOptions, context: PageContext, pages: PageCache) -> Router {
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
        .layer(axum::middleware::from_fn_with_state(
            pages,
            page_cache::serve,
        ))
}

/// The built script, WASM chunks and style under `/pkg`: the brotli or gzip copy the build made
/// when the browser takes it, with `Vary: Accept-Encoding` so no cache hands a compressed copy
/// to a browser that cannot read it. A file named after its content never changes under that
/// name, so browsers keep it a year without asking again; any other is kept but checked on each
/// visit (`no-cache`, answered `304 Not Modified` while it is current).
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
        .layer(axum::middleware::from_fn(cache_by_name))
}

/// Sets how long a browser keeps a `/pkg` file, from its name (see [`pkg_files`]).
async fn cache_by_name(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{header, HeaderValue, StatusCode};
    let file = request.uri().path().rsplit('/').next().unwrap_or_default();
    let lasting = file.split('.').any(is_content_hash);
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if lasting {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            }),
        );
    }
    response
}

/// A content hash as the build writes it into a name: 16 bytes in unpadded URL-safe base64
/// (22 characters). The split loader's placeholder, all underscores, is not one.
fn is_content_hash(part: &str) -> bool {
    part.len() == 22
        && part.bytes().any(|byte| byte != b'_')
        && part
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
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
