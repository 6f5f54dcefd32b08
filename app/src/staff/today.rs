//! `/staff`: today at a glance — orders placed, paid, declined, cancelled, refunded and
//! delivered today, and the day's revenue, from the read models and refreshed live.

use super::StaffNav;
use crate::{
    client,
    i18n::{tr, use_lang, Lang},
    live::use_live,
    session::Guard,
};
use contracts::{florist::DaySummary, Won};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/staff`: the florist's start page.
#[component]
pub fn TodayPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::now("오늘", "Today") />
        <Guard staff=true><StaffNav /><Today /></Guard>
    }
}

/// The figures of a day, each with its words.
fn figures(day: &DaySummary, lang: Lang) -> Vec<(&'static str, &'static str, String)> {
    let count = |n: i64| match lang {
        Lang::Ko => format!("{n}건"),
        Lang::En => n.to_string(),
    };
    vec![
        ("placed", lang.pick("주문", "Placed"), count(day.placed)),
        ("paid", lang.pick("결제", "Paid"), count(day.paid)),
        (
            "declined",
            lang.pick("결제 거절", "Declined"),
            count(day.declined),
        ),
        (
            "cancelled",
            lang.pick("취소", "Cancelled"),
            count(day.cancelled),
        ),
        (
            "refunded",
            lang.pick("환불", "Refunded"),
            count(day.refunded),
        ),
        (
            "delivered",
            lang.pick("배달 완료", "Delivered"),
            count(day.delivered),
        ),
        (
            "revenue",
            lang.pick("매출", "Revenue"),
            Won(day.revenue_won).to_string(),
        ),
    ]
}

#[component]
fn Today() -> impl IntoView {
    let lang = use_lang();
    let live = use_live();
    // Placing and cancelling move stock; paying, sending out and delivering move deliveries.
    let today = LocalResource::new(move || {
        live.deliveries.track();
        live.products.track();
        client::get::<DaySummary>("/api/daySummary")
    });
    view! {
        <section class="panel wide">
            <h1>{tr("오늘 한눈에", "Today at a glance")}</h1>
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || today.get().map(|result| match result {
                    Ok(day) => {
                        let l = lang.get();
                        view! {
                            <p class="day">{l.date(day.day)}</p>
                            <dl class="glance">
                                {figures(&day, l).into_iter().map(|(key, label, value)| view! {
                                    <div class=format!("figure figure-{key}")><dt>{label}</dt><dd>{value}</dd></div>
                                }).collect_view()}
                            </dl>
                            <p class="note">{match l {
                                Lang::Ko => format!("결제 {} − 환불 {} = 매출 {}", Won(day.paid_won), Won(day.refunded_won), Won(day.revenue_won)),
                                Lang::En => format!("Paid {} − refunded {} = revenue {}", Won(day.paid_won), Won(day.refunded_won), Won(day.revenue_won)),
                            }}</p>
                            <ul class="shortcuts">
                                <li><a href="/staff/deliveries">{tr("배달 관리", "Deliveries")}</a></li>
                                <li><a href="/staff/preparation">{tr("준비할 꽃", "What to prepare")}</a></li>
                                <li><a href="/staff/orders">{tr("주문 찾기", "Find an order")}</a></li>
                            </ul>
                        }.into_any()
                    }
                    Err(failure) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, lang.get())}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}
