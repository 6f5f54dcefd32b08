//! `/staff/orders?q=…`: find an order by its number (`B1E11036`), the recipient's phone or the
//! customer's email; each result opens the order's saga timeline. The search is a plain GET
//! form, so it works before the page's script has loaded, and the address can be shared.

use super::StaffNav;
use crate::{
    client::{self, Failure},
    i18n::{tr, use_lang},
    orders::{line_summary, stage_words, OrderView},
    problems::FieldError,
    session::Guard,
};
use contracts::{display, Won};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

/// `/staff/orders`.
#[component]
pub fn FindOrderPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("주문 찾기", "Find an order") />
        <Guard staff=true><StaffNav /><Find /></Guard>
    }
}

/// A query string value, percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
fn Find() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    let failure = RwSignal::new(None::<Failure>);
    let found = LocalResource::new(move || {
        let q = q();
        async move {
            if q.trim().is_empty() {
                return Ok(None);
            }
            let result =
                client::get::<Vec<OrderView>>(&format!("/api/orders?q={}", encode(&q))).await;
            failure.set(result.as_ref().err().cloned());
            result.map(Some)
        }
    });
    view! {
        <section class="panel wide">
            <h1>{tr("주문 찾기", "Find an order")}</h1>
            <Form method="get" action="/staff/orders">
                <div class="field search">
                    <label for="q">{tr("주문 번호, 받는 분 전화번호 또는 고객 이메일", "Order number, recipient's phone or customer's email")}</label>
                    <input id="q" name="q" type="search" maxlength="254" prop:value=q
                        placeholder="B1E11036 · 010-1234-5678 · name@example.com"
                        aria-describedby="q-error" />
                    <FieldError failure field="q" />
                </div>
                <button type="submit" class="primary">{tr("찾기", "Search")}</button>
            </Form>
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || found.get().map(|result| match result {
                    Ok(None) => ().into_any(),
                    Ok(Some(list)) if list.is_empty() => view! { <p role="status">{tr("찾는 주문이 없어요.", "No order matches.")}</p> }.into_any(),
                    Ok(Some(list)) => {
                        let l = lang.get();
                        view! {
                            <p role="status">{match l {
                                crate::i18n::Lang::Ko => format!("주문 {}건", list.len()),
                                crate::i18n::Lang::En => format!("{} order(s)", list.len()),
                            }}</p>
                            <ul class="order-list found">
                                {list.into_iter().map(|order| {
                                    let number = order.number();
                                    let stage = order.stage();
                                    view! {
                                        <li class="order-row" data-order=order.order_id.clone()>
                                            <a href=format!("/staff/orders/{}", order.order_id)>
                                                <span class="number">{"#"}{number}</span>
                                                <span class="order-lines">{order.recipient_name.clone()} " · "
                                                    {order.recipient_phone.as_deref().map(display::phone)} " · "
                                                    {line_summary(&order.lines, l)}</span>
                                                <span class="order-date">{l.date(order.delivery_date)}</span>
                                                <span class=format!("stage stage-{stage}")>{stage_words(stage, l)}</span>
                                                <span class="order-total">{Won(order.total_won).to_string()}</span>
                                            </a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                    Err(failure) if failure.field("q").is_some() => ().into_any(),
                    Err(failure) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, lang.get())}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_search_travels_percent_encoded() {
        assert_eq!(super::encode("a+b@x.kr"), "a%2Bb%40x.kr");
        assert_eq!(super::encode("#B1E1 1036"), "%23B1E1%201036");
        assert_eq!(super::encode("김"), "%EA%B9%80");
    }
}
