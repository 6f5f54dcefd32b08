//! The staff's pages (staff accounts only): inventory (stock levels, restock, price, new
//! flowers, each product's history), the delivery schedule moved along live, and an order's
//! saga timeline with any parked message and a button to re-drive it.

mod deliveries;
mod inventory;
mod orders;

pub use deliveries::DeliveriesPage;
pub use inventory::InventoryPage;
pub use orders::StaffOrderPage;

use crate::i18n::tr;
use leptos::prelude::*;

/// The staff's navigation, on every staff page.
#[component]
fn StaffNav() -> impl IntoView {
    view! {
        <nav class="staff-nav" aria-label=tr("직원 메뉴", "Staff menu")>
            <a href="/staff/inventory">{tr("재고", "Inventory")}</a>
            <a href="/staff/deliveries">{tr("배달", "Deliveries")}</a>
        </nav>
    }
}
