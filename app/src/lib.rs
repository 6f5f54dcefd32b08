//! Petal's user interface, rendered on the server and hydrated in the browser: the page shell,
//! the router and the pages. Pages read through server functions (see [`catalog`]) that are thin
//! adapters over the view context's read models; nothing here touches a database directly.

pub mod catalog;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app, rendered once per request on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="ko">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The app: header, routes and footer.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Lets tests and scripts know the page is interactive: effects only run in the browser.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/petal.css" />
        <Title formatter=|page: String| format!("{page} · Petal 꽃배달") />
        <Meta name="description" content="Petal — 오늘 주문하면 오늘 도착하는 꽃배달. Flowers delivered today in Seoul." />
        <Router>
            <header class="site-header">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"✿"</span>
                    " Petal"
                </a>
                <p class="tagline">"마음을 전하는 꽃배달 · Flowers, delivered"</p>
            </header>
            <main id="main">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("") view=catalog::CatalogPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>"Petal 꽃집 · 서울 · 매일 오전 9시–오후 8시 배달"</p>
            </footer>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="페이지를 찾을 수 없어요" />
        <section class="not-found">
            <h1>"페이지를 찾을 수 없어요"</h1>
            <p>"주소를 다시 확인하시거나 " <a href="/">"꽃 목록"</a> "으로 돌아가 주세요."</p>
            <p lang="en">"We could not find that page. Check the address or go back to the flowers."</p>
        </section>
    }
}
