//! The web role's HTTP surface: the server-rendered, hydrated storefront and its static files.

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

/// Pages and server functions; server functions find the read models in their context.
pub fn routes(options: LeptosOptions, read_models: ReadModels) -> Router {
    let paths = generate_route_list(App);
    Router::new()
        .leptos_routes_with_context(
            &options,
            paths,
            move || provide_context(read_models.clone()),
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler(shell))
        .with_state(options)
}
