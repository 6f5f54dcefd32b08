//! `/staff/deliveries`: the delivery schedule, moved along live (send out, mark delivered).

use super::StaffNav;
use crate::{
    client::{self, Failure},
    i18n::{tr, use_lang},
    live::use_live,
    orders::{delivery_words, window_words},
    session::Guard,
};
use contracts::{delivery::ScheduledDelivery, progress::DeliveryStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::Deserialize;

/// `/staff/deliveries`: today's and upcoming deliveries by date and window, live.
#[component]
pub fn DeliveriesPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("배달 관리", "Deliveries") />
        <Guard staff=true><StaffNav /><Deliveries /></Guard>
    }
}

#[derive(Deserialize)]
struct Advanced {}

#[component]
fn Deliveries() -> impl IntoView {
    let lang = use_lang();
    let live = use_live();
    let deliveries = LocalResource::new(move || {
        live.deliveries.track();
        client::get::<Vec<ScheduledDelivery>>("/api/deliveries")
    });
    let failure = RwSignal::new(None::<Failure>);
    let advance = move |order_id: String, step: &'static str| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/deliveries/{order_id}/{step}");
            if let Err(error) = client::send::<_, Advanced>("POST", &path, &()).await {
                failure.set(Some(error));
            }
        });
    };
    view! {
        <section class="panel wide">
            <h1>{tr("배달 관리", "Deliveries")}</h1>
            {move || failure.get().map(|f| view! { <p class="form-error" role="alert">{f.message}</p> })}
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || deliveries.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>{tr("예정된 배달이 없어요.", "No deliveries scheduled.")}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="deliveries">
                            {list.into_iter().map(|d| {
                                let id = d.order_id.to_string();
                                let (id1, id2) = (id.clone(), id.clone());
                                let l = lang.get();
                                view! {
                                    <li class=format!("delivery status-{}", d.status) data-order=id.clone()>
                                        <p class="when">{l.date(d.delivery_date)} " · " {window_words(d.window, l)}</p>
                                        <p class="who">{d.recipient_name.clone()} " · " {d.recipient_phone.clone()}</p>
                                        <p class="where">{d.address.clone()}</p>
                                        {d.card_message.clone().map(|m| view! { <p class="card-message">"“" {m} "”"</p> })}
                                        <p class="status">{delivery_words(d.status, l)}</p>
                                        {(d.status == DeliveryStatus::Preparing).then(|| view! {
                                            <button type="button" on:click=move |_| advance(id1.clone(), "dispatch")>{tr("배달 출발", "Send out")}</button>
                                        })}
                                        {(d.status == DeliveryStatus::OutForDelivery).then(|| view! {
                                            <button type="button" on:click=move |_| advance(id2.clone(), "deliver")>{tr("배달 완료", "Mark delivered")}</button>
                                        })}
                                        <a href=format!("/staff/orders/{id}")>{tr("주문 기록", "Order timeline")}</a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(failure) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, lang.get())}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
