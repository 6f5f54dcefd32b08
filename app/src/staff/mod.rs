//! The staff's pages (staff accounts only), for a florist's day: today at a glance, the
//! deliveries board moved along live and printed as a day sheet, what to prepare, finding an
//! order and its saga timeline, the inventory, and the staff themselves.

mod deliveries;
mod find;
mod inventory;
mod orders;
mod preparation;
mod team;
mod today;

pub use deliveries::DeliveriesPage;
pub use find::FindOrderPage;
pub use inventory::InventoryPage;
pub use orders::StaffOrderPage;
pub use preparation::PreparationPage;
pub use team::TeamPage;
pub use today::TodayPage;

use crate::i18n::tr;
use leptos::prelude::*;

/// The staff's navigation, on every staff page.
#[component]
fn StaffNav() -> impl IntoView {
    view! {
        <nav class="staff-nav" aria-label=tr("직원 메뉴", "Staff menu")>
            <a href="/staff">{tr("오늘", "Today")}</a>
            <a href="/staff/deliveries">{tr("배달", "Deliveries")}</a>
            <a href="/staff/preparation">{tr("준비할 꽃", "To prepare")}</a>
            <a href="/staff/orders">{tr("주문 찾기", "Find an order")}</a>
            <a href="/staff/inventory">{tr("재고", "Inventory")}</a>
            <a href="/staff/accounts">{tr("직원", "Staff")}</a>
        </nav>
    }
}
