//! `/staff/inventory`: stock levels, restock, a new price, a new flower, each product's history.

use super::StaffNav;
use crate::{
    client::{self, Failure},
    i18n::{tr, use_lang},
    live::use_live,
    problems::FieldError,
    session::Guard,
};
use contracts::{
    inventory::{HistoryEntry, StockLevel},
    Localized,
};
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use serde::Serialize;

/// `/staff/inventory`.
#[component]
pub fn InventoryPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("재고 관리", "Inventory") />
        <Guard staff=true><StaffNav /><Inventory /></Guard>
    }
}

#[derive(Serialize)]
struct Restock {
    quantity: i64,
    reason: String,
    /// One per form shown: a retry of the same restock adds the stock once.
    #[serde(skip_serializing_if = "String::is_empty")]
    request_id: String,
}

#[derive(Serialize)]
struct NewPrice {
    price_won: i64,
    reason: String,
}

#[component]
fn Inventory() -> impl IntoView {
    let lang = use_lang();
    let live = use_live();
    let changed = RwSignal::new(0u64);
    // The last refused change, kept here so it survives the table being drawn again when a
    // live update arrives.
    let refused = RwSignal::new(None::<(String, Failure)>);
    let products = LocalResource::new(move || {
        live.products.track();
        changed.track();
        client::get::<Vec<StockLevel>>("/api/products")
    });
    view! {
        <section class="panel wide">
            <h1>{tr("재고 관리", "Inventory")}</h1>
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || products.get().map(|result| match result {
                    Ok(list) => {
                        let pictures: Vec<String> = list.iter().map(|p| p.picture.clone()).collect();
                        view! {
                            <table class="inventory">
                                <thead><tr>
                                    <th scope="col">{tr("꽃", "Flower")}</th>
                                    <th scope="col">{tr("가격", "Price")}</th>
                                    <th scope="col">{tr("보유", "On hand")}</th>
                                    <th scope="col">{tr("예약", "Reserved")}</th>
                                    <th scope="col">{tr("주문 가능", "Available")}</th>
                                    <th scope="col">{tr("변경", "Change")}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|p| view! { <ProductRow product=p changed refused /> }).collect_view()}
                                </tbody>
                            </table>
                            <AddFlower pictures changed />
                        }.into_any()
                    }
                    Err(failure) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, lang.get())}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ProductRow(
    product: StockLevel,
    changed: RwSignal<u64>,
    refused: RwSignal<Option<(String, Failure)>>,
) -> impl IntoView {
    let lang = use_lang();
    let slug = product.slug.clone();
    let quantity = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let price = RwSignal::new(product.price.0.to_string());
    let price_reason = RwSignal::new(String::new());
    let failure = RwSignal::new(
        refused
            .get_untracked()
            .filter(|(of, _)| *of == slug)
            .map(|(_, failure)| failure),
    );
    let history = RwSignal::new(None::<Vec<HistoryEntry>>);
    let restock_id = StoredValue::new(client::new_request_id());
    let outcome = {
        let slug = slug.clone();
        move |result: Result<StockLevel, Failure>| match result {
            Ok(_) => {
                refused.set(None);
                failure.set(None);
                changed.update(|n| *n += 1);
            }
            Err(error) => {
                refused.set(Some((slug.clone(), error.clone())));
                failure.set(Some(error));
            }
        }
    };

    let restock = {
        let (slug, outcome) = (slug.clone(), outcome.clone());
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let path = format!("/api/products/{slug}/restock");
            let body = Restock {
                quantity: quantity.get_untracked().trim().parse().unwrap_or(0),
                reason: reason.get_untracked(),
                request_id: restock_id.get_value(),
            };
            let outcome = outcome.clone();
            leptos::task::spawn_local(async move {
                outcome(client::send::<_, StockLevel>("POST", &path, &body).await);
            });
        }
    };
    let reprice = {
        let (slug, outcome) = (slug.clone(), outcome.clone());
        move |ev: SubmitEvent| {
            ev.prevent_default();
            let path = format!("/api/products/{slug}");
            let body = NewPrice {
                price_won: price
                    .get_untracked()
                    .trim()
                    .replace(',', "")
                    .parse()
                    .unwrap_or(0),
                reason: price_reason.get_untracked(),
            };
            let outcome = outcome.clone();
            leptos::task::spawn_local(async move {
                outcome(client::send::<_, StockLevel>("PATCH", &path, &body).await);
            });
        }
    };
    let show_history = {
        let slug = slug.clone();
        move |_| {
            if history.get_untracked().is_some() {
                history.set(None);
                return;
            }
            let path = format!("/api/products/{slug}/history");
            leptos::task::spawn_local(async move {
                if let Ok(entries) = client::get::<Vec<HistoryEntry>>(&path).await {
                    history.set(Some(entries));
                }
            });
        }
    };
    let name = product.name.clone();
    view! {
        <tr class:low-stock=product.low_stock data-slug=slug.clone()>
            <th scope="row">
                {move || lang.get().pick(&name.ko, &name.en).to_owned()}
                {product.low_stock.then(|| view! { <span class="badge low">{tr("재고 부족", "Low stock")}</span> })}
            </th>
            <td>{product.price.to_string()}</td>
            <td class="on-hand">{product.on_hand}</td>
            <td class="reserved">{product.reserved}</td>
            <td class="available">{product.available}</td>
            <td class="changes">
                <form class="inline" novalidate on:submit=restock aria-label=tr("입고", "Restock")>
                    <input type="number" min="1" placeholder=tr("수량", "Qty") aria-label=tr("입고 수량", "Quantity arriving")
                        prop:value=quantity on:input=move |ev| quantity.set(event_target_value(&ev)) />
                    <input placeholder=tr("이유", "Reason") aria-label=tr("입고 이유", "Restock reason")
                        prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
                    <button type="submit">{tr("입고", "Restock")}</button>
                </form>
                <form class="inline" novalidate on:submit=reprice aria-label=tr("가격 변경", "Change price")>
                    <input type="number" min="100" step="100" aria-label=tr("새 가격 (원)", "New price (won)")
                        prop:value=price on:input=move |ev| price.set(event_target_value(&ev)) />
                    <input placeholder=tr("이유", "Reason") aria-label=tr("가격 변경 이유", "Price change reason")
                        prop:value=price_reason on:input=move |ev| price_reason.set(event_target_value(&ev)) />
                    <button type="submit">{tr("가격 변경", "Set price")}</button>
                </form>
                <FieldError failure field="quantity" />
                <FieldError failure field="reason" />
                <FieldError failure field="price_won" />
                <button type="button" class="link" on:click=show_history>{tr("기록", "History")}</button>
                {move || history.get().map(|entries| view! {
                    <ol class="history">
                        {entries.into_iter().map(|e| {
                            let what = match (e.stock_delta, e.price_before, e.price_after) {
                                (Some(delta), _, _) => format!("{delta:+} → {}", e.on_hand_after.unwrap_or_default()),
                                (_, Some(before), Some(after)) => format!("{before} → {after}"),
                                _ => String::new(),
                            };
                            view! {
                                <li><time datetime=e.at.to_rfc3339()>{lang.get().moment(e.at)}</time>
                                    " · " {what} " · " {e.reason} " · " <span class="actor">{e.actor}</span></li>
                            }
                        }).collect_view()}
                    </ol>
                })}
            </td>
        </tr>
    }
}

#[derive(Serialize)]
struct NewFlower {
    slug: String,
    name: Localized,
    description: Localized,
    price_won: i64,
    on_hand: i64,
    picture: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    photo: Option<String>,
}

#[component]
fn AddFlower(pictures: Vec<String>, changed: RwSignal<u64>) -> impl IntoView {
    let text = || RwSignal::new(String::new());
    let (slug, name_ko, name_en, description_ko, description_en, price, on_hand) =
        (text(), text(), text(), text(), text(), text(), text());
    let picture = RwSignal::new(pictures.first().cloned().unwrap_or_default());
    let photo = RwSignal::new(None::<String>);
    // The chosen file, read by the browser into a `data:` URL (checked again on the server).
    let choose_photo = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let file = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            let (Some(file), Ok(reader)) = (file, web_sys::FileReader::new()) else {
                photo.set(None);
                return;
            };
            let done = reader.clone();
            let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
                photo.set(done.result().ok().and_then(|r| r.as_string()));
            });
            reader.set_onload(Some(onload.unchecked_ref()));
            let _ = reader.read_as_data_url(&file);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, photo);
    };
    let failure = RwSignal::new(None::<Failure>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let body = NewFlower {
            slug: slug.get_untracked(),
            name: Localized {
                ko: name_ko.get_untracked(),
                en: name_en.get_untracked(),
            },
            description: Localized {
                ko: description_ko.get_untracked(),
                en: description_en.get_untracked(),
            },
            price_won: price.get_untracked().trim().parse().unwrap_or(0),
            on_hand: on_hand.get_untracked().trim().parse().unwrap_or(-1),
            picture: picture.get_untracked(),
            photo: photo.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match client::send::<_, StockLevel>("POST", "/api/products", &body).await {
                Ok(_) => {
                    failure.set(None);
                    changed.update(|n| *n += 1);
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let input = |id: &'static str,
                 label: &'static str,
                 label_en: &'static str,
                 value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{tr(label, label_en)}</label>
                <input id=id prop:value=value on:input=move |ev| value.set(event_target_value(&ev)) />
                <FieldError failure field=id />
            </div>
        }
    };
    view! {
        <form class="add-flower" novalidate on:submit=submit>
            <h2>{tr("새 꽃 추가", "Add a flower")}</h2>
            {input("slug", "주소 이름 (영문)", "Slug (for the address)", slug)}
            {input("name.ko", "이름 (한국어)", "Name (Korean)", name_ko)}
            {input("name.en", "이름 (영어)", "Name (English)", name_en)}
            {input("description.ko", "설명 (한국어)", "Description (Korean)", description_ko)}
            {input("description.en", "설명 (영어)", "Description (English)", description_en)}
            {input("price_won", "가격 (원)", "Price (won)", price)}
            {input("on_hand", "처음 수량", "First stock", on_hand)}
            <div class="field">
                <label for="picture">{tr("그림", "Picture")}</label>
                <select id="picture" prop:value=picture on:change=move |ev| picture.set(event_target_value(&ev))>
                    {pictures.into_iter().map(|p| view! { <option value=p.clone()>{p.clone()}</option> }).collect_view()}
                </select>
                <FieldError failure field="picture" />
            </div>
            <div class="field">
                <label for="photo">{tr("사진 올리기 (PNG·JPEG, 512KB까지, 선택)", "Upload a photo (PNG or JPEG, up to 512 KB, optional)")}</label>
                <input id="photo" type="file" accept="image/png,image/jpeg" on:change=choose_photo />
                <FieldError failure field="photo" />
            </div>
            <button type="submit" class="primary">{tr("추가", "Add")}</button>
        </form>
    }
}
