//! Petal's user interface, rendered on the server and hydrated in the browser: the page shell,
//! the router, the header and the pages — the catalog and a flower's page ([`catalog`],
//! [`checkout`]), signing in ([`session`]), the customer's orders and messages ([`orders`]) and
//! the staff's pages ([`staff`]), in Korean and English ([`i18n`]).
//!
//! Public pages read through server functions over the view context's read models and render
//! fully on the server. A signed-in person's pages load in the browser through the JSON API
//! ([`client`]) and follow changes over server-sent events ([`live`]). Nothing here touches a
//! database directly.

// The staff pages' views are deeply nested types; the browser build needs room to lay them out.
#![recursion_limit = "256"]

pub mod account;
pub mod catalog;
pub mod checkout;
pub mod client;
pub mod flower;
pub mod i18n;
pub mod live;
pub mod orders;
pub mod problems;
pub mod session;
pub mod staff;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Meta, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, SsrMode,
};

/// The HTML document around the app, rendered once per request on the server, in the
/// visitor's language.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = i18n::provide_i18n().0.get_untracked();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <HashedStylesheet options=options.clone() id="leptos" />
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
    i18n::provide_i18n();
    session::provide_auth();
    let live = live::provide_live();
    // Lets tests and scripts know the page is interactive: effects only run in the browser.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    // Once we know someone is signed in, open their live stream and learn the unread count.
    let auth = session::use_auth();
    Effect::new(move |connected: Option<bool>| {
        if connected == Some(true) {
            return true;
        }
        if auth.account().is_none() {
            return false;
        }
        live::connect(live);
        leptos::task::spawn_local(async move {
            if let Ok(inbox) =
                client::get::<contracts::notification::MessagesReply>("/api/messages").await
            {
                live.unread.set(Some(inbox.unread));
            }
        });
        true
    });

    view! {
        <Title formatter=|page: String| format!("{page} · Petal 꽃배달") />
        <Meta name="description" content="Petal — 오늘 주문하면 오늘 도착하는 꽃배달. Flowers delivered today in Seoul." />
        <Router>
            <a class="skip-link" href="#main">{i18n::tr("본문으로 건너뛰기", "Skip to content")}</a>
            <Header />
            <main id="main">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("") view=catalog::CatalogPage ssr=SsrMode::Async />
                    <Route path=path!("/flower/:slug") view={Lazy::<lazy::Flower>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/checkout") view={Lazy::<lazy::Checkout>::new()} />
                    <Route path=path!("/signin") view=|| view! { <session::AccountPage signing_up=false /> } />
                    <Route path=path!("/signup") view=|| view! { <session::AccountPage signing_up=true /> } />
                    <Route path=path!("/orders") view={Lazy::<lazy::MyOrders>::new()} />
                    <Route path=path!("/orders/:id") view={Lazy::<lazy::Order>::new()} />
                    <Route path=path!("/messages") view={Lazy::<lazy::Messages>::new()} />
                    <Route path=path!("/account") view={Lazy::<lazy::Account>::new()} />
                    <Route path=path!("/staff") view={Lazy::<lazy::Today>::new()} />
                    <Route path=path!("/staff/inventory") view={Lazy::<lazy::Inventory>::new()} />
                    <Route path=path!("/staff/preparation") view={Lazy::<lazy::Preparation>::new()} />
                    <Route path=path!("/staff/orders") view={Lazy::<lazy::FindOrder>::new()} />
                    <Route path=path!("/staff/accounts") view={Lazy::<lazy::Team>::new()} />
                    <Route path=path!("/staff/deliveries") view={Lazy::<lazy::Deliveries>::new()} />
                    <Route path=path!("/staff/orders/:id") view={Lazy::<lazy::StaffOrder>::new()} />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>{move || footer_words(i18n::use_lang().get())}</p>
            </footer>
        </Router>
    }
}

/// The header: the shop's name, the signed-in person's links with the unread count, and the
/// language switch. Its size does not depend on who is signed in, so nothing shifts when the
/// browser learns it.
#[component]
fn Header() -> impl IntoView {
    use i18n::{tr, use_lang, Lang};
    let auth = session::use_auth();
    let live = live::use_live();
    let lang = use_lang();
    let unread_label = move || {
        live.unread.get().filter(|n| *n > 0).map(|n| {
            let label = match lang.get() {
                Lang::Ko => format!("읽지 않은 알림 {n}개"),
                Lang::En => format!("{n} unread"),
            };
            view! { <span class="badge unread" aria-label=label data-unread=n>{n}</span> }
        })
    };
    view! {
        <header class="site-header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"✿"</span>
                " Petal"
            </a>
            <nav class="account-nav" aria-label=tr("계정", "Account")>
                {move || match auth.0.get() {
                    Some(Some(account)) => view! {
                        {account.staff.then(|| view! {
                            <a href="/staff">{tr("가게 관리", "Shop")}</a>
                        })}
                        <a href="/orders">{tr("내 주문", "My orders")}</a>
                        <a href="/messages" class="messages-link">{tr("알림", "Messages")} {unread_label}</a>
                        <a href="/account">{tr("내 계정", "My account")}</a>
                        <session::SignOut />
                    }.into_any(),
                    Some(None) => view! {
                        <a href="/signin">{tr("로그인", "Sign in")}</a>
                        <a href="/signup">{tr("회원가입", "Sign up")}</a>
                    }.into_any(),
                    None => view! { <span class="nav-placeholder"></span> }.into_any(),
                }}
                <button type="button" class="lang-switch" lang=move || match lang.get() { Lang::Ko => "en", Lang::En => "ko" }
                    on:click=move |_| i18n::switch_to(match lang.get_untracked() { Lang::Ko => Lang::En, Lang::En => Lang::Ko })>
                    {move || match lang.get() { Lang::Ko => "English", Lang::En => "한국어" }}
                </button>
            </nav>
        </header>
    }
}

/// Pages the browser loads only when they are visited: every page but the catalog, sign-in and
/// sign-up lives in its own WASM chunk (`cargo xtask build` splits them out), so the catalog
/// loads without them. Sign-in and sign-up stay in the main module: a visitor sent there types
/// at once, and a lazy form was answered before its chunk had arrived.
mod lazy {
    use leptos::prelude::*;
    use leptos_router::{lazy_route, LazyRoute};

    macro_rules! lazy_pages {
        ($($name:ident => $page:expr),* $(,)?) => {$(
            #[derive(Clone, Copy, Debug, Default)]
            pub struct $name;

            #[lazy_route]
            impl LazyRoute for $name {
                fn data() -> Self {
                    Self
                }

                fn view(_this: Self) -> AnyView {
                    $page.into_any()
                }
            }
        )*};
    }

    lazy_pages! {
        Flower => crate::flower::FlowerPage(),
        Checkout => crate::checkout::CheckoutPage(),
        MyOrders => crate::orders::MyOrdersPage(),
        Order => crate::orders::OrderPage(),
        Messages => crate::orders::MessagesPage(),
        Inventory => crate::staff::InventoryPage(),
        Deliveries => crate::staff::DeliveriesPage(),
        StaffOrder => crate::staff::StaffOrderPage(),
        Today => crate::staff::TodayPage(),
        Preparation => crate::staff::PreparationPage(),
        FindOrder => crate::staff::FindOrderPage(),
        Team => crate::staff::TeamPage(),
        Account => crate::account::AccountSettings(),
    }
}

/// The page for an address we do not know (status 404).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    let t = i18n::tr;
    view! {
        <Title text=i18n::now("페이지를 찾을 수 없어요", "Page not found") />
        <section class="not-found">
            <h1>{t("페이지를 찾을 수 없어요", "We could not find that page")}</h1>
            <p>{t("주소를 다시 확인하시거나 꽃 목록으로 돌아가 주세요.", "Check the address or go back to the flowers.")}
               " " <a href="/">{t("꽃 목록", "The flowers")}</a></p>
        </section>
    }
}

/// The footer's line: where the shop is and when it delivers, from the first window's start
/// to the last one's end (`TimeWindow::hours`, as the order context keeps them).
fn footer_words(lang: i18n::Lang) -> String {
    use contracts::order::TimeWindow;
    let from = TimeWindow::ALL.first().map_or(0, |w| w.hours().0);
    let to = TimeWindow::ALL.last().map_or(0, |w| w.hours().1);
    let ko_hour = |hour: u32| match hour {
        0..=11 => format!("오전 {hour}시"),
        12 => "낮 12시".to_owned(),
        _ => format!("오후 {}시", hour - 12),
    };
    match lang {
        i18n::Lang::Ko => format!(
            "Petal 꽃집 · 서울 · 매일 {}–{} 배달",
            ko_hour(from),
            ko_hour(to)
        ),
        i18n::Lang::En => format!("Petal florist · Seoul · deliveries daily {from}:00–{to}:00"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contracts::order::TimeWindow;

    #[test]
    fn the_footer_says_the_hours_the_delivery_windows_cover() {
        let first = TimeWindow::ALL.first().unwrap().hours().0;
        let last = TimeWindow::ALL.last().unwrap().hours().1;
        let en = footer_words(i18n::Lang::En);
        assert!(en.contains(&format!("{first}:00–{last}:00")), "{en}");
        let ko = footer_words(i18n::Lang::Ko);
        assert!(
            ko.contains(&format!("오전 {first}시–오후 {}시", last - 12)),
            "{ko}"
        );
    }
}
