//! Who is signed in, as the browser learns it from `GET /api/session`; the sign-in and sign-up
//! pages; and the guards that send a signed-out visitor to sign in and keep customers out of
//! staff pages.

use crate::{
    client::{self, Failure},
    i18n::{tr, use_lang},
    problems::FieldError,
};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Account {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub staff: bool,
}

#[derive(Clone, Debug, Deserialize)]
struct SessionBody {
    account: Option<Account>,
    csrf_token: String,
}

/// What the page knows of the visitor: `None` until the browser asked.
#[derive(Clone, Copy)]
pub struct Auth(pub RwSignal<Option<Option<Account>>>);

impl Auth {
    pub fn account(&self) -> Option<Account> {
        self.0.get().flatten()
    }
}

pub fn provide_auth() {
    let auth = Auth(RwSignal::new(None));
    provide_context(auth);
    // In the browser only: the server renders every page as for a visitor still being checked.
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            let session: Result<SessionBody, Failure> = client::get("/api/session").await;
            if let Ok(session) = session {
                client::remember_csrf(session.csrf_token);
                auth.0.set(Some(session.account));
            } else {
                auth.0.set(Some(None));
            }
        });
    });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Shows `children` to a signed-in person (staff only if `staff`); a visitor is sent to sign
/// in and comes back here after; a customer on a staff page is told it is not for them.
#[component]
pub fn Guard(#[prop(optional)] staff: bool, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let navigate = use_navigate();
    // Only the sign-in state is tracked: the redirect itself changes the location.
    Effect::new(move |_| {
        if auth.0.get() == Some(None) {
            let here = with_search(
                &location.pathname.get_untracked(),
                &location.search.get_untracked(),
            );
            let options = leptos_router::NavigateOptions {
                replace: true,
                ..Default::default()
            };
            navigate(&format!("/signin?next={}", js_encode(&here)), options);
        }
    });
    let checking = tr("확인하는 중…", "Checking…");
    let not_staff = tr(
        "이 페이지는 꽃집 직원만 볼 수 있어요.",
        "This page is for shop staff only.",
    );
    // The first render matches the server's ("checking") even if the browser already knows who
    // is signed in: a lazily loaded page hydrates after the session may have arrived.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    move || match auth.0.get().filter(|_| hydrated.get()) {
        Some(Some(account)) if !staff || account.staff => children().into_any(),
        Some(Some(_)) => view! {
            <section class="panel" role="alert"><h1>{not_staff}</h1>
            <p><a href="/">{tr("꽃 보러 가기", "Back to the flowers")}</a></p></section>
        }
        .into_any(),
        _ => view! { <p class="loading">{checking}</p> }.into_any(),
    }
}

/// A path with its query string (the router hands the query over without its `?`).
fn with_search(path: &str, search: &str) -> String {
    match search.trim_start_matches('?') {
        "" => path.to_owned(),
        query => format!("{path}?{query}"),
    }
}

/// Percent-encodes a path for a query string.
fn js_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `next` parameter of the page's address, decoded by the browser.
fn next_from_address() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let search = window().location().search().ok()?;
        web_sys::UrlSearchParams::new_with_str(&search)
            .ok()?
            .get("next")
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// Where to go after signing in: a local path only, never another site. Browsers read `\` as
/// `/` and drop tabs and line breaks from URLs, so `/\evil.example` and `/<tab>/evil.example`
/// are other sites too: a path must start with one `/` followed by neither `/` nor `\`, and
/// hold no control character or backslash at all.
fn next_page(raw: Option<String>) -> String {
    raw.filter(|next| {
        let mut chars = next.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && !next.chars().any(|c| c.is_control() || c == '\\')
    })
    .unwrap_or_else(|| "/".into())
}

#[cfg(test)]
mod next_page_tests {
    use super::next_page;

    #[test]
    fn only_local_paths_are_followed_after_signing_in() {
        let next = |raw: &str| next_page(Some(raw.to_owned()));
        assert_eq!(next("/orders/42?tab=timeline"), "/orders/42?tab=timeline");
        assert_eq!(next("/"), "/");
        for elsewhere in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example\t",
            "https://evil.example",
            "evil.example",
            "/x\\..\\..\\evil",
        ] {
            assert_eq!(next(elsewhere), "/", "{elsewhere:?} must stay on the shop");
        }
        assert_eq!(next_page(None), "/");
    }
}

#[derive(Serialize)]
struct Credentials {
    email: String,
    password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

/// The sign-in page (`signing_up = false`) and the sign-up page.
#[component]
pub fn AccountPage(signing_up: bool) -> impl IntoView {
    let auth = use_auth();
    let lang = use_lang();
    let location = use_location();
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let pending = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        let body = Credentials {
            email: email.get_untracked(),
            password: password.get_untracked(),
            name: signing_up.then(|| name.get_untracked()),
        };
        let next = next_page(next_from_address());
        leptos::task::spawn_local(async move {
            let path = if signing_up {
                "/api/accounts"
            } else {
                "/api/session"
            };
            match client::send::<_, SessionBody>("POST", path, &body).await {
                Ok(session) => {
                    client::remember_csrf(session.csrf_token);
                    auth.0.set(Some(session.account));
                    // A full load: the new session cookie applies to everything from here.
                    let _ = window().location().set_href(&next);
                }
                Err(error) => {
                    failure.set(Some(error));
                    pending.set(false);
                }
            }
        });
    };

    let title = if signing_up {
        tr("회원가입", "Create an account")
    } else {
        tr("로그인", "Sign in")
    };
    let general = move || {
        failure.get().filter(|f| f.fields.is_empty()).map(|f| {
            let text = match (f.status, lang.get()) {
                (401, crate::i18n::Lang::Ko) => "이메일 또는 비밀번호가 맞지 않아요.".to_owned(),
                (409, crate::i18n::Lang::Ko) => {
                    "이미 가입된 이메일이에요. 로그인해 주세요.".to_owned()
                }
                (_, lang) => crate::problems::general_failure(&f, lang),
            };
            view! { <p class="form-error" role="alert">{text}</p> }
        })
    };
    // The other form keeps the same `?next=…`, passed on as it came.
    let other = move || {
        let suffix = with_search("", &location.search.get());
        if signing_up {
            view! { <p>{tr("이미 회원이신가요?", "Have an account?")} " " <a href=format!("/signin{suffix}")>{tr("로그인", "Sign in")}</a></p> }
        } else {
            view! { <p>{tr("처음이신가요?", "New here?")} " " <a href=format!("/signup{suffix}")>{tr("회원가입", "Create an account")}</a></p> }
        }
    };

    view! {
        <Title text=if signing_up {
            crate::i18n::now("회원가입", "Create an account")
        } else {
            crate::i18n::now("로그인", "Sign in")
        } />
        <section class="panel account-form">
            <h1>{title}</h1>
            // POST: a submit before the WASM has loaded never puts what was typed in the address.
            <form method="post" on:submit=submit novalidate>
                {signing_up.then(|| view! {
                    <div class="field">
                        <label for="name">{tr("이름", "Name")}</label>
                        <input id="name" name="name" autocomplete="name" required
                            prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                        <FieldError failure field="name" />
                    </div>
                })}
                <div class="field">
                    <label for="email">{tr("이메일", "Email")}</label>
                    <input id="email" name="email" type="email" autocomplete="email" required
                        prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
                    <FieldError failure field="email" />
                </div>
                <div class="field">
                    <label for="password">{tr("비밀번호", "Password")}</label>
                    <input id="password" name="password" type="password" required
                        autocomplete=if signing_up { "new-password" } else { "current-password" }
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
                    {signing_up.then(|| view! { <p class="hint">{tr("10자 이상", "At least 10 characters")}</p> })}
                    <FieldError failure field="password" />
                </div>
                {general}
                <button type="submit" class="primary" disabled=move || pending.get()>{title}</button>
            </form>
            {other}
        </section>
    }
}

/// The sign-out button in the header.
#[component]
pub fn SignOut() -> impl IntoView {
    let click = move |_| {
        leptos::task::spawn_local(async move {
            let _ = client::send::<_, ()>("DELETE", "/api/session", &()).await;
            let _ = window().location().set_href("/");
        });
    };
    view! { <button type="button" class="link" on:click=click>{tr("로그아웃", "Sign out")}</button> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_signing_in_we_only_go_to_our_own_pages() {
        assert_eq!(next_page(Some("/orders/1".into())), "/orders/1");
        assert_eq!(next_page(Some("//evil.example".into())), "/");
        assert_eq!(next_page(Some("https://evil.example".into())), "/");
        assert_eq!(next_page(None), "/");
        assert_eq!(with_search("/checkout", "flower=a"), "/checkout?flower=a");
        assert_eq!(with_search("/checkout", "?flower=a"), "/checkout?flower=a");
        assert_eq!(with_search("/orders", ""), "/orders");
        assert_eq!(
            js_encode("/checkout?flower=a&quantity=2"),
            "/checkout%3Fflower%3Da%26quantity%3D2"
        );
    }
}
