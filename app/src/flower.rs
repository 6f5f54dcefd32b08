//! A flower's own page: its picture, description, price and what is left, and the way to order
//! it.

use crate::{
    catalog::{availability_text, find, flower_name, live_catalog},
    i18n::{tr, use_lang, Lang},
};
use contracts::rules::MAX_QUANTITY;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/flower/:slug`: a flower with its description, price and availability.
#[component]
pub fn FlowerPage() -> impl IntoView {
    let params = use_params_map();
    let lang = use_lang();
    let flowers = live_catalog();
    let quantity = RwSignal::new(1u32);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"…"</p> }>
            {move || Suspend::new(async move {
                let slug = params.read().get("slug").unwrap_or_default();
                match flowers.await.ok().and_then(|list| find(list, &slug)) {
                    None => view! { <crate::NotFound /> }.into_any(),
                    Some(flower) => {
                        let class = flower.availability_class();
                        let available = flower.available.max(0) as u32;
                        // One can order what is in stock, up to the shop's cap per flower.
                        let most = available.min(MAX_QUANTITY as u32);
                        let f1 = flower.clone();
                        let name = move || flower_name(&f1, lang.get());
                        let f2 = flower.clone();
                        let description = move || match lang.get() { Lang::Ko => f2.description_ko.clone(), Lang::En => f2.description_en.clone() };
                        let f3 = flower.clone();
                        let availability = move || availability_text(f3.available, lang.get());
                        let slug = flower.slug.clone();
                        let order_href = move || format!("/checkout?flower={slug}&quantity={}", quantity.get());
                        view! {
                            <Title text=name() />
                            <article class="flower-page">
                                <img src=flower.picture.clone() alt="" width="360" height="360" />
                                <div>
                                    <h1>{name}</h1>
                                    <p class="flower-description">{description}</p>
                                    <p class="flower-price">{flower.price()}</p>
                                    <p class=format!("availability {class}")>{availability}</p>
                                    {(available > 0).then(|| view! {
                                        <div class="field quantity">
                                            <label for="quantity">{tr("수량", "Quantity")}</label>
                                            <input id="quantity" type="number" min="1" max=most.to_string()
                                                prop:value=move || quantity.get().to_string()
                                                on:input=move |ev| quantity.set(event_target_value(&ev).parse().unwrap_or(1).clamp(1, most)) />
                                        </div>
                                        <a class="button primary" href=order_href>{tr("주문하기", "Order")}</a>
                                    })}
                                    <p><a href="/">{tr("← 다른 꽃 보기", "← More flowers")}</a></p>
                                </div>
                            </article>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
