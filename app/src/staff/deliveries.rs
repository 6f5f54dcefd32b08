//! `/staff/deliveries`: the deliveries board — today and the coming days, grouped by date and
//! time window with counts, each window in the order its deliveries should leave, moved along
//! live (send out, mark delivered), and printable as a courier's day sheet.

use super::StaffNav;
use crate::{
    client::{self, Failure},
    i18n::{tr, use_lang, Lang},
    live::use_live,
    orders::{delivery_words, window_words},
    session::Guard,
};
use chrono::NaiveDate;
use contracts::{
    delivery::ScheduledDelivery, display, order::TimeWindow, progress::DeliveryStatus,
};
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

/// One delivery day: its windows in order, each with its deliveries in leaving order.
struct Day {
    date: NaiveDate,
    windows: Vec<(TimeWindow, Vec<ScheduledDelivery>)>,
}

impl Day {
    fn count(&self) -> usize {
        self.windows.iter().map(|(_, list)| list.len()).sum()
    }

    /// Deliveries of the day that have not reached their recipient.
    fn to_go(&self) -> usize {
        self.windows
            .iter()
            .flat_map(|(_, list)| list)
            .filter(|d| d.status != DeliveryStatus::Delivered)
            .count()
    }
}

/// The schedule (by date, then window, then when the order came) as days and windows.
fn board(schedule: Vec<ScheduledDelivery>) -> Vec<Day> {
    let mut days: Vec<Day> = Vec::new();
    for delivery in schedule {
        let day = match days.last_mut() {
            Some(day) if day.date == delivery.delivery_date => day,
            _ => {
                days.push(Day {
                    date: delivery.delivery_date,
                    windows: Vec::new(),
                });
                days.last_mut().expect("just pushed")
            }
        };
        match day.windows.last_mut() {
            Some((window, list)) if *window == delivery.window => list.push(delivery),
            _ => day.windows.push((delivery.window, vec![delivery])),
        }
    }
    for day in &mut days {
        day.windows.sort_by_key(|(window, _)| *window as u8);
    }
    days
}

fn count_words(lang: Lang, count: usize, to_go: Option<usize>) -> String {
    let deliveries = if count == 1 { "delivery" } else { "deliveries" };
    match (lang, to_go) {
        (Lang::Ko, None) => format!("{count}건"),
        (Lang::Ko, Some(left)) => format!("{count}건 · 남은 배달 {left}건"),
        (Lang::En, None) => format!("{count} {deliveries}"),
        (Lang::En, Some(left)) => format!("{count} {deliveries} · {left} still to go"),
    }
}

/// Opens the browser's print dialog once the page shows what `printing` chose (the print
/// stylesheet lays out the day sheet), and forgets the choice when printing is done, so a
/// later print of the whole page prints every day.
fn print_day(printing: RwSignal<Option<NaiveDate>>, date: NaiveDate) {
    printing.set(Some(date));
    #[cfg(feature = "hydrate")]
    {
        // The classes are applied on a later tick; the next frame has them.
        request_animation_frame(move || {
            if let Some(window) = web_sys::window() {
                let _ = window.print();
            }
        });
    }
}

/// Why sending out or marking delivered did not happen, in the page's language: a 409 means
/// the delivery moved on meanwhile (a colleague was quicker, or the order was cancelled).
fn advance_failure(failure: &Failure, lang: Lang) -> String {
    match (failure.status, lang) {
        (409, Lang::Ko) => {
            "이 배달은 그사이 상태가 바뀌었어요 (다른 직원이 먼저 처리했거나 주문이 취소됐어요). 목록을 확인해 주세요.".to_owned()
        }
        (409, Lang::En) => format!("This delivery moved on meanwhile: {}", failure.message),
        _ => crate::problems::general_failure(failure, lang),
    }
}

#[component]
fn Deliveries() -> impl IntoView {
    let lang = use_lang();
    let live = use_live();
    let deliveries = LocalResource::new(move || {
        live.deliveries.track();
        client::get::<Vec<ScheduledDelivery>>("/api/deliveries")
    });
    let failure = RwSignal::new(None::<Failure>);
    // The day the courier's sheet is printed for; the other days are left off the paper.
    let printing = RwSignal::new(None::<NaiveDate>);
    #[cfg(feature = "hydrate")]
    let _ = window_event_listener_untyped("afterprint", move |_| printing.set(None));
    let advance = move |order_id: String, step: &'static str| {
        leptos::task::spawn_local(async move {
            let path = format!("/api/deliveries/{order_id}/{step}");
            match client::send::<_, Advanced>("POST", &path, &()).await {
                Ok(_) => failure.set(None),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    view! {
        <section class="panel wide board" class:printing=move || printing.get().is_some()>
            <h1>{tr("배달 관리", "Deliveries")}</h1>
            {move || failure.get().map(|f| view! { <p class="form-error" role="alert">{advance_failure(&f, lang.get())}</p> })}
            <Transition fallback=|| view! { <p class="loading">"…"</p> }>
                {move || deliveries.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>{tr("예정된 배달이 없어요.", "No deliveries scheduled.")}</p> }.into_any(),
                    Ok(list) => board(list).into_iter().map(|day| {
                        let l = lang.get();
                        let date = day.date;
                        let (heading, labelled_by) = (format!("day-{date}"), format!("day-{date}"));
                        view! {
                            <article class="board-day" class:print-this=move || printing.get() == Some(date) aria-labelledby=labelled_by>
                                <div class="board-day-head">
                                    <h2 id=heading>{l.date(date)}
                                        <span class="count">{count_words(l, day.count(), Some(day.to_go()))}</span>
                                    </h2>
                                    <button type="button" class="print-day" on:click=move |_| print_day(printing, date)>{tr("이 날 배달표 인쇄", "Print this day's sheet")}</button>
                                </div>
                                {day.windows.into_iter().map(|(window, list)| view! {
                                    <section class="board-window">
                                        <h3>{window_words(window, l)} <span class="count">{count_words(l, list.len(), None)}</span></h3>
                                        <ol class="deliveries">
                                            {list.into_iter().map(|d| view! { <DeliveryCard delivery=d advance /> }).collect_view()}
                                        </ol>
                                    </section>
                                }).collect_view()}
                            </article>
                        }
                    }).collect_view().into_any(),
                    Err(failure) => view! { <p class="form-error" role="alert">{crate::problems::general_failure(&failure, lang.get())}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DeliveryCard(
    delivery: ScheduledDelivery,
    advance: impl Fn(String, &'static str) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = use_lang();
    let d = delivery;
    let id = d.order_id.to_string();
    let number = display::short_number(d.order_id);
    let l = lang.get_untracked();
    let step = match d.status {
        DeliveryStatus::Preparing => Some(("dispatch", tr("배달 출발", "Send out"))),
        DeliveryStatus::OutForDelivery => Some(("deliver", tr("배달 완료", "Mark delivered"))),
        _ => None,
    };
    let button_id = id.clone();
    view! {
        <li class=format!("delivery status-{}", d.status) data-order=id.clone()>
            <p class="who"><strong>{d.recipient_name.clone()}</strong> " · "
                <a class="phone" href=format!("tel:{}", d.recipient_phone)>{display::phone(&d.recipient_phone)}</a></p>
            <p class="where">{d.address.clone()}</p>
            <p class="when print-only">{l.date(d.delivery_date)} " · " {window_words(d.window, l)}</p>
            {d.card_message.clone().map(|m| view! { <p class="card-message">"“" {m} "”"</p> })}
            <p class="status"><span class="number">{"#"}{number}</span> " · " {delivery_words(d.status, l)}</p>
            <div class="actions">
                {step.map(|(step, label)| view! {
                    <button type="button" on:click=move |_| advance(button_id.clone(), step)>{label}</button>
                })}
                <a href=format!("/staff/orders/{id}")>{tr("주문 기록", "Order timeline")}</a>
            </div>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use uuid::Uuid;

    fn delivery(day: u32, window: TimeWindow, status: DeliveryStatus) -> ScheduledDelivery {
        ScheduledDelivery {
            order_id: Uuid::nil(),
            status,
            recipient_name: "김하늘".into(),
            recipient_phone: "01012345678".into(),
            address: "서울".into(),
            delivery_date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            window,
            card_message: None,
            updated_at: chrono::DateTime::<Utc>::from_timestamp(1_795_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn the_board_groups_days_and_windows_with_their_counts() {
        use DeliveryStatus::*;
        use TimeWindow::*;
        let days = board(vec![
            delivery(26, Morning, Delivered),
            delivery(26, Morning, Preparing),
            delivery(26, Evening, OutForDelivery),
            delivery(27, Afternoon, Preparing),
        ]);
        assert_eq!(days.len(), 2);
        assert_eq!((days[0].count(), days[0].to_go()), (3, 2));
        let windows: Vec<_> = days[0].windows.iter().map(|(w, l)| (*w, l.len())).collect();
        assert_eq!(windows, [(Morning, 2), (Evening, 1)]);
        assert_eq!((days[1].count(), days[1].to_go()), (1, 1));
        assert_eq!(count_words(Lang::Ko, 3, Some(2)), "3건 · 남은 배달 2건");
        assert_eq!(count_words(Lang::En, 1, None), "1 delivery");
        assert_eq!(
            count_words(Lang::En, 3, Some(1)),
            "3 deliveries · 1 still to go"
        );
    }
}
