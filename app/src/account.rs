//! The signed-in person's account page (`/account`): a new password, which ends their other
//! sessions, and signing out on every browser and device at once.

use crate::{
    client::{self, Failure},
    i18n::{tr, use_lang},
    problems::{general_failure, FieldError},
    session::{use_auth, Guard},
};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct NewPassword {
    current_password: String,
    new_password: String,
}

#[derive(Deserialize)]
struct SessionBody {
    csrf_token: String,
}

#[component]
pub fn AccountSettings() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("내 계정", "My account") />
        <Guard>
            <Settings />
        </Guard>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let auth = use_auth();
    let lang = use_lang();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<Failure>);
    let changed = RwSignal::new(false);
    let pending = RwSignal::new(false);

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        changed.set(false);
        let body = NewPassword {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match client::send::<_, SessionBody>("PUT", "/api/account/password", &body).await {
                Ok(session) => {
                    client::remember_csrf(session.csrf_token);
                    failure.set(None);
                    current.set(String::new());
                    new.set(String::new());
                    changed.set(true);
                }
                Err(error) => failure.set(Some(error)),
            }
            pending.set(false);
        });
    };
    let everywhere = move |_| {
        leptos::task::spawn_local(async move {
            let _ = client::send::<_, ()>("DELETE", "/api/sessions", &()).await;
            let _ = window().location().set_href("/");
        });
    };
    let general = move || {
        failure.get().filter(|f| f.fields.is_empty()).map(
            |f| view! { <p class="form-error" role="alert">{general_failure(&f, lang.get())}</p> },
        )
    };
    let who = move || {
        auth.account()
            .map(|account| format!("{} · {}", account.name, account.email))
    };

    view! {
        <section class="panel account-form">
            <h1>{tr("내 계정", "My account")}</h1>
            <p class="account-who">{who}</p>
            <h2>{tr("비밀번호 바꾸기", "Change the password")}</h2>
            // POST: a submit before the WASM has loaded never puts what was typed in the address.
            <form method="post" on:submit=submit novalidate>
                <div class="field">
                    <label for="current_password">{tr("지금 비밀번호", "Current password")}</label>
                    <input id="current_password" name="current_password" type="password" required
                        autocomplete="current-password"
                        prop:value=current on:input=move |ev| current.set(event_target_value(&ev)) />
                    <FieldError failure field="current_password" />
                </div>
                <div class="field">
                    <label for="new_password">{tr("새 비밀번호", "New password")}</label>
                    <input id="new_password" name="new_password" type="password" required
                        autocomplete="new-password"
                        prop:value=new on:input=move |ev| new.set(event_target_value(&ev)) />
                    <p class="hint">{tr("10자 이상. 바꾸면 다른 기기에서는 로그아웃돼요.", "At least 10 characters. Other devices are signed out.")}</p>
                    <FieldError failure field="new_password" />
                </div>
                {general}
                {move || changed.get().then(|| view! {
                    <p class="form-ok" role="status">{tr("비밀번호를 바꿨어요.", "The password is changed.")}</p>
                })}
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {tr("비밀번호 바꾸기", "Change the password")}
                </button>
            </form>
            <h2>{tr("모든 기기에서 로그아웃", "Sign out everywhere")}</h2>
            <p>{tr(
                "휴대폰을 잃어버렸거나 다른 사람의 컴퓨터에서 로그인했다면, 모든 곳에서 한꺼번에 로그아웃하세요.",
                "Lost a phone, or signed in on someone else's computer? Sign out on every device at once.",
            )}</p>
            <button type="button" class="danger sign-out-everywhere" on:click=everywhere>
                {tr("모든 기기에서 로그아웃", "Sign out everywhere")}
            </button>
        </section>
    }
}
