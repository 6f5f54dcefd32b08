//! `/staff/preparation`: what to prepare — per delivery day, how many of each flower the paid
//! orders that have not left need, against the stock, with what to buy where it falls short.

use super::StaffNav;
use crate::{
    client,
    i18n::{tr, use_lang, Lang},
    live::use_live,
    session::Guard,
};
use contracts::florist::Preparation;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/staff/preparation`.
#[component]
pub fn PreparationPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("준비할 꽃", "What to prepare") />
        <Guard staff=true><StaffNav /><Plan /></Guard>
    }
}

#[component]
fn Plan() -> impl IntoView {
    let lang = use_lang();
    let live = use_live();
    let plan = LocalResource::new(move || {
        live.deliveries.track();
        live.products.track();
        client::get::<Vec<Preparation>>("/api/preparation?days=3")
    });
    view! {
        <section class="panel wide">
            <h1>{tr("준비할 꽃", "What to prepare")}</h1>
            <p class="note">{tr(
                "오늘부터 사흘 동안 결제된 주문에 들어갈 꽃이에요. 주문 가능 수량이 그날 필요한 양보다 적으면, 그만큼 더 들여오기를 권해요. 날마다 지금 재고와 따로 견주므로, 여러 날의 권장량을 더하지 마세요.",
                "The flowers the paid orders of the next three days need. Where fewer are left to sell than a day like this uses, buy the difference. Each day is weighed on its own against the stock now: do not add the days' suggestions up.",
            )}</p>
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || plan.get().map(|result| match result {
                    Ok(days) if days.is_empty() => view! { <p>{tr("준비할 주문이 없어요.", "No paid orders to prepare.")}</p> }.into_any(),
                    Ok(days) => days.into_iter().map(|day| {
                        let l = lang.get();
                        view! {
                            <article class="prepare-day">
                                <h2>{l.date(day.day)}</h2>
                                <table class="prepare">
                                    <thead><tr>
                                        <th scope="col">{tr("꽃", "Flower")}</th>
                                        <th scope="col">{tr("필요", "Needed")}</th>
                                        <th scope="col">{tr("주문", "Orders")}</th>
                                        <th scope="col">{tr("보유", "On hand")}</th>
                                        <th scope="col">{tr("주문 가능", "Available")}</th>
                                        <th scope="col">{tr("들여올 수량", "Buy")}</th>
                                    </tr></thead>
                                    <tbody>{day.flowers.into_iter().map(|f| view! {
                                        <tr data-slug=f.slug.clone() class:short={f.restock > 0}>
                                            <th scope="row">{l.pick(&f.name.ko, &f.name.en).to_owned()}</th>
                                            <td class="needed" data-label=l.pick("필요", "Needed")>{f.needed}</td>
                                            <td data-label=l.pick("주문", "Orders")>{f.orders}</td>
                                            <td data-label=l.pick("보유", "On hand")>{f.on_hand}</td>
                                            <td data-label=l.pick("주문 가능", "Available")>{f.available}</td>
                                            <td class="restock" data-label=l.pick("들여올 수량", "Buy")>{if f.restock > 0 {
                                                match l { Lang::Ko => format!("{}개 입고 권장", f.restock), Lang::En => format!("buy {}", f.restock) }
                                            } else {
                                                l.pick("충분해요", "enough").to_owned()
                                            }}</td>
                                        </tr>
                                    }).collect_view()}</tbody>
                                </table>
                            </article>
                        }
                    }).collect_view().into_any(),
                    Err(failure) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, lang.get())}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
