//! The customer's orders: the list, one order's page that follows it live (status, timeline,
//! cancel while allowed), and the inbox of messages from the shop.

use crate::{
    client::{self, Failure},
    i18n::{tr, use_lang, Lang},
    live::{subscribe, use_live},
    session::Guard,
};
use chrono::{DateTime, NaiveDate, Utc};
use contracts::{
    notification::{MessageView, MessagesReply},
    order::{OrderLine, TimeWindow},
    progress::{DeliveryStatus, OrderStatus, PaymentStatus, Stage, Step},
    Won,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use serde::Deserialize;

/// An order as `GET /api/orders/{id}` and its event stream state it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct OrderView {
    pub order_id: String,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub delivery_status: DeliveryStatus,
    pub total_won: i64,
    pub lines: Vec<OrderLine>,
    pub recipient_name: String,
    /// Digits only; absent for orders the view projected before it kept the phone.
    #[serde(default)]
    pub recipient_phone: Option<String>,
    pub address: String,
    pub delivery_date: NaiveDate,
    pub time_window: TimeWindow,
    pub card_message: Option<String>,
    pub card_last4: String,
    pub placed_at: DateTime<Utc>,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TimelineEntry {
    pub step: Step,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
    /// The member of staff who took the step; sent to staff only.
    #[serde(default)]
    pub by: Option<String>,
}

impl OrderView {
    /// Where the order stands, as the customer would say it.
    pub fn stage(&self) -> Stage {
        Stage::of(self.status, self.delivery_status)
    }

    /// The short number the customer's messages name (`B1E11036`).
    pub fn number(&self) -> String {
        self.order_id
            .parse()
            .map(contracts::display::short_number)
            .unwrap_or_default()
    }

    /// Whether the cancel button is offered (the order context has the last word).
    pub fn may_cancel(&self) -> bool {
        self.stage().may_cancel()
    }
}

/// A stage in words: those of the timeline step that reaches it.
pub fn stage_words(stage: Stage, lang: Lang) -> &'static str {
    step_words(
        match stage {
            Stage::Placed => Step::Placed,
            Stage::Paid => Step::Paid,
            Stage::Preparing => Step::Preparing,
            Stage::OutForDelivery => Step::OutForDelivery,
            Stage::Delivered => Step::Delivered,
            Stage::Cancelled => Step::Cancelled,
            Stage::Declined => Step::PaymentDeclined,
        },
        lang,
    )
}

/// A timeline step in words.
pub fn step_words(step: Step, lang: Lang) -> &'static str {
    let (ko, en) = match step {
        Step::Placed => ("주문 접수", "Order placed"),
        Step::Paid => ("결제 완료", "Paid"),
        Step::PaymentApproved => ("결제 승인", "Payment approved"),
        Step::PaymentDeclined => ("결제 거절", "Payment declined"),
        Step::Rejected => ("주문 취소됨 (결제 실패)", "Order declined"),
        Step::Preparing => ("꽃 준비 중", "Preparing"),
        Step::OutForDelivery => ("배달 중", "Out for delivery"),
        Step::Delivered => ("배달 완료", "Delivered"),
        Step::Cancelled => ("주문 취소", "Cancelled"),
        Step::DeliveryCancelled => ("배달 취소", "Delivery stopped"),
        Step::Refunded => ("환불 완료", "Refunded"),
    };
    lang.pick(ko, en)
}

/// A delivery's status in words (staff's schedule): the timeline's words once it has started.
pub fn delivery_words(status: DeliveryStatus, lang: Lang) -> &'static str {
    let step = match status {
        DeliveryStatus::NotStarted => return lang.pick("결제 대기", "Waiting for payment"),
        DeliveryStatus::Preparing => Step::Preparing,
        DeliveryStatus::OutForDelivery => Step::OutForDelivery,
        DeliveryStatus::Delivered => Step::Delivered,
        DeliveryStatus::Cancelled => Step::DeliveryCancelled,
    };
    step_words(step, lang)
}

/// A delivery window in words, with the hours the order context keeps (`TimeWindow::hours`).
pub fn window_words(window: TimeWindow, lang: Lang) -> String {
    let (from, to) = window.hours();
    let part = match window {
        TimeWindow::Morning => lang.pick("오전", "Morning"),
        TimeWindow::Afternoon => lang.pick("오후", "Afternoon"),
        TimeWindow::Evening => lang.pick("저녁", "Evening"),
    };
    match lang {
        Lang::Ko => format!("{part} {from}–{to}시"),
        Lang::En => format!("{part} {from}:00–{to}:00"),
    }
}

/// What an order holds, in a line: `백합 × 2, 튤립 × 1`.
pub fn line_summary(lines: &[OrderLine], lang: Lang) -> String {
    lines
        .iter()
        .map(|line| {
            let name = lang.pick(&line.name.ko, &line.name.en).to_owned();
            format!("{name} × {}", line.quantity)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `/orders`: my orders, newest first, refreshed when one of them changes.
#[component]
pub fn MyOrdersPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("내 주문", "My orders") />
        <Guard><MyOrders /></Guard>
    }
}

#[component]
fn MyOrders() -> impl IntoView {
    let lang = use_lang();
    let live = use_live();
    let orders = LocalResource::new(move || {
        live.orders.track();
        client::get::<Vec<OrderView>>("/api/orderHistories")
    });
    view! {
        <section class="panel">
            <h1>{tr("내 주문", "My orders")}</h1>
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || orders.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! {
                        <p>{tr("아직 주문이 없어요.", "No orders yet.")} " " <a href="/">{tr("꽃 보러 가기", "See the flowers")}</a></p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="order-list">
                            {list.into_iter().map(|order| {
                                let href = format!("/orders/{}", order.order_id);
                                let stage = order.stage();
                                view! {
                                    <li class="order-row" data-order=order.order_id.clone()>
                                        <a href=href>
                                            <span class="order-lines">{line_summary(&order.lines, lang.get())}</span>
                                            <span class="order-date">{lang.get().date(order.delivery_date)}</span>
                                            <span class=format!("stage stage-{stage}")>{stage_words(stage, lang.get())}</span>
                                            <span class="order-total">{Won(order.total_won).to_string()}</span>
                                        </a>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(failure) => view! { <p class="form-error" role="alert">{failure.message}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// `/orders/:id`: one order, updated live by its event stream.
#[component]
pub fn OrderPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("주문 상세", "Your order") />
        <Guard><OrderDetail /></Guard>
    }
}

#[component]
fn OrderDetail() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let id = params.read_untracked().get("id").unwrap_or_default();
    let order = RwSignal::new(None::<OrderView>);
    let missing = RwSignal::new(false);
    // The stream sends the order at once and again at every change; a 404 means not ours.
    {
        let id = id.clone();
        Effect::new(move |_| {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match client::get::<OrderView>(&format!("/api/orders/{id}")).await {
                    Ok(current) => order.set(Some(current)),
                    Err(failure) if failure.status == 404 => missing.set(true),
                    Err(_) => {}
                }
            });
        });
    }
    subscribe(format!("/api/orders/{id}/events"), "order", move |data| {
        if let Ok(current) = serde_json::from_str::<OrderView>(&data) {
            order.set(Some(current));
        }
    });

    let confirming = RwSignal::new(false);
    let cancel_failure = RwSignal::new(None::<Failure>);
    let cancelling = RwSignal::new(false);
    let cancel = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            cancelling.set(true);
            leptos::task::spawn_local(async move {
                let path = format!("/api/orders/{id}/cancel");
                match client::send::<_, ()>("POST", &path, &()).await {
                    Ok(()) => {
                        confirming.set(false);
                        cancel_failure.set(None);
                    }
                    Err(failure) => cancel_failure.set(Some(failure)),
                }
                cancelling.set(false);
            });
        }
    };

    let refused = move || {
        cancel_failure.get().map(|failure| {
            let text = match (lang.get(), failure.status) {
                (Lang::Ko, 409) => "이미 꽃이 출발해서 취소할 수 없어요.".to_owned(),
                (Lang::Ko, _) => "지금은 취소할 수 없어요. 잠시 후 다시 시도해 주세요.".to_owned(),
                (Lang::En, _) => failure.message,
            };
            view! { <p class="form-error" role="alert">{text}</p> }
        })
    };

    view! {
        <section class="panel order-page">
            {move || missing.get().then(|| view! {
                <h1>{tr("주문을 찾을 수 없어요", "We could not find that order")}</h1>
                <p><a href="/orders">{tr("내 주문 보기", "See my orders")}</a></p>
            })}
            {move || order.get().map(|o| {
                let stage = o.stage();
                let reached = Stage::HAPPY_PATH.iter().position(|s| *s == stage);
                let lang_now = lang.get();
                view! {
                    <h1>{tr("주문 상세", "Your order")}</h1>
                    <p class="order-status" aria-live="polite" data-stage=stage.as_str()>
                        <span class=format!("stage stage-{stage}")>{stage_words(stage, lang_now)}</span>
                    </p>
                    {reached.map(|reached| view! {
                        <ol class="progress">
                            {Stage::HAPPY_PATH.iter().enumerate().map(|(i, s)| view! {
                                <li class:done=i <= reached aria-current=(i == reached).then_some("step")>{stage_words(*s, lang_now)}</li>
                            }).collect_view()}
                        </ol>
                    })}
                    <dl class="order-facts">
                        <dt>{tr("주문 번호", "Order number")}</dt><dd class="number">{o.number()}</dd>
                        <dt>{tr("꽃", "Flowers")}</dt><dd>{line_summary(&o.lines, lang_now)}</dd>
                        <dt>{tr("금액", "Total")}</dt><dd>{Won(o.total_won).to_string()} " · " {format!("**** {}", o.card_last4)}</dd>
                        <dt>{tr("받는 분", "Recipient")}</dt><dd>{o.recipient_name.clone()} {o.recipient_phone.as_deref().map(|p| format!("· {}", contracts::display::phone(p)))}</dd>
                        <dt>{tr("주소", "Address")}</dt><dd>{o.address.clone()}</dd>
                        <dt>{tr("배달", "Delivery")}</dt><dd>{lang_now.date(o.delivery_date)} " " {window_words(o.time_window, lang_now)}</dd>
                        {o.card_message.clone().map(|m| view! { <dt>{tr("카드 메시지", "Card message")}</dt><dd class="card-message">{m}</dd> })}
                    </dl>
                    <h2>{tr("진행 기록", "Timeline")}</h2>
                    <ol class="timeline">
                        {o.timeline.iter().map(|step| view! {
                            <li data-step=step.step.as_str()>
                                <time datetime=step.at.to_rfc3339()>{lang_now.moment(step.at)}</time>
                                " " <span>{step_words(step.step, lang_now)}</span>
                            </li>
                        }).collect_view()}
                    </ol>
                    {if o.may_cancel() {
                        view! {
                            <div class="cancel">
                                <button type="button" class="danger" on:click=move |_| confirming.set(true)
                                    hidden=move || confirming.get()>{tr("주문 취소", "Cancel order")}</button>
                                <div class="confirm" role="alertdialog" aria-labelledby="confirm-text" hidden=move || !confirming.get()>
                                    <p id="confirm-text">{tr("정말 취소할까요? 결제하신 금액은 환불돼요.", "Cancel this order? Anything paid is refunded.")}</p>
                                    <button type="button" class="danger" on:click=cancel.clone() disabled=move || cancelling.get()>{tr("네, 취소할게요", "Yes, cancel it")}</button>
                                    <button type="button" on:click=move |_| confirming.set(false)>{tr("아니요", "No, keep it")}</button>
                                </div>
                                {refused}
                            </div>
                        }.into_any()
                    } else {
                        let reason = match stage {
                            Stage::OutForDelivery => Some(tr("꽃이 이미 출발해서 취소할 수 없어요.", "The flowers have left the shop, so it can no longer be cancelled.")),
                            Stage::Delivered => Some(tr("배달이 끝난 주문이에요.", "This order has been delivered.")),
                            _ => None,
                        };
                        view! { <p class="hint cancel-closed">{reason.map(|r| r())}</p> }.into_any()
                    }}
                }
            })}
        </section>
    }
}

/// `/messages`: the customer's inbox, newest first; opening one marks it read.
#[component]
pub fn MessagesPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("알림", "Messages") />
        <Guard><Inbox /></Guard>
    }
}

#[component]
fn Inbox() -> impl IntoView {
    let lang = use_lang();
    let live = use_live();
    let inbox = LocalResource::new(move || {
        live.unread.track();
        client::get::<MessagesReply>("/api/messages")
    });
    let read = move |id: String| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/messages/{id}/read");
            if let Ok(reply) = client::send::<_, MessagesReply>("POST", &path, &()).await {
                live.unread.set(Some(reply.unread));
            }
        });
    };
    let message = move |m: MessageView| {
        let (title, body) = match lang.get() {
            Lang::Ko => (m.title_ko.clone(), m.body_ko.clone()),
            Lang::En => (m.title_en.clone(), m.body_en.clone()),
        };
        let id = m.id.to_string();
        let unread = !m.read;
        view! {
            <li class="message" class:unread=unread data-fact=m.fact.clone()>
                <details on:toggle=move |_| if unread { read(id.clone()) }>
                    <summary>
                        <span class="message-title">{title}</span>
                        <time datetime=m.created_at.to_rfc3339()>{lang.get().moment(m.created_at)}</time>
                    </summary>
                    <p>{body}</p>
                    {m.order_id.map(|o| view! { <a href=format!("/orders/{o}")>{tr("주문 보기", "See the order")}</a> })}
                </details>
            </li>
        }
    };
    view! {
        <section class="panel">
            <h1>{tr("알림", "Messages")}</h1>
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || inbox.get().map(|result| match result {
                    Ok(reply) if reply.messages.is_empty() => view! { <p>{tr("아직 알림이 없어요.", "No messages yet.")}</p> }.into_any(),
                    Ok(reply) => view! {
                        <ul class="messages">{reply.messages.into_iter().map(message).collect_view()}</ul>
                    }.into_any(),
                    Err(failure) => view! { <p class="form-error" role="alert">{failure.message}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_window_reads_with_the_hours_the_order_context_keeps() {
        for &window in TimeWindow::ALL {
            let (from, to) = window.hours();
            for lang in [Lang::Ko, Lang::En] {
                let words = window_words(window, lang);
                assert!(
                    words.contains(&format!("{from}")) && words.contains(&format!("{to}")),
                    "{window:?} is {from}–{to}, but the page says {words:?}"
                );
            }
        }
    }
}
