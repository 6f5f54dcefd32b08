//! The checkout: quantity, recipient, address, delivery date (a
//! calendar that knows the same-day cut-off) and window, card message with a counter, and the
//! test card. Errors appear next to their field; what was typed stays; sending twice places
//! one order (the form carries one order id from the moment it opens).

use crate::{
    catalog::{availability_text, catalog, find, flower_name},
    client::{self, Failure},
    i18n::{tr, use_lang, Lang},
    problems::FieldError,
    session::Guard,
};
use chrono::NaiveDate;
use contracts::{
    order::{TimeWindow, WantedLine},
    rules::MAX_CARD_MESSAGE,
};
use leptos::server_fn::codec::GetUrl;
use leptos::{ev::SubmitEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The days an order may be delivered on, as the order context's rules say right now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryDays {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub cutoff_hour: u32,
}

#[server(prefix = "/fn", endpoint = "delivery_calendar", input = GetUrl)]
pub async fn delivery_calendar() -> Result<DeliveryDays, ServerFnError> {
    let cutoff_hour = use_context::<SameDayCutoff>().map_or(14, |c| c.0);
    let now = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Seoul)
        .naive_local();
    Ok(DeliveryDays {
        first_day: contracts::rules::first_delivery_day(now, cutoff_hour),
        last_day: contracts::rules::last_delivery_day(now),
        cutoff_hour,
    })
}

/// The hour (Seoul) after which same-day orders close, provided by the server.
#[derive(Clone, Copy, Debug)]
pub struct SameDayCutoff(pub u32);

#[derive(Serialize)]
struct CheckoutBody {
    order_id: String,
    lines: Vec<WantedLine>,
    recipient_name: String,
    recipient_phone: String,
    address: String,
    delivery_date: String,
    window: String,
    card_message: Option<String>,
    card_number: String,
    card_expiry: String,
    card_cvc: String,
}

#[derive(Deserialize)]
struct Placed {
    order_id: String,
}

/// A fresh id for one checkout form.
fn new_order_id() -> String {
    crate::client::new_request_id()
}

/// `/checkout?flower=slug&quantity=n`.
#[component]
pub fn CheckoutPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("주문하기", "Checkout") />
        <Guard><CheckoutForm /></Guard>
    }
}

#[component]
fn CheckoutForm() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let flowers = LocalResource::new(catalog);
    let calendar = LocalResource::new(delivery_calendar);
    let slug = move || query.read().get("flower").unwrap_or_default();
    let quantity = RwSignal::new(
        query
            .get_untracked()
            .get("quantity")
            .and_then(|q| q.parse::<i64>().ok())
            .unwrap_or(1),
    );
    let field = || RwSignal::new(String::new());
    let (recipient_name, recipient_phone, address, date) = (field(), field(), field(), field());
    let window_choice = RwSignal::new(TimeWindow::Afternoon.as_str().to_owned());
    let card_message = field();
    let card_number = RwSignal::new("4242 4242 4242 4242".to_owned());
    let card_expiry = RwSignal::new("12/30".to_owned());
    let card_cvc = RwSignal::new("123".to_owned());
    let failure = RwSignal::new(None::<Failure>);
    let pending = RwSignal::new(false);
    let order_id = StoredValue::new(new_order_id());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        failure.set(None);
        let message = card_message.get_untracked();
        let body = CheckoutBody {
            order_id: order_id.get_value(),
            lines: vec![WantedLine {
                slug: slug(),
                quantity: quantity.get_untracked(),
            }],
            recipient_name: recipient_name.get_untracked(),
            recipient_phone: recipient_phone.get_untracked(),
            address: address.get_untracked(),
            delivery_date: date.get_untracked(),
            window: window_choice.get_untracked(),
            card_message: (!message.trim().is_empty()).then_some(message),
            card_number: card_number.get_untracked(),
            card_expiry: card_expiry.get_untracked(),
            card_cvc: card_cvc.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match client::send::<_, Placed>("POST", "/api/orders", &body).await {
                Ok(placed) => {
                    let _ = window()
                        .location()
                        .set_href(&format!("/orders/{}", placed.order_id));
                }
                Err(error) => {
                    failure.set(Some(error));
                    pending.set(false);
                }
            }
        });
    };

    let input = |id: &'static str, value: RwSignal<String>| {
        view! {
            <input id=id name=id prop:value=value
                aria-describedby=format!("{id}-error")
                on:input=move |ev| value.set(event_target_value(&ev)) />
        }
    };
    let summary = move || {
        let list = flowers.get()?.ok()?;
        let flower = find(list, &slug())?;
        let total = contracts::Won(flower.price_won * quantity.get());
        Some(view! {
            <div class="order-summary">
                <img src=flower.picture.clone() alt="" width="96" height="96" />
                <div>
                    <p class="flower-name">{flower_name(&flower, lang.get())}</p>
                    <p>{flower.price()} " × " {quantity} " = " <strong class="total">{total.to_string()}</strong></p>
                    <p class="availability">{availability_text(flower.available, lang.get())}</p>
                </div>
            </div>
        })
    };
    let general = move || {
        failure.get().filter(|f| f.fields.is_empty()).map(|f| {
            let text = match lang.get() {
                Lang::Ko if f.status == 503 => {
                    "지금은 주문을 받을 수 없어요. 잠시 후 다시 시도해 주세요.".to_owned()
                }
                Lang::Ko => "주문하지 못했어요. 잠시 후 다시 시도해 주세요.".to_owned(),
                Lang::En => f.message,
            };
            view! { <p class="form-error" role="alert">{text}</p> }
        })
    };
    let date_bounds = move || calendar.get().and_then(Result::ok);
    let cutoff_hint = move || {
        date_bounds().map(|c| match lang.get() {
            Lang::Ko => format!("오늘 배달은 {}시 전까지 주문하시면 돼요.", c.cutoff_hour),
            Lang::En => format!("Order before {}:00 for delivery today.", c.cutoff_hour),
        })
    };
    let remaining = move || MAX_CARD_MESSAGE as i64 - card_message.get().chars().count() as i64;

    view! {
        <section class="panel checkout">
            <h1>{tr("주문하기", "Checkout")}</h1>
            <Transition fallback=|| ()>{summary}</Transition>
            // POST: a submit before the WASM has loaded never puts what was typed in the address.
            <form method="post" on:submit=submit novalidate>
                <fieldset>
                    <legend>{tr("꽃", "Flowers")}</legend>
                    <div class="field">
                        <label for="quantity">{tr("수량", "Quantity")}</label>
                        <input id="quantity" type="number" min="1" max="20" aria-describedby="lines-error"
                            prop:value=move || quantity.get().to_string()
                            on:input=move |ev| quantity.set(event_target_value(&ev).parse().unwrap_or(0)) />
                        <FieldError failure field="lines" />
                    </div>
                </fieldset>
                <fieldset>
                    <legend>{tr("받는 분", "Recipient")}</legend>
                    <div class="field">
                        <label for="recipient_name">{tr("이름", "Name")}</label>
                        {input("recipient_name", recipient_name)}
                        <FieldError failure field="recipient_name" />
                    </div>
                    <div class="field">
                        <label for="recipient_phone">{tr("휴대전화", "Mobile phone")}</label>
                        {input("recipient_phone", recipient_phone)}
                        <FieldError failure field="recipient_phone" />
                    </div>
                    <div class="field">
                        <label for="address">{tr("주소", "Address")}</label>
                        {input("address", address)}
                        <FieldError failure field="address" />
                    </div>
                </fieldset>
                <fieldset>
                    <legend>{tr("배달", "Delivery")}</legend>
                    <div class="field">
                        <label for="delivery_date">{tr("날짜", "Date")}</label>
                        <input id="delivery_date" type="date" aria-describedby="delivery_date-error"
                            min=move || date_bounds().map(|c| c.first_day.to_string())
                            max=move || date_bounds().map(|c| c.last_day.to_string())
                            prop:value=date on:input=move |ev| date.set(event_target_value(&ev)) />
                        <p class="hint">{cutoff_hint}</p>
                        <FieldError failure field="delivery_date" />
                    </div>
                    <div class="field">
                        <label for="window">{tr("시간대", "Time window")}</label>
                        <select id="window" aria-describedby="window-error"
                            on:change=move |ev| window_choice.set(event_target_value(&ev))
                            prop:value=window_choice>
                            {TimeWindow::ALL.iter().copied().map(|window| view! {
                                <option value=window.as_str()>
                                    {move || crate::orders::window_words(window, lang.get())}
                                </option>
                            }).collect_view()}
                        </select>
                        <FieldError failure field="window" />
                    </div>
                    <div class="field">
                        <label for="card_message">{tr("카드 메시지 (선택)", "Card message (optional)")}</label>
                        <textarea id="card_message" rows="3" aria-describedby="card_message-count card_message-error"
                            prop:value=card_message on:input=move |ev| card_message.set(event_target_value(&ev))></textarea>
                        <p id="card_message-count" class=move || if remaining() < 0 { "hint over" } else { "hint" } aria-live="polite">
                            {move || match lang.get() {
                                Lang::Ko => format!("{}자 남음", remaining()),
                                Lang::En => format!("{} characters left", remaining()),
                            }}
                        </p>
                        <FieldError failure field="card_message" />
                    </div>
                </fieldset>
                <fieldset>
                    <legend>{tr("결제 (시험용 카드)", "Payment (test card)")}</legend>
                    <p class="hint">{tr(
                        "시험 모드예요: 4242 4242 4242 4242는 승인, 4000 0000 0000 0002는 거절돼요.",
                        "Test mode: 4242 4242 4242 4242 approves, 4000 0000 0000 0002 declines.")}</p>
                    <div class="field">
                        <label for="card_number">{tr("카드 번호", "Card number")}</label>
                        <input id="card_number" inputmode="numeric" autocomplete="cc-number" aria-describedby="card_number-error"
                            prop:value=card_number on:input=move |ev| card_number.set(event_target_value(&ev)) />
                        <FieldError failure field="card_number" />
                    </div>
                    <div class="field-row">
                        <div class="field">
                            <label for="card_expiry">{tr("유효기간 (MM/YY)", "Expiry (MM/YY)")}</label>
                            <input id="card_expiry" autocomplete="cc-exp" aria-describedby="card_expiry-error"
                                prop:value=card_expiry on:input=move |ev| card_expiry.set(event_target_value(&ev)) />
                            <FieldError failure field="card_expiry" />
                        </div>
                        <div class="field">
                            <label for="card_cvc">"CVC"</label>
                            <input id="card_cvc" inputmode="numeric" autocomplete="cc-csc" aria-describedby="card_cvc-error"
                                prop:value=card_cvc on:input=move |ev| card_cvc.set(event_target_value(&ev)) />
                            <FieldError failure field="card_cvc" />
                        </div>
                    </div>
                </fieldset>
                {general}
                <button type="submit" class="primary" disabled=move || pending.get()>
                    {move || if pending.get() { tr("주문하는 중…", "Placing your order…")() } else { tr("결제하고 주문하기", "Pay and order")() }}
                </button>
            </form>
        </section>
    }
}
