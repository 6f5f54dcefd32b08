//! `/staff/orders/:id`: one order's saga timeline, with any parked message and a button to
//! re-drive it.

use super::StaffNav;
use crate::{
    client::{self},
    i18n::{tr, use_lang, Lang},
    live::use_live,
    orders::{step_words, OrderView},
    session::Guard,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
struct ParkedMessage {
    context: String,
    kind: String,
    at: Option<chrono::DateTime<chrono::Utc>>,
    body: String,
}

#[derive(Deserialize)]
struct Redriven {
    moved: usize,
}

/// `/staff/orders/:id`: the saga of one order and anything parked on its way.
#[component]
pub fn StaffOrderPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("주문 기록", "Order timeline") />
        <Guard staff=true><StaffNav /><StaffOrder /></Guard>
    }
}

#[component]
fn StaffOrder() -> impl IntoView {
    let lang = use_lang();
    let live = use_live();
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let redriven = RwSignal::new(None::<usize>);
    let order = LocalResource::new(move || {
        live.deliveries.track();
        let id = id();
        async move { client::get::<OrderView>(&format!("/api/orders/{id}")).await }
    });
    let parked = LocalResource::new(move || {
        redriven.track();
        let id = id();
        async move { client::get::<Vec<ParkedMessage>>(&format!("/api/parked?order_id={id}")).await }
    });
    let redrive = move |context: String| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/parked/{context}/redrive");
            if let Ok(done) = client::send::<_, Redriven>("POST", &path, &()).await {
                redriven.set(Some(done.moved));
            }
        });
    };
    view! {
        <section class="panel wide">
            <h1>{tr("주문 기록", "Order timeline")}</h1>
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || order.get().map(|result| match result {
                    Ok(o) => {
                        let l = lang.get();
                        view! {
                            <p><span class="number">{"#"}{o.number()}</span> " · " {o.recipient_name.clone()}
                                {o.recipient_phone.as_deref().map(|p| format!(" · {}", contracts::display::phone(p)))}
                                " · " {o.address.clone()} " · " {contracts::Won(o.total_won).to_string()}</p>
                            <table class="saga">
                                <thead><tr><th scope="col">{tr("시각", "Time")}</th><th scope="col">{tr("맥락", "Context")}</th><th scope="col">{tr("사건", "Event")}</th><th scope="col">{tr("누가", "By")}</th></tr></thead>
                                <tbody>{o.timeline.iter().map(|s| view! {
                                    <tr><td><time datetime=s.at.to_rfc3339()>{l.moment(s.at)}</time></td>
                                        <td>{s.step.context()}</td>
                                        <td>{step_words(s.step, l)} {s.detail.clone().map(|d| format!(" — {d}"))}</td>
                                        <td class="by">{s.by.clone()}</td></tr>
                                }).collect_view()}</tbody>
                            </table>
                        }.into_any()
                    }
                    Err(failure) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, lang.get())}</p> }.into_any(),
                })}
            </Transition>
            <h2>{tr("보류된 메시지", "Parked messages")}</h2>
            {move || redriven.get().map(|n| view! { <p role="status">{match lang.get() {
                Lang::Ko => format!("메시지 {n}개를 다시 보냈어요."),
                Lang::En => format!("{n} message(s) sent back to their queue."),
            }}</p> })}
            <Transition fallback=|| ()>
                {move || parked.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>{tr("보류된 메시지가 없어요.", "Nothing is parked for this order.")}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="parked">{list.into_iter().map(|m| {
                            let context = m.context.clone();
                            view! {
                                <li><strong>{m.context.clone()}</strong> " · " {m.kind.clone()} " · "
                                    {m.at.map(|at| lang.get().moment(at))}
                                    <pre>{m.body.clone()}</pre>
                                    <button type="button" on:click=move |_| redrive(context.clone())>{tr("다시 보내기", "Re-drive")}</button></li>
                            }
                        }).collect_view()}</ul>
                    }.into_any(),
                    Err(failure) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, lang.get())}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
