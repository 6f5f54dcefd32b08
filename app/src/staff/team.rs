//! `/staff/accounts`: the shop's staff, and a form for a staff member to add a colleague
//! (who then signs in with the password given here, and changes it on their account page).

use super::StaffNav;
use crate::{
    client::{self, Failure},
    i18n::{tr, use_lang, Lang},
    problems::FieldError,
    session::Guard,
};
use contracts::florist::StaffMember;
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use serde::Serialize;

/// `/staff/accounts`.
#[component]
pub fn TeamPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("직원", "Staff") />
        <Guard staff=true><StaffNav /><Team /></Guard>
    }
}

#[derive(Serialize)]
struct NewColleague {
    email: String,
    name: String,
    password: String,
}

#[component]
fn Team() -> impl IntoView {
    let lang = use_lang();
    let added = RwSignal::new(None::<StaffMember>);
    let removal = RwSignal::new(None::<Result<String, Failure>>);
    let members = LocalResource::new(move || {
        added.track();
        removal.track();
        client::get::<Vec<StaffMember>>("/api/staffAccounts")
    });
    let (email, name, password) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let failure = RwSignal::new(None::<Failure>);
    let remove = move |email: String| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/staffAccounts/{email}");
            let done = client::send::<_, ()>("DELETE", &path, &())
                .await
                .map(|()| email);
            removal.set(Some(done));
        });
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = NewColleague {
            email: email.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match client::send::<_, StaffMember>("POST", "/api/staffAccounts", &body).await {
                Ok(member) => {
                    failure.set(None);
                    for field in [email, name, password] {
                        field.set(String::new());
                    }
                    added.set(Some(member));
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let input = |id: &'static str,
                 ko: &'static str,
                 en: &'static str,
                 kind: &'static str,
                 autocomplete: &'static str,
                 value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{tr(ko, en)}</label>
                <input id=id type=kind autocomplete=autocomplete prop:value=value aria-describedby=format!("{id}-error")
                    on:input=move |ev| value.set(event_target_value(&ev)) />
                <FieldError failure field=id />
            </div>
        }
    };
    view! {
        <section class="panel wide">
            <h1>{tr("직원", "Staff")}</h1>
            {move || removal.get().map(|done| match (done, lang.get()) {
                (Ok(email), Lang::Ko) => view! { <p role="status">{format!("{email} 님을 직원에서 뺐어요. 그 계정의 로그인은 모두 끝났어요.")}</p> }.into_any(),
                (Ok(email), Lang::En) => view! { <p role="status">{format!("{email} is no longer staff; every session of that account has ended.")}</p> }.into_any(),
                (Err(failure), l) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, l)}</p> }.into_any(),
            })}
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || members.get().map(|result| match result {
                    Ok(list) => {
                        let l = lang.get();
                        let me = crate::session::use_auth().account().map(|a| a.email);
                        view! {
                            <table class="team">
                                <thead><tr>
                                    <th scope="col">{tr("이름", "Name")}</th>
                                    <th scope="col">{tr("이메일", "Email")}</th>
                                    <th scope="col">{tr("추가한 사람", "Added by")}</th>
                                    <th scope="col">{tr("추가된 때", "Since")}</th>
                                    <th scope="col">{tr("빼기", "Remove")}</th>
                                </tr></thead>
                                <tbody>{list.into_iter().map(|m| {
                                    // Nobody removes themselves, nor the configured account.
                                    let removable = m.added_by.is_some() && Some(&m.email) != me.as_ref();
                                    let email = m.email.clone();
                                    view! {
                                        <tr data-email=m.email.clone()><td>{m.name.clone()}</td><td>{m.email.clone()}</td>
                                            <td>{m.added_by.clone().unwrap_or_else(|| l.pick("가게 설정", "the shop's configuration").to_owned())}</td>
                                            <td>{l.moment(m.created_at)}</td>
                                            <td>{removable.then(|| view! {
                                                <button type="button" class="danger" on:click=move |_| remove(email.clone())>{tr("직원에서 빼기", "Remove from staff")}</button>
                                            })}</td></tr>
                                    }
                                }).collect_view()}</tbody>
                            </table>
                        }.into_any()
                    }
                    Err(failure) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, lang.get())}</p> }.into_any(),
                })}
            </Transition>
            <form class="add-colleague" novalidate on:submit=submit>
                <h2>{tr("직원 추가", "Add a colleague")}</h2>
                {move || added.get().map(|m| view! { <p role="status">{match lang.get() {
                    Lang::Ko => format!("{}님을 직원으로 추가했어요. 알려 준 비밀번호로 로그인한 뒤 바꾸도록 해 주세요.", m.name),
                    Lang::En => format!("{} is now staff. Ask them to sign in with the password you gave and change it.", m.name),
                }}</p> })}
                {input("email", "이메일", "Email", "email", "off", email)}
                {input("name", "이름", "Name", "text", "off", name)}
                {input("password", "처음 비밀번호 (10자 이상)", "First password (10 characters or more)", "password", "new-password", password)}
                <button type="submit" class="primary">{tr("추가", "Add")}</button>
            </form>
        </section>
    }
}
